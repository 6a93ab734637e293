package io.fenceline.control;

import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.EtcdSettings;
import io.fenceline.config.coordination.Versioned;
import io.fenceline.config.keys.EtcdKey;
import io.fenceline.config.records.AuditRecord;
import io.fenceline.config.records.Mode;
import io.fenceline.config.records.ProxyStatus;
import io.fenceline.config.records.WriterRecord;
import io.fenceline.control.cli.Cli;
import io.fenceline.control.cli.ExitCodes;
import io.fenceline.control.history.Direction;
import io.fenceline.control.history.HistoryTable;
import io.fenceline.control.rollout.CatalogFingerprint;
import io.fenceline.config.records.Catalog;
import io.fenceline.config.records.Window;
import io.fenceline.testing.ArchitectureRules;
import io.fenceline.testing.EtcdCluster;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Control and its operator verbs against real proxies: two PostgreSQL clusters (c2 subscribes to c1's
 * {@code accounts} by logical replication), a real etcd, and two proxy processes started as an operator
 * starts them ({@code java -jar proxy/target/fenceline-proxy-*.jar --config FILE}, with {@code etcd:} and
 * {@code group:} and {@code schema:} sections), which campaign for the writer lease, fence the cluster that is
 * not the writer, enforce the schema window and catalogs control publishes, and publish their
 * {@link ProxyStatus} (mode, writer, connections per version, counters) under their lease. Nothing here is a
 * stand-in.
 *
 * <p>The proxy module's runnable build must exist (a reactor build packages proxy before control); the class
 * fails at once, naming the command, when it does not.
 */
class RealProxiesIT {

    private static final Logger LOG = LoggerFactory.getLogger(RealProxiesIT.class);
    private static final List<String> CLUSTERS = List.of("c1", "c2");
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static EtcdCluster etcd;
    private static final List<PostgresServer> PG = new ArrayList<>();
    private static final List<Process> PROXIES = new ArrayList<>();
    private static final List<Integer> PROXY_PORTS = new ArrayList<>();
    private static Path dir;
    private static Path config;
    private static Coordinator coordinator;

