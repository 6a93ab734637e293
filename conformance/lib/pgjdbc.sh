# pgJDBC's own test suite (sourced by bin/conformance). The source tarball pgJDBC publishes beside each release
# (classifier jdbc-src, type tar.gz: the driver's whole source tree with src/test) is taken from Maven Central by
# Maven itself, for the version of the root pom's pgjdbc.version; its tests are compiled by conformance/pgjdbc/pom.xml
# against the released driver jar, and run with the JUnit Platform console launcher, which writes XML reports.
# Needs say() and fail() from the caller, ROOT and WORK.

PGJDBC_CONSOLE_VERSION=1.14.4   # the JUnit Platform of junit-bom 5.14.4, the version pgJDBC's own pom uses
# Not run, alike in every run (docs/conformance.md): ConnectTimeoutTest connects to 10.255.255.1, an address outside
# this machine, to watch a connect time out; tests here send traffic to loopback addresses only.
PGJDBC_EXCLUDED=(org.postgresql.test.jdbc2.ConnectTimeoutTest)

pgjdbc_version() {
  sed -n 's:.*<pgjdbc.version>\(.*\)</pgjdbc.version>.*:\1:p' "$ROOT/pom.xml" | head -n 1
}

# pgjdbc_prepare: unpacks the sources into WORK/pgjdbc-src and compiles the tests (once per version).
pgjdbc_prepare() {
  local version pom="$ROOT/conformance/pgjdbc/pom.xml"
  version="$(pgjdbc_version)"
  [[ -n "$version" ]] || fail "no pgjdbc.version in $ROOT/pom.xml"
  PGJDBC_VERSION=$version
  PGJDBC_SRC="$WORK/pgjdbc-src"
  PGJDBC_CLASSES="$ROOT/conformance/pgjdbc/target/test-classes"
  if [[ ! -f "$PGJDBC_SRC/.version" || "$(cat "$PGJDBC_SRC/.version")" != "$version" ]]; then
    say "pgJDBC $version: fetching its source tarball (org.postgresql:postgresql:$version:tar.gz:jdbc-src)"
    rm -rf "$PGJDBC_SRC" "$WORK/pgjdbc-dl"
    mvn -B -ntp -q -f "$pom" dependency:copy "-Dartifact=org.postgresql:postgresql:$version:tar.gz:jdbc-src" \
      "-DoutputDirectory=$WORK/pgjdbc-dl" \
      || fail "Maven could not fetch pgJDBC $version's source tarball (org.postgresql:postgresql:$version:tar.gz:jdbc-src)"
    mkdir -p "$PGJDBC_SRC"
    tar -xzf "$WORK/pgjdbc-dl/postgresql-$version-jdbc-src.tar.gz" -C "$PGJDBC_SRC" --strip-components=1
    echo "$version" >"$PGJDBC_SRC/.version"
    rm -rf "$ROOT/conformance/pgjdbc/target"
  fi
  PGJDBC_LISTENER="$ROOT/conformance/pgjdbc/target/classes"
  if [[ ! -d "$PGJDBC_CLASSES/org/postgresql" || ! -f "$WORK/pgjdbc-classpath.txt" \
        || -n "$(find "$ROOT/conformance/pgjdbc/src" "$pom" -newer "$WORK/pgjdbc-classpath.txt" -type f -print -quit)" ]]; then
    say "pgJDBC $version: compiling its $(find "$PGJDBC_SRC/src/test/java" -name '*.java' | wc -l) test sources against the released driver"
    # test-compile also compiles src/main: SqlStateListener, which records each failure's SQLSTATEs.
    mvn -B -ntp -q -f "$pom" "-Dpgjdbc.version=$version" "-Dpgjdbc.src=$PGJDBC_SRC" test-compile \
      dependency:build-classpath "-Dmdep.outputFile=$WORK/pgjdbc-classpath.txt" -Dmdep.includeScope=test \
      >"$WORK/pgjdbc-build.log" 2>&1 || fail "pgJDBC's tests did not compile: see $WORK/pgjdbc-build.log"
  fi
  PGJDBC_CONSOLE="$WORK/junit-platform-console-standalone-$PGJDBC_CONSOLE_VERSION.jar"
  if [[ ! -f "$PGJDBC_CONSOLE" ]]; then
    mvn -B -ntp -q -f "$pom" dependency:copy \
      "-Dartifact=org.junit.platform:junit-platform-console-standalone:$PGJDBC_CONSOLE_VERSION" \
      "-DoutputDirectory=$WORK" || fail "Maven could not fetch the JUnit Platform console launcher"
  fi
}

# pgjdbc_run OUT PORT [CLASS...]: the whole suite (or the named classes) against 127.0.0.1:PORT; reports in OUT/reports.
# build.properties as pgJDBC's CI writes it: database test, user test/test, privileged user postgres.
pgjdbc_run() {
  local out=$1 port=$2; shift 2
  mkdir -p "$out"
  cat >"$out/build.properties" <<PROPS
test.url.PGHOST=127.0.0.1
test.url.PGPORT=$port
test.url.PGDBNAME=test
user=test
password=test
privilegedUser=postgres
privilegedPassword=
secondaryServer1=127.0.0.1
secondaryPort1=$port
secondaryServer2=127.0.0.1
secondaryPort2=$port
sspiusername=testsspi
preparethreshold=5
sslpassword=sslpwd
PROPS
  # ssltest.properties and certdir/ of the tarball; enable_ssl_tests stays false there (no TLS server here).
  cp "$PGJDBC_SRC/ssltest.properties" "$out/" 2>/dev/null || true
  [[ -d "$PGJDBC_SRC/certdir" && ! -e "$out/certdir" ]] && ln -s "$PGJDBC_SRC/certdir" "$out/certdir"
  local select=(--scan-class-path "$PGJDBC_CLASSES" --include-classname '.*')
  for c in "${PGJDBC_EXCLUDED[@]}"; do select+=(--exclude-classname "${c//./\\.}"); done
  if (( $# > 0 )); then
    select=()
    for c in "$@"; do select+=(--select-class "$c"); done
  fi
  rm -rf "$out/reports"; mkdir -p "$out/reports"
  # -ea as Gradle runs them (pgJDBC's tests use assert). Run from OUT: pgJDBC's tests read build.properties
  # relative to build.properties.relative.path, and some write
  # files of their own into the working directory.
  (cd "$out" && java -ea -Xmx1536m -Dbuild.properties.relative.path="$out" -Dconformance.sqlstates="$out/reports/sqlstates.tsv" \
      -jar "$PGJDBC_CONSOLE" execute \
      --class-path "$PGJDBC_CLASSES:$PGJDBC_LISTENER:$(cat "$WORK/pgjdbc-classpath.txt")" "${select[@]}" \
      --reports-dir "$out/reports" --details=tree --disable-banner --disable-ansi-colors \
      --config junit.jupiter.extensions.autodetection.enabled=true \
      --config junit.jupiter.execution.timeout.default=5m) >"$out/console.log" 2>&1 || true
  [[ -f "$out/reports/TEST-junit-jupiter.xml" ]] || fail "pgJDBC's suite wrote no report: see $out/console.log"
}
