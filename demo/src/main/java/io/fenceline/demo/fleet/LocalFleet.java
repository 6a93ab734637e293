package io.fenceline.demo.fleet;

import io.fenceline.testing.EtcdCluster;
import io.fenceline.testing.FaultLink;
import io.fenceline.testing.FreePorts;
import io.fenceline.testing.PostgresServer;
import io.fenceline.testing.PrometheusServer;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Everything the demo runs on this machine: etcd, a PostgreSQL server per cluster holding the application
 * database with logical replication between the clusters, a fault link on each proxy's way to etcd, and the
 * proxies. {@link #close()} stops all of it and removes the data directories; it is idempotent and safe to
 * call from a shutdown hook while {@link #start} is still running.
 *
 * <p>Replication: every cluster publishes the rows it wrote itself ({@code origin} = its name, a column whose
 * default is the cluster's name) and subscribes to the other two clusters' publications. Rows a cluster applied
 * from another are not published again, so there is no loop, and whichever cluster is the writer, its inserts
 * reach the others without re-pointing anything.
 */
public final class LocalFleet implements AutoCloseable {

    /** The application database on every cluster. */
    public static final String DATABASE = "shop";

    private final List<String> clusters;
    private final Map<String, PostgresServer> servers = new LinkedHashMap<>();
    private final Map<String, FaultLink> etcdLinks = new LinkedHashMap<>();
    private final Map<String, ProxyChild> proxies = new LinkedHashMap<>();
    private volatile EtcdCluster etcd;
    private volatile PrometheusServer prometheus;
    private volatile boolean closed;

    private LocalFleet(List<String> clusters) {
        this.clusters = List.copyOf(clusters);
    }

    /** The names and wiring of the fleet. */
    public record Plan(List<String> clusters, String writer, List<String> candidates, String group, Path proxyJar,
                       Path workDir, boolean writeAuthority, boolean schemaVersions) {
    }

    /** An empty fleet to {@link #start} (separate so a shutdown hook can hold it from the beginning). */
    public static LocalFleet of(List<String> clusters) {
        return new LocalFleet(clusters);
    }

    /** Starts etcd, the clusters, replication and the proxies, saying what it does through {@code say}. */
    public void start(Plan plan, Consumer<String> say) {
        say.accept("starting etcd (one member)");
        etcd = EtcdCluster.start(1);
        check();
        for (String cluster : clusters) {
            say.accept("starting PostgreSQL cluster " + cluster);
            PostgresServer pg = PostgresServer.builder()
                    .setting("fenceline_demo.cluster", cluster)
                    .setting("wal_retrieve_retry_interval", "500ms")
                    // Subscribers report their applied position every second and senders ping idle subscribers
                    // sooner, so a handoff target sees that it caught up within about a second.
                    .setting("wal_receiver_status_interval", "1s")
                    .setting("wal_sender_timeout", "4s")
                    .setting("max_connections", "100")
                    .start();
            synchronized (this) {
                servers.put(cluster, pg);
            }
            check();
            pg.execute("CREATE DATABASE " + DATABASE);
            pg.executeIn(DATABASE, Schema.BASELINE);
            pg.executeIn(DATABASE, Schema.APPLICATION_ROLE);
            pg.executeIn(DATABASE, Schema.publication(cluster));
        }
        say.accept("logical replication: each cluster publishes its own writes and subscribes to the other two");
        for (String subscriber : clusters) {
            for (String publisher : clusters) {
                if (!publisher.equals(subscriber)) {
                    servers.get(subscriber).executeIn(DATABASE, Schema.subscription(subscriber, publisher,
                            servers.get(publisher).port()));
                }
            }
        }
        for (String cluster : clusters) {
            check();
            URI etcdUri = URI.create(etcd.endpoints().get(0));
            FaultLink link = FaultLink.start(etcdUri.getHost(), etcdUri.getPort());
            synchronized (this) {
                etcdLinks.put(cluster, link);
            }
            int port = FreePorts.take();
            int admin = FreePorts.take();
            String subscription = cluster.equals(plan.writer()) ? Schema.subscriptionName(cluster, otherCandidate(plan,
                    cluster)) : Schema.subscriptionName(cluster, plan.writer());
            ProxyConfig config = new ProxyConfig(cluster, port, admin, servers.get(cluster).port(), DATABASE,
                    "http://127.0.0.1:" + link.port(), plan.group(), plan.writer(), plan.candidates(), subscription);
            say.accept("starting the proxy of " + cluster + " (java -jar " + plan.proxyJar().getFileName()
                    + " proxy --config " + plan.workDir().resolve(cluster).resolve("proxy.yaml") + ")");
            ProxyChild child = ProxyChild.start(cluster, plan.proxyJar(), plan.workDir().resolve(cluster),
                    config.yaml(plan.writeAuthority(), plan.schemaVersions()), port, admin, Duration.ofSeconds(60));
            synchronized (this) {
                proxies.put(cluster, child);
            }
            check();
        }
    }

    private static String otherCandidate(Plan plan, String cluster) {
        return plan.candidates().stream().filter(c -> !c.equals(cluster)).findFirst()
                .orElse(plan.clusters().stream().filter(c -> !c.equals(cluster)).findFirst().orElseThrow());
    }

    private void check() {
        if (closed) {
            throw new IllegalStateException("the demo is shutting down");
        }
    }

    public List<String> clusters() {
        return clusters;
    }

    public EtcdCluster etcd() {
        return etcd;
    }

    public PostgresServer server(String cluster) {
        return servers.get(cluster);
    }

    public ProxyChild proxy(String cluster) {
        return proxies.get(cluster);
    }

    /** The fault link between {@code cluster}'s proxy and etcd. */
    public FaultLink etcdLink(String cluster) {
        return etcdLinks.get(cluster);
    }

    /**
     * Starts a Prometheus scraping every proxy's admin {@code /metrics} every 5 s with the alerting rules in
     * {@code rules} (when the file exists), stopped with the fleet; empty when Prometheus is not installed.
     */
    public synchronized Optional<PrometheusServer> startPrometheus(Path rules) {
        check();
        if (PrometheusServer.binary().isEmpty()) {
            return Optional.empty();
        }
        List<String> targets = proxies.values().stream().map(p -> "127.0.0.1:" + p.adminPort()).toList();
        prometheus = PrometheusServer.start("fenceline", targets, Duration.ofSeconds(5),
                Files.isRegularFile(rules) ? List.of(rules) : List.of());
        return Optional.of(prometheus);
    }

    /** A direct superuser connection to {@code cluster}'s application database (bypassing its proxy). */
    public Connection connectDirect(String cluster) throws SQLException {
        return servers.get(cluster).connect(DATABASE);
    }

    /** Stops the proxies, the fault links, PostgreSQL and etcd, and removes their directories. */
    @Override
    public void close() {
        closed = true;
        List<AutoCloseable> order = new ArrayList<>();
        synchronized (this) {
            if (prometheus != null) {
                order.add(prometheus);
            }
            // SIGTERM to every proxy first, so their graceful shutdowns overlap; close() below waits for each.
            proxies.values().forEach(ProxyChild::terminate);
            order.addAll(proxies.values());
            order.addAll(etcdLinks.values());
            order.addAll(servers.values());
        }
        if (etcd != null) {
            order.add(etcd);
        }
        RuntimeException first = null;
        for (AutoCloseable c : order) {
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) {
                    first = new IllegalStateException("could not stop " + c + ": " + e.getMessage(), e);
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