    @BeforeAll
    static void start() throws Exception {
        Path root = ArchitectureRules.moduleDir().toAbsolutePath().getParent();
        Path jar;
        try (Stream<Path> files = Files.list(root.resolve("proxy/target"))) {
            jar = files.filter(p -> p.getFileName().toString().matches("fenceline-proxy-[^-]+(-SNAPSHOT)?\\.jar"))
                    .findFirst().orElse(null);
        } catch (IOException e) {
            jar = null;
        }
        if (jar == null || !Files.isDirectory(root.resolve("proxy/target/lib"))) {
            throw new AssertionError("no runnable proxy build in " + root.resolve("proxy/target") + ": build it first"
                    + " (mvn -B -pl proxy,control -am verify, or bin/fenceline proxy --help)");
        }
        dir = Files.createTempDirectory("fenceline-realproxies-");
        etcd = EtcdCluster.start(1);
        for (int i = 0; i < 2; i++) {
            PostgresServer pg = PostgresServer.builder().start();
            pg.execute("CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL, email text)");
            // The application's role: schema checks apply to it (postgres is control's role, exempt from them).
            pg.execute("CREATE ROLE app LOGIN");
            pg.execute("GRANT SELECT, INSERT, UPDATE ON accounts TO app");
            PG.add(pg);
        }
        PG.get(0).execute("INSERT INTO accounts SELECT g, 'user' || g, 'u' || g || '@example.org'"
                + " FROM generate_series(1, 100) g");
        PG.get(0).execute("CREATE PUBLICATION pub_c1 FOR TABLE accounts");
        PG.get(1).execute("CREATE SUBSCRIPTION sub_c1 CONNECTION 'host=127.0.0.1 port=" + PG.get(0).port()
                + " user=postgres dbname=postgres' PUBLICATION pub_c1");

        for (int i = 0; i < 2; i++) {
            int port = io.fenceline.testing.FreePorts.take();
            PROXY_PORTS.add(port);
            Path yaml = dir.resolve("proxy-" + CLUSTERS.get(i) + ".yaml");
            Files.writeString(yaml, "listen: {host: 127.0.0.1, port: " + port + "}\n"
                    + "upstream: {host: 127.0.0.1, port: " + PG.get(i).port() + "}\n"
                    + "admin: {host: 127.0.0.1, port: " + io.fenceline.testing.FreePorts.take() + "}\n"
                    + "shutdown_grace: 2s\n"
                    + "etcd:\n  endpoints: [" + String.join(", ", etcd.endpoints()) + "]\n  prefix: /real\n"
                    + "  lease_ttl: 3s\n  margin: 500ms\n  request_timeout: 1s\n"
                    + "group:\n  name: main\n  cluster: " + CLUSTERS.get(i) + "\n  proxy_id: p-" + CLUSTERS.get(i) + "\n"
                    + "  preferred: c1\n  candidates: [c1, c2]\n  failover: manual\n  status_interval: 200ms\n"
                    + "  pause_bound: 5s\n"
                    + "  fence:\n    user: postgres\n    database: postgres\n"
                    + (i == 1 ? "    subscription: sub_c1\n" : "")
                    + "schema:\n  group: main\n  control_role: postgres\n");
            Path log = dir.resolve("proxy-" + CLUSTERS.get(i) + ".log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            PROXIES.add(new ProcessBuilder(java, "-Xmx256m", "-jar", jar.toString(), "proxy", "--config",
                    yaml.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start());
            LOG.info("proxy {} on port {}, log {}", CLUSTERS.get(i), port, log);
        }
        config = dir.resolve("control.yaml");
        StringBuilder yaml = new StringBuilder("group: main\ninstance: control-real\netcd:\n  endpoints: [")
                .append(String.join(", ", etcd.endpoints())).append("]\n  prefix: /real\n  lease_ttl: 3s\n")
                .append("  request_timeout: 5s\nclusters:\n");
        for (int i = 0; i < 2; i++) {
            yaml.append("  - {name: ").append(CLUSTERS.get(i)).append(", jdbc_url: \"").append(PG.get(i).jdbcUrl("postgres"))
                    .append("\", user: ").append(PG.get(i).superuser()).append("}\n");
        }
        yaml.append("waves: [[c1], [c2]]\npolicies:\n  require_proxies: true\n  gate_timeout: 10s\n"
                + "  drain_timeout: 1m\n  error_window: 1s\n  error_min_statements: 20\n");
        Files.writeString(config, yaml);
        coordinator = Coordinator.connect(new EtcdSettings(etcd.endpoints(), "/real", Duration.ofSeconds(5),
                EtcdSettings.DEFAULT_RHO, Duration.ofMillis(500), Duration.ofSeconds(5)));
        // What control publishes before the group's first migration (Rollout.ensureWindowAndCatalog): the window
        // {0} and V0's catalog from the canary's live catalog, so that the proxies admit V0 clients from the start.
        try (Connection c = PG.get(0).connect()) {
            CatalogFingerprint fp = CatalogFingerprint.take(c);
            coordinator.store().put(coordinator.keys().catalog("main", 0), new Catalog(0, fp.checksum(), fp.tables()))
                    .join();
        }
        coordinator.store().put(coordinator.keys().window("main"), Window.of(0)).join();
        await("both proxies publishing and c1 writing", () -> {
            Map<EtcdKey.Proxy, ProxyStatus> s = coordinator.store().proxyStatuses("main").join();
            return s.size() == 2 && s.values().stream().anyMatch(ProxyStatus::writer);
        });
    }

