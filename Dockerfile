# Fenceline's image: the launcher bin/fenceline as entry point, the proxy's and control's jars with their
# libraries, Debian's Java 17 runtime, a non-root user. Build the jars first, then the image:
#   mvn -B -DskipTests package -pl proxy,control -am && docker build -t fenceline/fenceline:0.1.0 .
# Where no registry can be pulled from, bin/image builds the same image with buildah on a debootstrap base
# and writes it as an OCI archive. The chart's default image is fenceline/fenceline:<appVersion>.
ARG BASE=debian:bookworm-slim
FROM ${BASE}

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb

# The chart runs the containers as uid 10001 with a read-only root file system (the JVM writes only /tmp).
RUN groupadd --system --gid 10001 fenceline \
 && useradd --system --uid 10001 --gid 10001 --home-dir /opt/fenceline --no-create-home \
      --shell /usr/sbin/nologin fenceline

# The repository's layout, which the launcher runs from: it finds its jars built and builds nothing.
COPY bin/fenceline /opt/fenceline/bin/fenceline
COPY proxy/target/fenceline-proxy-0.1.0-SNAPSHOT.jar /opt/fenceline/proxy/target/
COPY proxy/target/lib/ /opt/fenceline/proxy/target/lib/
COPY control/target/fenceline-control-0.1.0-SNAPSHOT.jar /opt/fenceline/control/target/
COPY control/target/lib/ /opt/fenceline/control/target/lib/

ENV PATH=/opt/fenceline/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
USER 10001:10001
WORKDIR /opt/fenceline
EXPOSE 6432 9187
ENTRYPOINT ["/opt/fenceline/bin/fenceline"]
CMD ["--help"]
