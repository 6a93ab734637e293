package io.fenceline.proxy.group;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fenceline.config.coordination.Versioned;
import io.fenceline.config.keys.EtcdKeys;
import io.fenceline.config.records.Ack;
import io.fenceline.config.records.MigrationJournal;
import io.fenceline.config.records.Step;
import io.fenceline.config.records.Window;
import io.fenceline.config.records.WriterRecord;
import io.fenceline.testing.ArchitectureRules;
import io.fenceline.testing.PrometheusServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real Prometheus (Debian's 2.42) scraping the admin {@code /metrics} of two real proxy processes of one group
 * (a the writer, b fenced, both with {@code schema:}) under a small pgJDBC load — writes through a, writes refused
 * with 25006 through b, reads through both — with the alerting rules loaded. Every query of the Grafana dashboard
 * and every alert expression is evaluated through Prometheus's HTTP API and must return series; where an alert's
 * condition is false here, its expression without the threshold must, and the series behind it carry what etcd and
 * the clients say: one writer with the writer key's epoch, b's refusals as counted by the client, the journal's state
 * and the clusters' acked versions, both as first read and after they changed in etcd.
 */
class PrometheusScrapeIT {

    private static final String JOB = "fenceline";
    private static final Duration START = Duration.ofSeconds(90);
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Path DASHBOARD = ArchitectureRules.moduleDir().resolve("../docs/grafana/fenceline.json").normalize();
    private static final Path RULES = ArchitectureRules.moduleDir().resolve("../charts/fenceline/files/fenceline-rules.yaml").normalize();
    private static final Pattern SELECTOR = Pattern.compile("\\b(fenceline_[a-z0-9_]+)(\\{[^}]*})?");

    @RegisterExtension
    static final ProxyLogsOnFailure LOGS = new ProxyLogsOnFailure();

    private static GroupRig rig;
    private static String group;
    private static ProxyChild a;
    private static ProxyChild b;
    private static PrometheusServer prometheus;
    private static int refusedOnB;
    private static long epoch;
    private static Instant gateSince;
    private static final List<Connection> held = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        rig = GroupRig.start();
        group = GroupRig.newGroup();
        EtcdKeys keys = rig.observer.keys();
        // A window, so that connections get a version (connections per version). Before the proxies start (their
        // first reading): V2 expanding, V1's expand acked on b only.
        rig.observer.store().put(keys.window(group), Window.of(1)).join();
        rig.observer.store().put(keys.ack(group, "b", 1, Step.EXPAND), new Ack("c1", Instant.now(), 1)).join();
        rig.observer.store().put(keys.migration(group), new MigrationJournal("run-1", 2, MigrationJournal.State.EXPANDING,
                Step.EXPAND, 0, Set.of(), 1, Instant.now(), null)).join();
        String schema = "schema: { group: " + group + ", control_role: fenceline_control }\n";
        a = LOGS.watch(rig.proxy(ProxyChild.Spec.of(group, "a", null), schema));
        b = LOGS.watch(rig.proxy(ProxyChild.Spec.of(group, "b", "sub_a"), schema));
        a.awaitServing(START);
        b.awaitServing(START);
        await("a holds the writer key", () -> "a".equals(writer()));
        prometheus = PrometheusServer.start(JOB, List.of("127.0.0.1:" + a.adminPort(), "127.0.0.1:" + b.adminPort()),
                Duration.ofSeconds(1), List.of(RULES));
        LOGS.watch(prometheus);
        String g = "group=\"" + group + "\"";
        await("Prometheus sees the first reading", () -> has("fenceline_proxy_migration_state{state=\"expanding\"," + g + "} == 1")
                && has("fenceline_proxy_schema_applied_version{cluster=\"b\"," + g + "} == 1"));
        // Then, as changes the proxies watch: V2's expand acked on a, V1's ack on b deleted, the run halted.
        rig.observer.store().put(keys.ack(group, "a", 2, Step.EXPAND), new Ack("c2", Instant.now(), 1)).join();
        rig.observer.store().delete(keys.ack(group, "b", 1, Step.EXPAND)).join();
        gateSince = Instant.now().minusSeconds(90);
        rig.observer.store().put(keys.migration(group), new MigrationJournal("run-1", 2, MigrationJournal.State.HALTED,
                Step.EXPAND, 1, Set.of("a"), 1, Instant.now(), "gate failed in the test", Map.of(),
                new MigrationJournal.Timing(null, gateSince, gateSince, new MigrationJournal.Wait("gate", gateSince,
                        gateSince.plusSeconds(3600), "waiting for the gate in the test")))).join();
        // Control's audit records of steps: V2's expand applied on a; on b one failed, one rolled back, and one ack of
        // a step already applied (not counted again).
        var audit = rig.observer.store();
        audit.appendAudit(group, Instant.now(), "control", "ack", "a", Map.of("version", "2", "step", "expand",
                "outcome", "applied")).join();
        audit.appendAudit(group, Instant.now(), "control", "step-failed", "b", Map.of("version", "2", "step", "expand",
                "reason", "in the test")).join();
        audit.appendAudit(group, Instant.now(), "control", "rolled-back-step", "b", Map.of("version", "1", "step",
                "expand")).join();
        audit.appendAudit(group, Instant.now(), "control", "ack", "b", Map.of("version", "1", "step", "expand",
                "outcome", "already-applied")).join();
        await("Prometheus sees the changes", () -> has("fenceline_proxy_migration_state{state=\"halted\"," + g + "} == 1")
                && has("fenceline_proxy_schema_applied_version{cluster=\"a\"," + g + "} == 2")
                && has("fenceline_proxy_schema_applied_version{cluster=\"b\"," + g + "} == 0"));
        epoch = rig.observer.store().get(keys.writer(group), WriterRecord.class).join().orElseThrow().entry().createRevision();
        // Open for the whole class: connections per schema version are gauges of open connections.
        held.add(a.connect());
        held.add(a.connect());
        held.add(b.connect());
        await("both proxies scraped before the load", () -> prometheus.fewestSuccessfulScrapes(JOB, 2) >= 2);
        refusedOnB = load();
        // Progress, not time: every target scraped successfully at least five more times after the load.
        int before = prometheus.fewestSuccessfulScrapes(JOB, 2);
        await("five more scrapes of both proxies", () -> prometheus.fewestSuccessfulScrapes(JOB, 2) >= before + 5);
    }

    @AfterAll
    static void stop() {
        List<AutoCloseable> all = new ArrayList<>(held);
        all.addAll(java.util.Arrays.asList(prometheus, b, a, rig));
        for (AutoCloseable c : all) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    /**
     * Rounds of writes through a (accepted) and b (refused) and reads through both, until Prometheus scraped both
     * proxies three more times during the load; returns the 25006 refusals b's client saw.
     */
    private static int load() throws Exception {
        AtomicLong ids = new AtomicLong(System.nanoTime());
        int refused = 0;
        int attempted = 0;
        int scrapes = prometheus.fewestSuccessfulScrapes(JOB, 2);
        try (Connection ca = a.connect(); Connection cb = b.connect(); Connection cr = b.connect(true);
             PreparedStatement w = ca.prepareStatement("INSERT INTO writes (id, cluster, client) VALUES (?, 'a', 'prom')")) {
            for (int round = 0; round < 10 || prometheus.fewestSuccessfulScrapes(JOB, 2) < scrapes + 3; round++) {
                for (int i = 0; i < 20; i++) {
                    w.setLong(1, ids.incrementAndGet());
                    assertEquals(1, w.executeUpdate());
                }
                for (int i = 0; i < 5; i++) {
                    attempted++;
                    try (Statement st = cb.createStatement()) {
                        st.executeUpdate("INSERT INTO writes (id, cluster, client) VALUES (" + ids.incrementAndGet() + ", 'b', 'prom')");
                    } catch (SQLException e) {
                        assertEquals("25006", e.getSQLState(), e.getMessage());
                        refused++;
                    }
                    for (Connection c : List.of(ca, cr)) {
                        try (Statement st = c.createStatement();
                             ResultSet rs = st.executeQuery("SELECT count(*) FROM writes WHERE id > " + (round * 5 + i))) {
                            assertTrue(rs.next());
                        }
                    }
                }
            }
        }
        assertEquals(attempted, refused, "every write through b (not the writer) is refused");
        return refused;
    }

    @Test
    void everyDashboardQueryReturnsSeries() throws Exception {
        List<String> queries = new ArrayList<>();
        collect(new ObjectMapper().readTree(DASHBOARD.toFile()), queries);
        assertTrue(queries.size() >= 30, "queries: " + queries);
        List<String> empty = new ArrayList<>();
        for (String q : queries) {
            String promql = grafana(q);
            if (prometheus.query(promql).isEmpty()) {
                empty.add(promql);
            }
        }
        assertEquals(List.of(), empty, "dashboard queries without series");
    }

    @Test
    void everyAlertExpressionAndEverySeriesBehindItReturnsSeries() throws Exception {
        JsonNode groups = prometheus.ruleGroups();
        Map<String, String> alerts = new TreeMap<>();
        for (JsonNode g : groups) {
            for (JsonNode rule : g.path("rules")) {
                assertEquals("ok", rule.path("health").asText(), rule.toString());
                alerts.put(rule.path("name").asText(), rule.path("query").asText());
            }
        }
        assertEquals(12, alerts.size(), "Prometheus loaded: " + alerts.keySet());
        List<String> problems = new ArrayList<>();
        alerts.forEach((alert, expr) -> {
            prometheus.query(expr); // valid against the scraped data (an error would throw)
            Matcher m = SELECTOR.matcher(expr);
            while (m.find()) {
                String selector = m.group(1) + (m.group(2) == null ? "" : m.group(2));
                if (prometheus.query(selector).isEmpty()) {
                    problems.add(alert + ": " + selector + " has no series");
                }
            }
        });
        assertEquals(List.of(), problems);
    }

    @Test
    void theAlertsInnerExpressionsCarryWhatEtcdAndTheClientsSay() {
        String g = "group=\"" + group + "\"";
        String ia = "instance=\"127.0.0.1:" + a.adminPort() + "\"";
        String ib = "instance=\"127.0.0.1:" + b.adminPort() + "\"";
        // FencelineNoWriter's sum is 1: exactly the cluster etcd's writer key names, with its epoch (create revision).
        assertEquals(1, value("sum by (group) (fenceline_proxy_writer{" + g + "})"));
        assertEquals(1, value("fenceline_proxy_writer{" + g + "," + ia + "}"));
        assertEquals(epoch, (long) value("fenceline_proxy_writer_epoch{" + g + "," + ia + "}"));
        assertEquals(0, value("fenceline_proxy_writer_epoch{" + g + "," + ib + "}"));
        // Every proxy holds an etcd lease of its own: lease_held counts proxies, not writers.
        assertEquals(2, value("sum(fenceline_proxy_lease_held{" + g + "})"));
        // FencelineDeadlineSlackLow's inner expression: a healthy slack on both.
        assertTrue(value("min(min_over_time(fenceline_proxy_lease_deadline_slack_seconds{" + g + "}[5m]))") > 0);
        // FencelineWritesRefusedRising counts what b's client was refused; a refused none.
        assertEquals(refusedOnB, value("fenceline_proxy_writes_rejected_total{sqlstate=\"25006\"," + ib + "}"));
        assertEquals(0, value("fenceline_proxy_writes_rejected_total{sqlstate=\"25006\"," + ia + "}"));
        assertTrue(value("sum(rate(fenceline_proxy_writes_rejected_total{sqlstate=\"25006\"," + ib + "}[5m]))") > 0);
        // FencelineReplicaLagOverBound: a, the writer, is 0 behind; the bound is the default maxLagBytes (16 MiB).
        assertEquals(0, value("fenceline_proxy_replication_lag_bytes{" + g + "," + ia + "}"));
        assertEquals(16L * 1024 * 1024, (long) value("fenceline_proxy_replication_lag_bound_bytes{" + g + "," + ib + "}"));
        // FencelineMigrationHalted: the journal in etcd is halted, at version 2.
        assertEquals(1, value("max by (group) (fenceline_proxy_migration_state{state=\"halted\"," + g + "})"));
        assertEquals(2, value("max(fenceline_proxy_migration_version{" + g + "})"));
        // FencelineSchemaVersionDrift: a acked V2's expand, b nothing.
        assertEquals(2, value("fenceline_proxy_schema_applied_version{cluster=\"a\"," + g + "}"));
        assertEquals(0, value("fenceline_proxy_schema_applied_version{cluster=\"b\"," + g + "}"));
        assertEquals(2, value("max by (group) (fenceline_proxy_schema_applied_version{" + g + "}) - min by (group) "
                + "(fenceline_proxy_schema_applied_version{" + g + "})"));
        // FencelineMigrationStalled: the journal was written moments ago.
        assertTrue(value("time() - max by (group) (fenceline_proxy_migration_updated_timestamp_seconds{" + g + "})") < 600);
        // Connections per version: the three held open, all of the window's version 1.
        assertEquals(3, value("sum(fenceline_proxy_schema_connections{version=\"1\"})"));
    }

    /**
     * The replication telemetry against etcd and PostgreSQL: a, the writer etcd names, is 0 s behind; b's lag in seconds
     * comes down to no more than the age of a WAL position etcd holds and b's PostgreSQL confirms applied; b measured
     * apply latencies of the pair a -> b, a none of its own.
     */
    @Test
    void replicationLagInSecondsAndApplyLatencyAgreeWithEtcdAndPostgres() throws Exception {
        String g = "group=\"" + group + "\"";
        assertEquals(0, value("max(fenceline_proxy_replication_lag_seconds{cluster=\"a\"," + g + "})"));
        // A position the writer published, then b's own database applied it (its subscription's origin reached it).
        io.fenceline.config.records.WalPosition p = rig.observer.store().get(rig.observer.keys().walPosition(group),
                io.fenceline.config.records.WalPosition.class).join().orElseThrow().value();
        assertEquals("a", p.cluster());
        await("b's PostgreSQL applied " + p.lsn(), () -> appliedOnB() >= p.lsn());
        double age = p.at().toEpochMilli() / 1000.0;
        await("b's lag in seconds is no more than the age of a position b's PostgreSQL applied", () ->
                has("fenceline_proxy_replication_lag_seconds{cluster=\"b\"," + g + "} <= time() - " + age));
        assertTrue(value("max(fenceline_proxy_replication_lag_seconds{cluster=\"b\"," + g + "})") >= 0);
        // Apply latency: samples of the pair a -> b only; each a positive time under a minute on this idle machine.
        double count = value("sum(fenceline_proxy_replication_apply_latency_seconds_count{upstream=\"a\",cluster=\"b\"," + g + "})");
        assertTrue(count >= 1, "samples: " + count);
        assertTrue(prometheus.query("fenceline_proxy_replication_apply_latency_seconds_count{cluster=\"a\"," + g + "}").isEmpty(),
                "the writer measures no latency of its own WAL");
        double mean = value("sum(fenceline_proxy_replication_apply_latency_seconds_sum{upstream=\"a\",cluster=\"b\"," + g + "}) / " + count);
        assertTrue(mean > 0 && mean < 60, "mean apply latency " + mean);
        // The lease-bound record status reads says the same about b.
        var telemetry = rig.observer.store().getPrefix(rig.observer.keys().clusterPrefix(group, "b") + "telemetry/").join();
        assertEquals(1, telemetry.size(), "one telemetry record per proxy of b");
        var record = io.fenceline.config.records.Records.fromJson(telemetry.get(0).key(), telemetry.get(0).value(),
                io.fenceline.config.records.ReplicationTelemetry.class);
        assertEquals("a", record.upstream());
        assertTrue(record.lagSeconds() != null && record.applyLatencySeconds() != null, record.toString());
    }

    /**
     * The group-wide series of both proxies against etcd and the clients: applied versions and drift from the acks,
     * connections per cluster and version from the connections this test holds open, step counts from the audit
     * records it wrote, the gate wait from the journal's timing.
     */
    @Test
    void driftConnectionsStepsAndWaitsAgreeWithEtcdAndTheClients() {
        String g = "group=\"" + group + "\"";
        for (String agg : List.of("min", "max")) { // both proxies see the same
            assertEquals(2, value(agg + "(fenceline_proxy_group_applied_version{cluster=\"a\"," + g + "})"));
            assertEquals(0, value(agg + "(fenceline_proxy_group_applied_version{cluster=\"b\"," + g + "})"));
            assertEquals(2, value(agg + "(fenceline_proxy_group_newest_applied_version{" + g + "})"));
            assertEquals(1, value(agg + "(fenceline_proxy_group_clusters_behind{" + g + "})"));
            assertEquals(2, value(agg + "(fenceline_proxy_group_connections{cluster=\"a\",version=\"1\"," + g + "})"));
            assertEquals(1, value(agg + "(fenceline_proxy_group_connections{cluster=\"b\",version=\"1\"," + g + "})"));
            assertEquals(1, value(agg + "(fenceline_proxy_migration_steps{cluster=\"a\",outcome=\"applied\"," + g + "})"));
            assertEquals(0, value(agg + "(fenceline_proxy_migration_steps{cluster=\"b\",outcome=\"applied\"," + g + "})"));
            assertEquals(1, value(agg + "(fenceline_proxy_migration_steps{cluster=\"b\",outcome=\"failed\"," + g + "})"));
            assertEquals(1, value(agg + "(fenceline_proxy_migration_steps{cluster=\"b\",outcome=\"rolled_back\"," + g + "})"));
            assertEquals(0, value(agg + "(fenceline_proxy_migration_wait_seconds{kind=\"cooldown\"," + g + "})"));
        }
        double waited = value("min(fenceline_proxy_migration_wait_seconds{kind=\"gate\"," + g + "})");
        assertTrue(waited >= 90 && waited < 3600, "the gate has waited since " + gateSince + ": " + waited);
    }

    private static long appliedOnB() {
        try (Connection c = java.sql.DriverManager.getConnection(rig.pgB.jdbcUrl("postgres"), rig.pgB.superuser(), null);
             Statement st = c.createStatement();
             // What the subscription's apply worker confirmed (a keepalive's position) or applied (its origin).
             ResultSet rs = st.executeQuery("SELECT greatest((SELECT max(latest_end_lsn) FROM pg_stat_subscription st"
                     + " WHERE st.subid = s.oid AND st.relid IS NULL), (SELECT o.remote_lsn FROM pg_replication_origin_status o"
                     + " WHERE o.external_id = 'pg_' || s.oid)) - '0/0'::pg_lsn FROM pg_subscription s WHERE s.subname = 'sub_a'")) {
            return rs.next() && rs.getBigDecimal(1) != null ? rs.getBigDecimal(1).longValueExact() : -1;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether an instant query returns series. */
    private static boolean has(String promql) {
        return !prometheus.query(promql).isEmpty();
    }

    /** The single value of an instant query that must return exactly one series. */
    private static double value(String promql) {
        JsonNode r = prometheus.query(promql);
        assertEquals(1, r.size(), promql + " returned " + r);
        return Double.parseDouble(r.get(0).path("value").get(1).asText());
    }

    /** A dashboard query with Grafana's variables replaced: every proxy, a rate window of several scrapes. */
    private static String grafana(String q) {
        String promql = q.replace("$instance", ".*").replace("$__rate_interval", "30s");
        Matcher values = Pattern.compile("^label_values\\(\\s*([a-z_]+)\\s*,\\s*([a-z_]+)\\s*\\)$").matcher(promql);
        return values.matches() ? values.group(1) : promql;
    }

    private static void collect(JsonNode node, List<String> out) {
        if (node.isObject()) {
            node.properties().forEach(e -> {
                if ((e.getKey().equals("expr") || e.getKey().equals("definition")) && e.getValue().isTextual()) {
                    out.add(e.getValue().asText());
                } else {
                    collect(e.getValue(), out);
                }
            });
        } else if (node.isArray()) {
            node.forEach(n -> collect(n, out));
        }
    }

    private static String writer() {
        try {
            return rig.writer(group);
        } catch (Exception e) {
            return null;
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + WAIT + " waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