    @AfterAll
    static void stop() throws Exception {
        for (Process p : PROXIES) {
            p.destroy();
        }
        for (Process p : PROXIES) {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        if (coordinator != null) {
            coordinator.close();
        }
        PG.forEach(PostgresServer::close);
        if (etcd != null) {
            etcd.close();
        }
    }


    /** Polls {@code condition}; a condition read from etcd that times out once (a loaded machine) is polled again. */
    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!holds(condition)) {
            for (int i = 0; i < PROXIES.size(); i++) {
                if (!PROXIES.get(i).isAlive()) {
                    String log;
                    try {
                        log = Files.readString(dir.resolve("proxy-" + CLUSTERS.get(i) + ".log"));
                    } catch (IOException e) {
                        log = "(log unreadable: " + e + ")";
                    }
                    throw new AssertionError("proxy " + CLUSTERS.get(i) + " exited with " + PROXIES.get(i).exitValue()
                            + " while waiting for " + what + "; its log:\n" + log);
                }
            }
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("not within " + WAIT.toSeconds() + " s: " + what + "; proxy logs in " + dir);
            }
            Thread.sleep(50);
        }
    }

    private static boolean holds(BooleanSupplier condition) {
        try {
            return condition.getAsBoolean();
        } catch (java.util.concurrent.CompletionException slowEtcd) {
            LOG.info("condition not readable yet: {}", slowEtcd.getMessage());
            return false;
        }
    }

    record Run(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    private static Run cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add(1, "--config");
        all.add(2, config.toString());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        Run run = new Run(code, out.toString(), err.toString());
        LOG.info("fenceline {} -> {}\n{}{}", String.join(" ", args), code, run.out(), run.err());
        return run;
    }

    private static String writerCluster() {
        return coordinator.store().get(coordinator.keys().writer("main"), WriterRecord.class).join()
                .map(Versioned::value).map(WriterRecord::cluster).orElseThrow(() -> new AssertionError("no writer"));
    }

    private static Connection viaProxy(String cluster) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + PROXY_PORTS.get(CLUSTERS.indexOf(cluster))
                + "/postgres?sslmode=disable", p);
    }

    private static final AtomicLong IDS = new AtomicLong(1_000_000);

    /** One insert through {@code cluster}'s proxy; the SQLSTATE when it is refused. */
    private static String insert(String cluster) {
        try (Connection c = viaProxy(cluster);
             PreparedStatement ps = c.prepareStatement("INSERT INTO accounts (id, name) VALUES (?, 'w')")) {
            ps.setLong(1, IDS.incrementAndGet());
            ps.executeUpdate();
            return "ok";
        } catch (SQLException e) {
            return e.getSQLState();
        }
    }

    @Test
    void modesSetByTheOperatorAreConfirmedByTheRealProxiesAndEnforced() throws Exception {
        String writer = writerCluster();
        Run look = cli("writer");
        assertEquals(ExitCodes.OK, look.code(), look::toString);
        assertTrue(look.out().contains("writer " + writer + " (proxy p-" + writer + ")"), look::toString);
        assertTrue(look.out().contains("p-c1") && look.out().contains("p-c2"), look::toString);

        Run readOnly = cli("mode", "read-only", "--cluster", writer, "--reason", "drill", "--wait", "10s");
        assertEquals(ExitCodes.OK, readOnly.code(), readOnly::toString);
        assertTrue(readOnly.out().contains("confirmed: every proxy of " + writer + " reports read-only"), readOnly::toString);
        assertEquals("25006", insert(writer), "the writer's proxy refuses writes while read-only");

        Run writable = cli("mode", "writable", "--cluster", writer, "--wait", "10s");
        assertEquals(ExitCodes.OK, writable.code(), writable::toString);
        await("writes accepted again on " + writer, () -> "ok".equals(insert(writer)));

        // The whole group paused, then writable again; the non-writer reports paused too.
        Run paused = cli("mode", "paused", "--wait", "10s", "--json");
        assertEquals(ExitCodes.OK, paused.code(), paused::toString);
        assertEquals(ExitCodes.OK, cli("mode", "writable", "--wait", "10s").code());
        Map<EtcdKey.Proxy, ProxyStatus> statuses = coordinator.store().proxyStatuses("main").join();
        assertTrue(statuses.values().stream().allMatch(s -> s.mode() == Mode.WRITABLE), statuses::toString);
        assertTrue(coordinator.store().listAudit("main", 1, 10_000).join().stream()
                .anyMatch(a -> a.action().equals("mode.applied")), "the proxies audit what they applied");
    }

    /** An application client of one schema version, through one proxy, until stopped; errors are collected. */
    private static final class AppClient {
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong ops = new AtomicLong();
        final List<String> errors = Collections.synchronizedList(new ArrayList<>());
        final CompletableFuture<Void> done;

        AppClient(String cluster, int version, boolean writes) {
            String column = version == 0 ? "email" : "contact";
            done = CompletableFuture.runAsync(() -> {
                Properties p = new Properties();
                p.setProperty("user", "app");
                p.setProperty("options", "-c fenceline.schema_version=" + version);
                String url = "jdbc:postgresql://127.0.0.1:" + PROXY_PORTS.get(CLUSTERS.indexOf(cluster))
                        + "/postgres?sslmode=disable";
                try (Connection c = DriverManager.getConnection(url, p);
                     PreparedStatement ins = c.prepareStatement("INSERT INTO accounts (id, name, " + column
                             + ") VALUES (?, 'v" + version + "', 'x@example.org')");
                     PreparedStatement sel = c.prepareStatement("SELECT id, name, " + column
                             + " FROM accounts WHERE id = ?")) {
                    while (!stop.get()) {
                        try {
                            long id = IDS.incrementAndGet();
                            if (writes) {
                                ins.setLong(1, id);
                                ins.executeUpdate();
                            }
                            sel.setLong(1, id);
                            try (ResultSet rs = sel.executeQuery()) {
                                rs.next();
                            }
                            ops.incrementAndGet();
                        } catch (SQLException e) {
                            errors.add("V" + version + "@" + cluster + ": [" + e.getSQLState() + "] " + e.getMessage());
                        }
                    }
                } catch (SQLException e) {
                    errors.add("V" + version + "@" + cluster + " connect: [" + e.getSQLState() + "] " + e.getMessage());
                }
            });
        }

        void stop() {
            stop.set(true);
            done.join();
        }
    }

    @Test
    void aRolloutWithClientsOfBothVersionsThroughTheProxiesHasNoApplicationErrors() throws Exception {
        Path migrations = Files.createDirectories(dir.resolve("migrations-" + System.nanoTime()));
        Files.writeString(migrations.resolve("0001-contact.yaml"), """
                version: 1
                description: contact replaces email; V0 writes keep it filled (trigger); backfill 20 rows per batch
                options:
                  lock_timeout: 5s
                  backfill_batch_size: 20
                expand:
                  sql: |
                    ALTER TABLE accounts ADD COLUMN contact text;
                    CREATE FUNCTION accounts_contact() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN NEW.contact := coalesce(NEW.contact, NEW.email); RETURN NEW; END $$;
                    CREATE TRIGGER accounts_contact BEFORE INSERT OR UPDATE ON accounts
                      FOR EACH ROW EXECUTE FUNCTION accounts_contact();
                  down: |
                    DROP TRIGGER accounts_contact ON accounts;
                    DROP FUNCTION accounts_contact();
                    ALTER TABLE accounts DROP COLUMN contact;
                backfill:
                  sql: |
                    UPDATE accounts SET contact = email WHERE id IN (SELECT id FROM accounts
                      WHERE contact IS NULL AND email IS NOT NULL ORDER BY id LIMIT :batch_size);
                  down: UPDATE accounts SET contact = NULL;
                contract:
                  sql: |
                    DROP TRIGGER accounts_contact ON accounts;
                    DROP FUNCTION accounts_contact();
                    ALTER TABLE accounts DROP COLUMN email;
                  down: |
                    ALTER TABLE accounts ADD COLUMN email text;
                    UPDATE accounts SET email = contact;
                """);
        String writer = writerCluster();
        String other = CLUSTERS.stream().filter(c -> !c.equals(writer)).findFirst().orElseThrow();
        long applyErrorsBefore = subscriberApplyErrors();
        long logBefore = Files.size(PG.get(1).logFile());
        List<AppClient> v0 = new ArrayList<>();
        List<AppClient> v1 = new ArrayList<>();
        for (String cluster : CLUSTERS) {
            v0.add(new AppClient(cluster, 0, cluster.equals(writer)));
        }
        CompletableFuture<Run> apply = CompletableFuture.supplyAsync(() -> cli("apply", "--migrations",
                migrations.toString()));
        try {
            // Expand and backfill run under V0 traffic; then the window widens to {0, 1} and control waits for V0
            // to drain, which the proxies' real counts of V0 connections hold up.
            await("the window {0, 1}", () -> coordinator.store().get(coordinator.keys().window("main"), Window.class)
                    .join().map(w -> w.value().equals(new Window(0, 1))).orElse(false));
            await("control waiting for V0 to drain", () -> coordinator.store().listAudit("main", 1, 10_000).join()
                    .stream().anyMatch(a -> a.action().equals("drain-waiting") && "0".equals(a.details().get("version"))
                            && Integer.parseInt(a.details().get("connections")) >= 2));
            // The new application version starts, then the old one stops: contract follows.
            for (String cluster : CLUSTERS) {
                v1.add(new AppClient(cluster, 1, cluster.equals(writer)));
            }
            await("V1 clients served", () -> v1.stream().allMatch(c -> c.ops.get() > 20));
            v0.forEach(AppClient::stop);
            Run run = apply.get(120, TimeUnit.SECONDS);
            assertEquals(ExitCodes.OK, run.code(), run::toString);
            await("V1 clients served after the contract", () -> v1.stream().allMatch(c -> c.ops.get() > 100));
        } finally {
            v0.forEach(AppClient::stop);
            v1.forEach(AppClient::stop);
            if (!apply.isDone()) {
                // Do not let a failed run go on acting on the clusters while the next test runs.
                LOG.info("waiting for the rollout to end before the next test: {}", apply.handle((r, e) -> r)
                        .get(180, TimeUnit.SECONDS));
            }
        }
        List<String> errors = new ArrayList<>();
        v0.forEach(c -> errors.addAll(c.errors));
        v1.forEach(c -> errors.addAll(c.errors));
        assertEquals(List.of(), errors, "application errors through the proxies during the migration");
        assertTrue(v0.stream().allMatch(c -> c.ops.get() > 20), "V0 traffic ran");

        for (int i = 0; i < 2; i++) {
            try (Connection c = PG.get(i).connect()) {
                var rows = HistoryTable.rows(c);
                for (String phase : List.of("expand", "backfill", "contract")) {
                    assertEquals(1, HistoryTable.netApplied(rows, 1, phase), CLUSTERS.get(i) + " " + phase + " " + rows);
                }
                assertTrue(HistoryTable.batches(c, 1, "backfill", Direction.UP).size() >= 1);
            }
        }
        assertEquals(Window.of(1), coordinator.store().get(coordinator.keys().window("main"), Window.class).join()
                .orElseThrow().value());
        // The gates judged the real counters; the proxies' real version counts held contract back.
        List<AuditRecord> audit = coordinator.store().listAudit("main", 1, 10_000).join();
        List<AuditRecord> gates = audit.stream().filter(a -> a.action().equals("gate-passed")).toList();
        assertEquals(6, gates.size(), gates::toString);
        assertTrue(gates.stream().anyMatch(g -> g.details().get("errors").startsWith(writer + ": 0.00% (0/")),
                gates::toString);
        assertTrue(audit.stream().anyMatch(a -> a.action().equals("drained") && "0".equals(a.details().get("version"))),
                "V0 drained once its clients closed");

        // One apply, three steps, each in its own order around the writer (policies.writer_order: auto, the
        // default; the configured waves are [[c1], [c2]]): the subscriber got the new column before its publisher
        // wrote rows carrying it, and dropped the old one only after replaying every row that still had it.
        Map<String, String> orders = new java.util.TreeMap<>();
        audit.stream().filter(a -> a.action().equals("phase-started") && "1".equals(a.details().get("version")))
                .forEach(a -> orders.put(a.details().get("step"), a.details().get("waves") + " writer "
                        + a.details().get("writer")));
        String writerLast = "[[" + other + "], [" + writer + "]] writer " + writer;
        String writerFirst = "[[" + writer + "], [" + other + "]] writer " + writer;
        assertEquals(Map.of("expand", writerLast, "backfill", writerLast, "contract", writerFirst), orders,
                audit::toString);
        assertEquals(applyErrorsBefore, subscriberApplyErrors(), "apply errors of c2's subscription to c1");
        String c2Log = Files.readString(PG.get(1).logFile()).substring((int) logBefore);
        assertTrue(!c2Log.contains("missing replicated column"), "c2's log since the rollout began:\n" + c2Log);
        List<Long> ids = new ArrayList<>();
        try (Connection c = PG.get(0).connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id FROM accounts")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        await("c2 holding every row of c1 (" + ids.size() + ")", () -> {
            try (Connection c = PG.get(1).connect();
                 PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM accounts WHERE id = ANY (?)")) {
                ps.setArray(1, c.createArrayOf("bigint", ids.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1) == ids.size();
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** {@code apply_error_count} of c2's subscription (PostgreSQL 15's pg_stat_subscription_stats). */
    private static long subscriberApplyErrors() throws SQLException {
        try (Connection c = PG.get(1).connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT apply_error_count FROM pg_stat_subscription_stats"
                     + " WHERE subname = 'sub_c1'")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    @Test
    void aHandoffThroughTheCliMovesTheWriterAndOneThatCannotCatchUpAborts() throws Exception {
        assertEquals("c1", writerCluster(), "only this test moves the writer, and c1 is the preferred writer");
        Run handoff = cli("handoff", "--to", "c2", "--timeout", "20s", "--wait", "--reason", "drill");
        assertEquals(ExitCodes.OK, handoff.code(), handoff::toString);
        for (String stage : List.of("PAUSED", "CAUGHT_UP", "RELEASED", "COMPLETED")) {
            assertTrue(handoff.out().contains(stage), stage + " in " + handoff);
        }
        assertEquals("c2", writerCluster());
        await("writes accepted on c2", () -> "ok".equals(insert("c2")));
        assertEquals("25006", insert("c1"), "the old writer refuses writes");

        // c1 does not replicate from c2, so it never catches up: the handoff back aborts and c2 writes again.
        Run back = cli("handoff", "--to", "c1", "--timeout", "2s", "--wait");
        assertEquals(ExitCodes.ABORTED, back.code(), back::toString);
        assertTrue(back.out().contains("ABORTED"), back::toString);
        assertEquals("c2", writerCluster());
        await("writes accepted on c2 after the abort", () -> "ok".equals(insert("c2")));
    }
}
