package io.fenceline.proxy.group;

import io.fenceline.testing.FaultLink;
import io.fenceline.testing.LogSource;
import io.fenceline.testing.PostgresServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One Fenceline proxy as an operator runs it: a child JVM ({@code io.fenceline.proxy.Main proxy --config FILE})
 * with this JVM's test class path, so it can be stopped (SIGSTOP), resumed and killed like a real process. Its
 * etcd connections go through one {@link FaultLink} per etcd member, so it alone can be partitioned from etcd.
 * Its log (stdout and stderr) is a file, attached to failing tests as a {@link LogSource}.
 */
final class ProxyChild implements AutoCloseable, LogSource {

    private static final Logger LOG = LoggerFactory.getLogger(ProxyChild.class);

    /**
     * What to run: the group settings that differ between proxies and tests. Without {@code authority} the
     * file has no {@code etcd:} and {@code group:} sections: a plain relay that gates nothing.
     */
    record Spec(String group, String cluster, List<String> candidates, String preferred, String failover,
                Duration leaseTtl, Duration margin, String subscription, Duration pauseBound, boolean authority) {

        Spec {
            candidates = List.copyOf(candidates);
        }

        static Spec of(String group, String cluster, String subscription) {
            return new Spec(group, cluster, List.of("a", "b"), "a", "automatic", Duration.ofSeconds(3),
                    Duration.ofMillis(500), subscription, Duration.ofSeconds(5), true);
        }

        Spec withLease(Duration ttl, Duration newMargin) {
            return new Spec(group, cluster, candidates, preferred, failover, ttl, newMargin, subscription, pauseBound,
                    authority);
        }

        Spec withFailover(String newFailover) {
            return new Spec(group, cluster, candidates, preferred, newFailover, leaseTtl, margin, subscription,
                    pauseBound, authority);
        }

        Spec withoutAuthority() {
            return new Spec(group, cluster, candidates, preferred, failover, leaseTtl, margin, subscription,
                    pauseBound, false);
        }
    }

    private final Spec spec;
    private final Path dir;
    private final Path log;
    private final List<FaultLink> etcdLinks;
    private final int port;
    private final int adminPort;
    private final Process process;
    private volatile boolean closed;

    private ProxyChild(Spec spec, Path dir, List<FaultLink> etcdLinks, int port, int adminPort, Process process) {
        this.spec = spec;
        this.dir = dir;
        this.log = dir.resolve("proxy.log");
        this.etcdLinks = etcdLinks;
        this.port = port;
        this.adminPort = adminPort;
        this.process = process;
    }

    /** Writes the configuration and starts the child; {@link #awaitServing} waits until it answers. */
    static ProxyChild start(Spec spec, PostgresServer pg, List<Integer> etcdClientPorts) {
        return start(spec, pg, etcdClientPorts, "");
    }

    /** As {@link #start(Spec, PostgresServer, List)}, with {@code extraYaml} (whole sections) appended to the file. */
    static ProxyChild start(Spec spec, PostgresServer pg, List<Integer> etcdClientPorts, String extraYaml) {
        List<FaultLink> links = new ArrayList<>();
        try {
            Path dir = Files.createTempDirectory("fenceline-proxy-" + spec.cluster() + "-");
            for (int p : etcdClientPorts) {
                links.add(FaultLink.start("127.0.0.1", p));
            }
            int[] ports = io.fenceline.testing.FreePorts.take(2);
            Path config = dir.resolve("proxy.yaml");
            Files.writeString(config, yaml(spec, pg.port(), pg.superuser(),
                    links.stream().map(FaultLink::port).toList(), ports[0], ports[1]) + extraYaml);
            Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
            List<String> command = new ArrayList<>(List.of(javaBin.toString(), "-Xmx256m", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", "-Dio.netty.leakDetection.level=paranoid",
                    "-Dfenceline.ioThreads=1", "-cp", System.getProperty("java.class.path"),
                    "io.fenceline.proxy.Main", "proxy", "--config", config.toString()));
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("proxy.log").toFile()).start();
            return new ProxyChild(spec, dir, links, ports[0], ports[1], process);
        } catch (IOException e) {
            links.forEach(FaultLink::close);
            throw new UncheckedIOException("could not start the proxy of cluster " + spec.cluster(), e);
        }
    }

    /** The configuration file of a proxy with the write authority (see proxy.example.yaml). */
    static String yaml(Spec spec, int pgPort, String superuser, List<Integer> etcdPorts, int port, int adminPort) {
        StringBuilder y = new StringBuilder();
        y.append("listen: { host: 127.0.0.1, port: ").append(port).append(" }\n");
        y.append("upstream: { host: 127.0.0.1, port: ").append(pgPort).append(" }\n");
        y.append("admin: { host: 127.0.0.1, port: ").append(adminPort).append(" }\n");
        y.append("shutdown_grace: 1s\n");
        if (!spec.authority()) {
            return y.toString();
        }
        y.append("etcd:\n  endpoints: [");
        y.append(String.join(", ", etcdPorts.stream().map(p -> "http://127.0.0.1:" + p).toList()));
        y.append("]\n  lease_ttl: ").append(spec.leaseTtl().toSeconds()).append("s\n");
        y.append("  margin: ").append(spec.margin().toMillis()).append("ms\n");
        y.append("  request_timeout: 1s\n");
        y.append("group:\n");
        y.append("  name: ").append(spec.group()).append('\n');
        y.append("  cluster: ").append(spec.cluster()).append('\n');
        y.append("  proxy_id: p-").append(spec.cluster()).append('\n');
        y.append("  preferred: ").append(spec.preferred()).append('\n');
        y.append("  candidates: [").append(String.join(", ", spec.candidates())).append("]\n");
        y.append("  failover: ").append(spec.failover()).append('\n');
        y.append("  pause_bound: ").append(spec.pauseBound().toMillis()).append("ms\n");
        y.append("  handoff_timeout: 10s\n");
        y.append("  status_interval: 200ms\n");
        y.append("  fence:\n    user: ").append(superuser).append("\n    database: postgres\n");
        if (spec.subscription() != null) {
            y.append("    subscription: ").append(spec.subscription()).append('\n');
        }
        y.append("    fence_timeout: 2s\n");
        return y.toString();
    }

    String cluster() {
        return spec.cluster();
    }

    Spec spec() {
        return spec;
    }

    int port() {
        return port;
    }

    int adminPort() {
        return adminPort;
    }

    long pid() {
        return process.pid();
    }

    /** The sum of the samples of one series on the child's {@code /metrics} (0 when it has none). */
    double metric(String name) {
        try {
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + adminPort + "/metrics"))
                            .timeout(Duration.ofSeconds(5)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            return r.body().lines().filter(l -> l.startsWith(name) && !l.startsWith("#"))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the metrics of " + this, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading the metrics of " + this, e);
        }
    }

    /** pgJDBC URL through this proxy. */
    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?sslmode=disable&connectTimeout=5"
                + "&socketTimeout=60&tcpKeepAlive=true&ApplicationName=fenceline-it";
    }

    /** A connection through this proxy as the superuser (pgJDBC's defaults: the extended protocol). */
    Connection connect() throws SQLException {
        return connect(false);
    }

    /** A connection through this proxy; {@code simpleProtocol} sends every statement as one Query message. */
    Connection connect(boolean simpleProtocol) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        if (simpleProtocol) {
            p.setProperty("preferQueryMode", "simple");
        }
        return DriverManager.getConnection(jdbcUrl(), p);
    }

    /** Waits until a client can run a query through the proxy; fails with the log tail if it exited. */
    void awaitServing(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new AssertionError("the proxy of " + spec.cluster() + " exited with " + process.exitValue()
                        + ":\n" + logTail(40));
            }
            try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
                if (rs.next()) {
                    return;
                }
            } catch (SQLException e) {
                if (System.nanoTime() > end) {
                    throw new AssertionError("the proxy of " + spec.cluster() + " did not serve within "
                            + timeout.toMillis() + " ms (" + e.getMessage() + "):\n" + logTail(40), e);
                }
            }
            Thread.sleep(50);
        }
    }

    /** Cuts this proxy off from every etcd member: connections stay open, nothing passes. */
    void partitionFromEtcd() {
        etcdLinks.forEach(FaultLink::blackhole);
    }

    /** Heals {@link #partitionFromEtcd()}. */
    void healEtcd() {
        etcdLinks.forEach(FaultLink::pass);
    }

    /** SIGSTOP: the process freezes with its sockets open. */
    void pause() {
        signal("STOP");
    }

    /** SIGCONT. */
    void resume() {
        signal("CONT");
    }

    /** SIGKILL, and waits for the exit. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                    .redirectErrorStream(true).start();
            String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed: " + out.strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not send SIG" + name + " to " + process.pid(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending SIG" + name + " to " + process.pid(), e);
        }
    }

    /** Lines of the log that report a leaked Netty buffer (the child runs the detector at paranoid). */
    List<String> leakReports() {
        try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
            return lines.filter(l -> l.contains("LEAK:")).toList();
        } catch (IOException | UncheckedIOException e) {
            return List.of("(could not read " + log + ": " + e + ")");
        }
    }

    /** Stops the proxy (SIGCONT in case it is stopped, then SIGTERM, SIGKILL after 10 s) and its links. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (process.isAlive()) {
                try {
                    signal("CONT");
                } catch (IllegalStateException e) {
                    LOG.debug("SIGCONT before closing {} failed (it may have exited meanwhile)", this, e);
                }
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        } finally {
            etcdLinks.forEach(FaultLink::close);
            deleteDirectory();
        }
    }

    private void deleteDirectory() {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("could not delete {}", dir, e);
        }
    }

    @Override
    public String describe() {
        return "proxy " + spec.cluster() + " (pid " + process.pid() + ", 127.0.0.1:" + port + ", log " + log + ")";
    }

    @Override
    public String logTail(int lines) {
        try (Stream<String> all = Files.lines(log, StandardCharsets.UTF_8)) {
            Deque<String> last = new ArrayDeque<>();
            all.forEach(line -> {
                if (last.size() == lines) {
                    last.removeFirst();
                }
                last.addLast(line);
            });
            return String.join("\n", last);
        } catch (IOException | UncheckedIOException e) {
            return "(could not read " + log + ": " + e + ")";
        }
    }

    @Override
    public String toString() {
        return describe();
    }
}
