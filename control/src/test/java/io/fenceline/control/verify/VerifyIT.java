package io.fenceline.control.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.EtcdSettings;
import io.fenceline.config.records.AuditRecord;
import io.fenceline.config.records.WriterRecord;
import io.fenceline.control.cli.Cli;
import io.fenceline.testing.EtcdCluster;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
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
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code fenceline verify} and {@code fenceline reconcile} against three real PostgreSQL clusters with logical
 * replication (a publishes, b and c subscribe; b and c fenced read-only the way a non-writer's proxy fences its
 * database) and a real etcd, while a writer workload inserts, updates and deletes through a's primary. The
 * divergence is planted behind the fence's back, as a superuser connected directly: an insert on b (one with
 * {@code default_transaction_read_only} off, one also with {@code session_replication_role = replica}), a row
 * changed on b, a row deleted on c, a composite-key row changed on c. Verify must find exactly those rows and no
 * row the workload is writing; each policy is then checked on what PostgreSQL and etcd hold.
 */
class VerifyIT {

    private static final Logger LOG = LoggerFactory.getLogger(VerifyIT.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> CLUSTERS = List.of("a", "b", "c");
    /** Keys the workload never touches: the planted ones. */
    private static final Set<Long> PLANTED = Set.of(17L, 2500L, 900_001L, 900_002L);

    private static final List<PostgresServer> PG = new ArrayList<>();
    private static EtcdCluster etcd;
    private static int worlds;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        etcd = EtcdCluster.start(1);
        for (int i = 0; i < 3; i++) {
            PG.add(PostgresServer.builder().setting("wal_receiver_status_interval", "1s").start());
        }
    }

    @AfterAll
    static void stop() {
        PG.forEach(PostgresServer::close);
        if (etcd != null) {
            etcd.close();
        }
    }

    record Run(int code, String out, String err) {
        JsonNode json() throws IOException {
            return JSON.readTree(out);
        }
    }

    /** One test's databases, subscriptions, etcd prefix and configuration. */
    private final class World implements AutoCloseable {
        final String name = "verify" + (++worlds);
        final Path config;
        final Coordinator coordinator;
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong transactions = new AtomicLong();
        final AtomicLong nextId = new AtomicLong(100_000);
        final List<Throwable> workloadErrors = new ArrayList<>();
        Thread workload;

        World(String onDivergence) throws Exception {
            this(onDivergence, "");
        }

        World(String onDivergence, String morePolicies) throws Exception {
            for (PostgresServer pg : PG) {
                pg.execute("CREATE DATABASE " + name);
                pg.executeIn(name, """
                        CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL, balance numeric(12,2),
                                               opened timestamptz NOT NULL DEFAULT '2024-01-01 00:00:00+00');
                        INSERT INTO accounts (id, name, balance) SELECT g, 'user ' || g, g * 1.25
                          FROM generate_series(1, 5000) g;
                        CREATE TABLE lines (order_id int, line int, sku text, qty int, PRIMARY KEY (order_id, line));
                        INSERT INTO lines SELECT o, l, 'sku-' || (o * 10 + l), l FROM generate_series(1, 500) o,
                          generate_series(1, 4) l;
                        CREATE TABLE audit_log (at timestamptz, what text);
                        """);
            }
            PG.get(0).executeIn(name, "CREATE PUBLICATION pub_" + name + " FOR TABLE accounts, lines");
            for (int i = 1; i < 3; i++) {
                PG.get(i).executeIn(name, "CREATE SUBSCRIPTION sub_" + name + "_" + CLUSTERS.get(i)
                        + " CONNECTION 'host=127.0.0.1 port=" + PG.get(0).port() + " user=postgres dbname=" + name
                        + "' PUBLICATION pub_" + name + " WITH (copy_data = false)");
                // Fenced as a non-writer's proxy fences its database (docs/write-authority.md).
                PG.get(i).executeIn(name, "ALTER DATABASE " + name + " SET default_transaction_read_only = on");
            }
            config = dir.resolve("control.yaml");
            StringBuilder yaml = new StringBuilder("group: main\ninstance: verify-it\netcd:\n  endpoints: [")
                    .append(String.join(", ", etcd.endpoints())).append("]\n  prefix: /t-").append(name)
                    .append("\nclusters:\n");
            for (int i = 0; i < 3; i++) {
                yaml.append("  - {name: ").append(CLUSTERS.get(i)).append(", jdbc_url: \"").append(PG.get(i).jdbcUrl(name))
                        .append("\", user: ").append(PG.get(i).superuser()).append("}\n");
            }
            yaml.append("waves: [[a], [b, c]]\npolicies:\n  require_proxies: false\n  on_divergence: ")
                    .append(onDivergence).append('\n').append(morePolicies);
            Files.writeString(config, yaml);
            coordinator = Coordinator.connect(new EtcdSettings(etcd.endpoints(), "/t-" + name, Duration.ofSeconds(10),
                    EtcdSettings.DEFAULT_RHO, Duration.ofMillis(500), Duration.ofSeconds(2)));
            // Stand-in for the writer's proxy: a holds the writer key.
            coordinator.store().put(coordinator.keys().writer("main"), new WriterRecord("a", "proxy-a", Instant.now()))
                    .join();
            awaitReplicated();
        }

        Connection connect(int cluster) throws SQLException {
            Connection c = PG.get(cluster).connect(name);
            try (Statement st = c.createStatement()) {
                st.execute("SET default_transaction_read_only = off");
            }
            return c;
        }

        /** Waits until b and c applied everything a wrote so far (a's slots confirmed its current position). */
        void awaitReplicated() throws Exception {
            // The insert position: with synchronous_commit off the write position can precede the last commit.
            String lsn = PG.get(0).queryValue(name, "SELECT pg_current_wal_insert_lsn()");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!"0".equals(PG.get(0).queryValue(name, "SELECT count(*) FROM pg_replication_slots WHERE database = '"
                    + name + "' AND NOT coalesce(confirmed_flush_lsn >= '" + lsn + "'::pg_lsn, false)"))
                    || !"2".equals(PG.get(0).queryValue(name, "SELECT count(*) FROM pg_replication_slots WHERE database = '"
                    + name + "'"))) {
                assertTrue(System.nanoTime() < deadline, "replication did not catch up with " + lsn);
                Thread.sleep(50);
            }
        }

        /** The divergence, written directly on b and c as a superuser, behind the fence. */
        void plant() throws SQLException {
            try (Connection b = PG.get(1).connect(name); Statement st = b.createStatement()) {
                st.execute("SET default_transaction_read_only = off");
                st.execute("INSERT INTO accounts (id, name, balance) VALUES (900001, 'written on b behind the fence', 1)");
                st.execute("UPDATE accounts SET name = 'tampered on b' WHERE id = 2500");
                st.execute("SET session_replication_role = replica");
                st.execute("INSERT INTO accounts (id, name, balance) VALUES (900002, 'replica-role write on b', 2)");
            }
            try (Connection c = PG.get(2).connect(name); Statement st = c.createStatement()) {
                st.execute("SET default_transaction_read_only = off");
                st.execute("DELETE FROM accounts WHERE id = 17");
                st.execute("UPDATE lines SET qty = 99 WHERE order_id = 7 AND line = 2");
            }
        }

        /**
         * The writer's workload on a: inserts new accounts, updates random existing ones (never the planted keys),
         * deletes some of its own inserts, updates lines (never (7, 2)); one transaction at a time, as fast as a
         * allows.
         */
        void startWorkload() {
            workload = new Thread(() -> {
                try (Connection c = PG.get(0).connect(name)) {
                    Random random = new Random(7);
                    try (PreparedStatement insert = c.prepareStatement("INSERT INTO accounts (id, name, balance)"
                            + " VALUES (?, 'new ' || ?, ?)");
                         PreparedStatement update = c.prepareStatement("UPDATE accounts SET balance = balance + 1,"
                                 + " name = 'updated ' || ? WHERE id = ?");
                         PreparedStatement delete = c.prepareStatement("DELETE FROM accounts WHERE id = ?");
                         PreparedStatement line = c.prepareStatement("UPDATE lines SET qty = qty + 1"
                                 + " WHERE order_id = ? AND line = ?")) {
                        while (!stop.get()) {
                            long id = nextId.getAndIncrement();
                            insert.setLong(1, id);
                            insert.setLong(2, id);
                            insert.setBigDecimal(3, java.math.BigDecimal.valueOf(id, 2));
                            insert.executeUpdate();
                            long target;
                            do {
                                target = 1 + random.nextInt(5000);
                            } while (PLANTED.contains(target));
                            update.setLong(1, id);
                            update.setLong(2, target);
                            update.executeUpdate();
                            if (id % 5 == 0) {
                                delete.setLong(1, id - 3);
                                delete.executeUpdate();
                            }
                            int order;
                            int l;
                            do {
                                order = 1 + random.nextInt(500);
                                l = 1 + random.nextInt(4);
                            } while (order == 7 && l == 2);
                            line.setInt(1, order);
                            line.setInt(2, l);
                            line.executeUpdate();
                            transactions.incrementAndGet();
                        }
                    }
                } catch (Throwable t) {
                    synchronized (workloadErrors) {
                        workloadErrors.add(t);
                    }
                }
            }, "writer-workload");
            workload.start();
        }

        void awaitTransactions(long atLeast) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (transactions.get() < atLeast) {
                assertTrue(workloadErrors.isEmpty(), () -> "workload failed: " + workloadErrors);
                assertTrue(System.nanoTime() < deadline, "the workload made only " + transactions.get() + " transactions");
                Thread.sleep(20);
            }
        }

        void stopWorkload() throws InterruptedException {
            stop.set(true);
            if (workload != null) {
                workload.join(30_000);
            }
            assertTrue(workloadErrors.isEmpty(), () -> "workload failed: " + workloadErrors);
        }

        Run cli(String... args) {
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

        List<AuditRecord> audit() {
            return coordinator.store().listAudit("main", 1, 10_000).join();
        }

        /** The row of {@code id} on a cluster, as text, or null. */
        String account(int cluster, long id) {
            String v = PG.get(cluster).queryValue(name, "SELECT coalesce((SELECT ROW(id, name, balance, opened)::text"
                    + " FROM accounts WHERE id = " + id + "), 'absent')");
            return "absent".equals(v) ? null : v;
        }

        @Override
        public void close() throws Exception {
            stopWorkload();
            coordinator.close();
            for (int i = 1; i < 3; i++) {
                try (Connection c = connect(i); Statement st = c.createStatement()) {
                    st.execute("DROP SUBSCRIPTION sub_" + name + "_" + CLUSTERS.get(i));
                }
            }
        }
    }

    /** {@code {cluster -> {kind -> keys}}} of one table in a verify JSON report (diverged rows only). */
    private static Map<String, Map<String, Set<String>>> diverged(JsonNode report, String table) {
        Map<String, Map<String, Set<String>>> out = new TreeMap<>();
        for (JsonNode t : report.get("tables")) {
            if (!t.get("table").asText().equals(table)) {
                continue;
            }
            for (JsonNode p : t.get("pairs")) {
                for (String kind : List.of("missing", "extra", "different", "unsettled")) {
                    for (JsonNode key : p.get(kind)) {
                        List<String> values = new ArrayList<>();
                        key.forEach(v -> values.add(v.asText()));
                        out.computeIfAbsent(p.get("cluster").asText(), k -> new TreeMap<>())
                                .computeIfAbsent(kind, k -> new TreeSet<>()).add(String.join(",", values));
                    }
                }
            }
        }
        return out;
    }

    private static final Map<String, Map<String, Set<String>>> PLANTED_ACCOUNTS = Map.of(
            "b", Map.of("extra", Set.of("900001", "900002"), "different", Set.of("2500")),
            "c", Map.of("missing", Set.of("17")));
    private static final Map<String, Map<String, Set<String>>> PLANTED_LINES = Map.of(
            "c", Map.of("different", Set.of("7,2")));

    @Test
    void verifyFindsExactlyThePlantedRowsUnderAWriterWorkloadAndReportOnlyChangesNothing() throws Exception {
        try (World w = new World("report_only")) {
            w.plant();
            w.startWorkload();
            w.awaitTransactions(300);
            long before = w.transactions.get();
            Run run = w.cli("verify", "--json", "--chunk-rows", "400");
            long during = w.transactions.get() - before;
            assertEquals(1, run.code(), run::toString);
            JsonNode report = run.json();
            assertEquals("diverged", report.get("outcome").asText());
            assertEquals(PLANTED_ACCOUNTS, diverged(report, "public.accounts"), run::out);
            assertEquals(PLANTED_LINES, diverged(report, "public.lines"), run::out);
            assertTrue(report.get("notes").toString().contains("public.audit_log: not compared: no primary key"),
                    run::out);
            assertEquals("report_only", report.get("policy").get("name").asText());
            // The workload really ran while verify compared (the candidates it made were confirmed away).
            assertTrue(during > 20, "only " + during + " workload transactions during verify");
            w.stopWorkload();

            // report_only: nothing changed on any cluster, no mode written; the run and the policy are audited.
            assertTrue(w.account(1, 2500).contains("tampered on b"));
            assertNull(w.account(2, 17));
            assertTrue(w.account(1, 900_001) != null && w.account(1, 900_002) != null);
            assertTrue(w.coordinator.store().getPrefix(w.coordinator.keys().clustersPrefix("main")).join().isEmpty());
            List<AuditRecord> audit = w.audit();
            AuditRecord verify = audit.stream().filter(r -> r.action().equals("verify")).findFirst().orElseThrow();
            assertEquals("diverged", verify.details().get("outcome"));
            assertEquals("5", verify.details().get("diverged"));
            assertEquals(report.get("run").asText(), verify.details().get("run"));
            assertTrue(audit.stream().anyMatch(r -> r.action().equals("divergence-report-only")
                    && r.details().get("run").equals(verify.details().get("run"))), audit::toString);
        }
    }

    @Test
    void haltSetsEveryClusterReadOnlyAndIsAudited() throws Exception {
        try (World w = new World("halt")) {
            w.plant();
            w.startWorkload();
            w.awaitTransactions(100);
            Run run = w.cli("verify");
            assertEquals(1, run.code(), run::toString);
            assertTrue(run.out().contains("clusters DIVERGED"), run::out);
            assertTrue(run.out().contains("policy halt: a, b, c set read-only"), run::out);
            for (String c : CLUSTERS) {
                assertEquals("read-only", w.coordinator.store().getEntry(w.coordinator.keys().mode("main", c)).join()
                        .orElseThrow().value(), c);
            }
            List<AuditRecord> audit = w.audit();
            String runId = audit.stream().filter(r -> r.action().equals("verify")).findFirst().orElseThrow()
                    .details().get("run");
            assertEquals(Set.of("a", "b", "c"), new TreeSet<>(audit.stream().filter(r -> r.action().equals("divergence-halt")
                    && r.details().get("run").equals(runId)).map(AuditRecord::cluster).toList()));
            // Rows untouched: the operator decides.
            assertEquals(null, w.account(2, 17));
        }
    }

    @Test
    void writerWinsMakesThemAgreeKeepsTheOverwrittenRowsAndASecondVerifyAgrees() throws Exception {
        try (World w = new World("writer_wins")) {
            w.plant();
            String before2500 = w.account(1, 2500);
            w.startWorkload();
            w.awaitTransactions(300);
            Run run = w.cli("verify", "--json", "--chunk-rows", "400");
            assertEquals(1, run.code(), run::toString);
            JsonNode report = run.json();
            assertEquals(PLANTED_ACCOUNTS, diverged(report, "public.accounts"), run::out);
            JsonNode policy = report.get("policy");
            assertEquals("reconciled", policy.get("outcome").asText(), run::out);
            assertEquals("agree", policy.get("after").get("outcome").asText(), run::out);
            w.awaitTransactions(w.transactions.get() + 50);
            w.stopWorkload();
            w.awaitReplicated();

            // On b and c the planted rows now hold a's rows (read from PostgreSQL, not from the report).
            assertEquals(w.account(0, 2500), w.account(1, 2500));
            assertNull(w.account(1, 900_001));
            assertNull(w.account(1, 900_002));
            assertEquals(w.account(0, 17), w.account(2, 17));
            assertEquals(PG.get(0).queryValue(w.name, "SELECT qty FROM lines WHERE order_id = 7 AND line = 2"),
                    PG.get(2).queryValue(w.name, "SELECT qty FROM lines WHERE order_id = 7 AND line = 2"));
            // The overwritten rows are kept, with the verify run's id.
            String runId = report.get("run").asText();
            assertEquals("update 2500 tampered on b|delete 900001 written on b behind the fence|delete 900002 replica-role"
                            + " write on b",
                    PG.get(1).queryValue(w.name, "SELECT string_agg(change || ' ' || (key->>0) || ' ' || (old_row->>'name'),"
                            + " '|' ORDER BY key->>0) FROM fenceline.overwritten_rows WHERE run_id = '" + runId + "'"),
                    "side table on b");
            assertTrue(before2500.contains("tampered on b"));
            assertEquals("insert 17 null", PG.get(2).queryValue(w.name, "SELECT change || ' ' || (key->>0) || ' '"
                    + " || coalesce(old_row::text, 'null') FROM fenceline.overwritten_rows WHERE run_id = '" + runId
                    + "' AND table_name = 'public.accounts'"));
            assertEquals("update [\"7\", \"2\"] 99", PG.get(2).queryValue(w.name, "SELECT change || ' ' || key::text"
                    + " || ' ' || (old_row->>'qty') FROM fenceline.overwritten_rows WHERE run_id = '" + runId
                    + "' AND table_name = 'public.lines'"));
            // Replication kept working: the subscriptions had no apply error, and a new row of a reaches b and c.
            for (int i = 1; i < 3; i++) {
                assertEquals("0", PG.get(i).queryValue(w.name, "SELECT coalesce(sum(apply_error_count), 0)"
                        + " FROM pg_stat_subscription_stats"));
            }
            PG.get(0).executeIn(w.name, "INSERT INTO accounts (id, name) VALUES (999999, 'after the copy')");
            w.awaitReplicated();
            assertEquals(w.account(0, 999_999), w.account(1, 999_999));
            assertEquals(w.account(0, 999_999), w.account(2, 999_999));
            // A second verify, on its own: the clusters agree.
            Run again = w.cli("verify", "--policy", "report_only");
            assertEquals(0, again.code(), again::toString);
            assertTrue(again.out().contains("clusters agree"), again::out);
        }
    }

    @Test
    void reconcileDryRunPrintsExactlyWhatItWouldChangeThenReconcileDoesIt() throws Exception {
        try (World w = new World("report_only")) {
            w.plant();
            Run dry = w.cli("reconcile", "--from", "a", "--dry-run", "--json");
            assertEquals(1, dry.code(), dry::toString);
            JsonNode changes = dry.json().get("changes");
            Set<String> planned = new TreeSet<>();
            changes.forEach(c -> planned.add(c.get("cluster").asText() + " " + c.get("table").asText() + " "
                    + c.get("key").toString() + " " + c.get("action").asText()));
            assertEquals(Set.of("b public.accounts [\"900001\"] delete", "b public.accounts [\"900002\"] delete",
                    "b public.accounts [\"2500\"] update", "c public.accounts [\"17\"] insert",
                    "c public.lines [\"7\",\"2\"] update"), planned, dry::out);
            // Nothing written by the dry run.
            assertTrue(w.account(1, 2500).contains("tampered on b"));
            assertNull(w.account(2, 17));
            assertEquals("f", PG.get(1).queryValue(w.name, "SELECT to_regclass('fenceline.overwritten_rows') IS NOT NULL"));
            Run text = w.cli("reconcile", "--from", "a", "--dry-run");
            assertTrue(text.out().contains("would change: b public.accounts 2500: update {"), text::out);
            assertTrue(text.out().contains("\"name\": \"tampered on b\""), text::out);

            Run real = w.cli("reconcile", "--from", "a");
            assertEquals(0, real.code(), real::toString);
            assertTrue(real.out().contains("5 row(s) copied from a"), real::out);
            assertTrue(real.out().contains("verify after the copy") && real.out().contains("clusters agree"), real::out);
            assertEquals(w.account(0, 2500), w.account(1, 2500));
            List<AuditRecord> audit = w.audit();
            assertTrue(audit.stream().anyMatch(r -> r.action().equals("reconcile-dry-run") && "b".equals(r.cluster())
                    && r.details().get("applied").equals("3")), audit::toString);
            assertTrue(audit.stream().anyMatch(r -> r.action().equals("reconcile") && "b".equals(r.cluster())
                    && r.details().get("applied").equals("3")), audit::toString);
            assertTrue(audit.stream().anyMatch(r -> r.action().equals("reconcile") && "c".equals(r.cluster())
                    && r.details().get("applied").equals("2")), audit::toString);
        }
    }

    @Test
    void aCopyTheTargetWouldPublishOnIsRefusedBecauseReplicaRoleWritesArePublished() throws Exception {
        try (World w = new World("report_only")) {
            w.plant();
            // b publishes accounts to a subscriber of its own (a test_decoding slot stands in for it).
            try (Connection b = w.connect(1); Statement st = b.createStatement()) {
                st.execute("CREATE PUBLICATION b_out FOR TABLE accounts");
                st.execute("SELECT pg_create_logical_replication_slot('b_out_" + w.name + "', 'test_decoding')");
                // What PostgreSQL does: a write made with session_replication_role = replica is decoded like any other.
                st.execute("SET session_replication_role = replica");
                // (synchronous_commit on: decoding reads flushed WAL only, and the fixture turns it off)
                st.execute("SET synchronous_commit = on");
                st.execute("UPDATE accounts SET balance = balance WHERE id = 4000");
                st.execute("RESET session_replication_role");
                List<String> decoded = new ArrayList<>();
                try (ResultSet rs = st.executeQuery("SELECT data FROM pg_logical_slot_peek_changes('b_out_" + w.name
                        + "', NULL, NULL)")) {
                    while (rs.next()) {
                        decoded.add(rs.getString(1));
                    }
                }
                assertTrue(decoded.stream().anyMatch(d -> d.startsWith("table public.accounts: UPDATE: id[bigint]:4000 ")),
                        () -> "a replica-role write is decoded for b's subscribers: " + decoded);
            }
            Run run = w.cli("reconcile", "--from", "a");
            assertEquals(1, run.code(), run::toString);
            assertTrue(run.out().contains("not changed: b public.accounts 2500: update")
                    && run.out().contains("REFUSED: b publishes public.accounts (publication b_out)"), run::out);
            assertTrue(w.account(1, 2500).contains("tampered on b"));
            // c does not publish: its rows were copied.
            assertEquals(w.account(0, 17), w.account(2, 17));
            try (Connection b = w.connect(1); Statement st = b.createStatement()) {
                st.execute("SELECT pg_drop_replication_slot('b_out_" + w.name + "')");
            }
        }
    }

    @Test
    void aTargetsRowFilterDecidesWhichCopiesItWouldPublish() throws Exception {
        try (World w = new World("report_only")) {
            w.plant();
            // b publishes only its rows above 900000 (like the demo's mesh, where each cluster publishes the rows it
            // wrote itself): deleting 900001 and 900002 there would be published, updating 2500 would not.
            try (Connection b = w.connect(1); Statement st = b.createStatement()) {
                st.execute("CREATE PUBLICATION b_own FOR TABLE accounts WHERE (id > 900000)");
                st.execute("SELECT pg_create_logical_replication_slot('b_own_" + w.name + "', 'test_decoding')");
            }
            Run run = w.cli("reconcile", "--from", "a", "--json");
            assertEquals(1, run.code(), run::toString);
            Set<String> outcome = new TreeSet<>();
            run.json().get("changes").forEach(c -> outcome.add(c.get("cluster").asText() + " " + c.get("key").get(0).asText()
                    + " " + c.get("action").asText() + " " + (c.get("refused").isNull() ? "copied" : "refused")));
            assertEquals(Set.of("b 2500 update copied", "b 900001 delete refused", "b 900002 delete refused",
                    "c 17 insert copied", "c 7 update copied"), outcome, run::out);
            assertEquals(w.account(0, 2500), w.account(1, 2500));
            assertTrue(w.account(1, 900_001) != null && w.account(1, 900_002) != null);
            try (Connection b = w.connect(1); Statement st = b.createStatement()) {
                st.execute("SELECT pg_drop_replication_slot('b_own_" + w.name + "')");
            }
        }
    }

    @Test
    void afterAHandoffVerifyAgainstTheNewWriterFindsTheWritesItDidNotExpect() throws Exception {
        try (World w = new World("halt", "  verify: after_writer_change\n")) {
            // b stops applying a's changes; a takes two writes that c receives and b never does.
            try (Connection b = w.connect(1); Statement st = b.createStatement()) {
                st.execute("ALTER SUBSCRIPTION sub_" + w.name + "_b DISABLE");
            }
            PG.get(0).executeIn(w.name, "INSERT INTO accounts (id, name) VALUES (800001, 'only a and c'), (800002, 'x')");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (w.account(2, 800_002) == null) {
                assertTrue(System.nanoTime() < deadline, "c did not receive a's rows");
                Thread.sleep(50);
            }
            java.util.concurrent.CompletableFuture<Run> handoff = java.util.concurrent.CompletableFuture.supplyAsync(() ->
                    w.cli("handoff", "--to", "b", "--timeout", "20s", "--wait"));
            // Stand-in for the two proxies' side of the planned handoff (docs/write-authority.md).
            String requestKey = w.coordinator.keys().handoff("main");
            while (w.coordinator.store().getEntry(requestKey).join().isEmpty()) {
                assertTrue(System.nanoTime() < deadline + Duration.ofSeconds(30).toNanos(), "no handoff request");
                Thread.sleep(20);
            }
            var request = w.coordinator.store().get(requestKey, io.fenceline.config.records.HandoffRequest.class).join()
                    .orElseThrow().value();
            var progressKey = w.coordinator.keys().handoffProgress("main");
            var paused = new io.fenceline.config.records.HandoffProgress(request.requestId(), "a", "b",
                    io.fenceline.config.records.HandoffProgress.Phase.PAUSED, 0x3000060L, 0, "", Instant.now());
            w.coordinator.store().put(progressKey, paused).join();
            w.coordinator.store().put(progressKey, paused.next(io.fenceline.config.records.HandoffProgress.Phase.RELEASED,
                    0x3000060L, "", Instant.now())).join();
            w.coordinator.store().put(w.coordinator.keys().writer("main"), new WriterRecord("b", "proxy-b",
                    Instant.now())).join();
            w.coordinator.store().put(progressKey, paused.next(io.fenceline.config.records.HandoffProgress.Phase.COMPLETED,
                    0x3000060L, "", Instant.now())).join();
            Run run = handoff.get(120, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(1, run.code(), run::toString);
            assertTrue(run.out().contains("public.accounts on a: extra [800001, 800002]")
                    && run.out().contains("public.accounts on c: extra [800001, 800002]"), run::out);
            assertTrue(run.out().contains("the handoff completed, but verify found divergence"), run::out);
            for (String c : CLUSTERS) {
                assertEquals("read-only", w.coordinator.store().getEntry(w.coordinator.keys().mode("main", c)).join()
                        .orElseThrow().value(), c);
            }
            assertTrue(w.audit().stream().anyMatch(r -> r.action().equals("verify")
                    && r.details().get("why").equals("after the handoff to b") && r.details().get("writer").equals("b")
                    && r.details().get("outcome").equals("diverged")), () -> w.audit().toString());
        }
    }

    /**
     * {@code fenceline watch} after an automatic failover: a's proxy (played by the test: a real lease, the writer
     * key bound to it, a's WAL positions published as a proxy publishes them) loses its lease; b's takes the key
     * and publishes its own position over a's. c's subscription was disabled while a took its last writes, and one
     * row was changed on c behind the fence. The watch must see the change on its own, wait until c replayed a's WAL
     * past the last position a published (verify's own replay wait would not: c's slot on a is inactive then), and
     * only then verify against b: exactly the changed row, then {@code halt}. Verdicts from etcd's keys and the
     * databases.
     */
    @Test
    void afterAnAutomaticFailoverWatchWaitsForTheOldWritersLastPositionThenVerifiesAndHalts() throws Exception {
        try (World w = new World("halt", "  verify: after_writer_change\n");
             Coordinator proxyA = Coordinator.connect(new EtcdSettings(etcd.endpoints(), "/t-" + w.name,
                     Duration.ofSeconds(3), EtcdSettings.DEFAULT_RHO, Duration.ofMillis(500), Duration.ofSeconds(2)))) {
            var store = w.coordinator.store();
            var keys = w.coordinator.keys();
            String writerKey = keys.writer("main");
            store.delete(writerKey).join();
            proxyA.leaseKeeper().start();
            long lease = proxyA.leaseKeeper().awaitHeld(Duration.ofSeconds(30)).orElseThrow().leaseId();
            proxyA.store().putLeased(writerKey, new WriterRecord("a", "proxy-a", Instant.now()), lease).join();
            long epochA = store.getEntry(writerKey).join().orElseThrow().createRevision();
            List<String> slotsA = List.of(PG.get(0).queryValue(w.name, "SELECT string_agg(slot_name, ',' ORDER BY"
                    + " slot_name) FROM pg_replication_slots WHERE database = current_database()").split(","));
            assertEquals(2, slotsA.size(), slotsA::toString);
            publish(w, "a", epochA, slotsA);
            // Behind the fence, on c: one row changed.
            try (Connection c = w.connect(2); Statement st = c.createStatement()) {
                st.execute("UPDATE accounts SET name = 'tampered on c' WHERE id = 2500");
            }

            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            var watch = java.util.concurrent.CompletableFuture.supplyAsync(() -> Cli.run(new String[]{"watch",
                    "--config", w.config.toString(), "--once", "--replay-timeout", "120s", "--json"},
                    new PrintWriter(out, true), new PrintWriter(err, true)));
            // With --json the progress lines go to stderr, one JSON object per change to stdout.
            awaitText(err, out, "watching the writer of group main: now a (epoch " + epochA + ")");

            // c stops applying; a takes ten more writes and publishes its position after them, as its proxy does.
            try (Connection c = w.connect(2); Statement st = c.createStatement()) {
                st.execute("ALTER SUBSCRIPTION sub_" + w.name + "_c DISABLE");
            }
            PG.get(0).executeIn(w.name, "INSERT INTO accounts (id, name) SELECT g, 'late ' || g"
                    + " FROM generate_series(700001, 700010) g");
            publish(w, "a", epochA, slotsA);
            // The failover: a's lease is gone (its key with it); b's proxy campaigns and wins, then publishes b's
            // position over a's before it opens its gate.
            proxyA.leaseKeeper().revoke().join();
            assertTrue(store.getEntry(writerKey).join().isEmpty(), "the writer key outlived a's lease");
            store.put(writerKey, new WriterRecord("b", "proxy-b", Instant.now())).join();
            long epochB = store.getEntry(writerKey).join().orElseThrow().createRevision();
            publish(w, "b", epochB, List.of());

            // The watch must wait for c (disabled) before it verifies; c resumes once the watch says it waits (or,
            // without that wait, once a verify ran, which then sees a's late rows missing on c).
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (!err.toString().contains("waiting for every cluster to replay a's WAL")
                    && w.audit().stream().noneMatch(r -> r.action().equals("verify"))) {
                assertTrue(System.nanoTime() < deadline, () -> "the watch neither waited nor verified:\n" + out + err);
                assertTrue(!watch.isDone(), () -> "the watch ended:\n" + out + err);
                Thread.sleep(50);
            }
            assertTrue(err.toString().contains("c: applied "), err::toString);
            try (Connection c = w.connect(2); Statement st = c.createStatement()) {
                st.execute("ALTER SUBSCRIPTION sub_" + w.name + "_c ENABLE");
            }
            int code = watch.get(240, java.util.concurrent.TimeUnit.SECONDS);
            LOG.info("fenceline watch -> {}\n{}{}", code, out, err);
            assertEquals(1, code, () -> out + "" + err);
            JsonNode line = JSON.readTree(out.toString());
            assertEquals("a", line.get("from").asText(), out::toString);
            assertEquals(epochB, line.get("to_epoch").asLong(), out::toString);
            assertEquals("verified", line.get("outcome").asText(), out::toString);
            assertTrue(line.get("failure").asText().contains("public.accounts on c: different [2500]"), out::toString);
            assertEquals(1, line.get("exit").asInt(), out::toString);

            AuditRecord change = w.audit().stream().filter(r -> r.action().equals("writer-change")).findFirst()
                    .orElseThrow(() -> new AssertionError(w.audit().toString()));
            assertEquals(Map.of("from", "a", "from_epoch", Long.toString(epochA), "to", "b", "to_epoch",
                    Long.toString(epochB)), Map.of("from", change.details().get("from"), "from_epoch",
                    change.details().get("from_epoch"), "to", change.details().get("to"), "to_epoch",
                    change.details().get("to_epoch")));
            List<AuditRecord> verifies = w.audit().stream().filter(r -> r.action().equals("verify")).toList();
            assertEquals(1, verifies.size(), verifies::toString);
            AuditRecord v = verifies.get(0);
            assertTrue(v.seq() > change.seq(), verifies::toString);
            assertEquals("b", v.details().get("writer"));
            assertEquals("after the writer change a (epoch " + epochA + ") -> b (epoch " + epochB + ")",
                    v.details().get("why"));
            assertEquals("diverged", v.details().get("outcome"));
            assertEquals("1", v.details().get("diverged"), v::toString);
            assertTrue(v.details().get("summary").contains("public.accounts on c: different [2500]"), v::toString);
            // halt: every cluster's mode key says read-only, audited per cluster.
            for (String c : CLUSTERS) {
                assertEquals("read-only", store.getEntry(keys.mode("main", c)).join().orElseThrow().value(), c);
                assertTrue(w.audit().stream().anyMatch(r -> r.action().equals("divergence-halt") && c.equals(r.cluster())
                        && v.details().get("run").equals(r.details().get("run"))), c);
            }
            // The databases: c replayed a's late rows, its changed row is still there (halt changes no data).
            assertEquals("10", PG.get(2).queryValue(w.name, "SELECT count(*) FROM accounts WHERE id > 700000"));
            assertEquals("tampered on c", PG.get(2).queryValue(w.name, "SELECT name FROM accounts WHERE id = 2500"));
            assertEquals("user 2500", PG.get(1).queryValue(w.name, "SELECT name FROM accounts WHERE id = 2500"));

            // status shows that run and what the policy did.
            Run status = w.cli("status", "--json");
            JsonNode last = status.json().get("last_verify");
            assertEquals(v.details().get("run"), last.get("run").asText(), status::out);
            assertEquals("diverged", last.get("outcome").asText(), status::out);
            assertEquals(3, last.get("after").size(), status::out);
            assertTrue(w.cli("status").out().contains("last verify: " + v.details().get("run")), status::out);
        }
    }

    /** Publishes {@code cluster}'s current WAL end at {@code …/wal}, as its writer proxy does. */
    private static void publish(World w, String cluster, long epoch, List<String> slots) throws SQLException {
        long lsn;
        try (Connection c = PG.get(CLUSTERS.indexOf(cluster)).connect(w.name)) {
            lsn = io.fenceline.config.wal.WalEnd.read(c);
        }
        w.coordinator.store().put(w.coordinator.keys().walPosition("main"),
                new io.fenceline.config.records.WalPosition(cluster, epoch, lsn, Instant.now(), slots)).join();
    }

    private static void awaitText(StringWriter in, StringWriter other, String text) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!in.toString().contains(text)) {
            assertTrue(System.nanoTime() < deadline, () -> "no '" + text + "' within 60 s:\n" + in + other);
            Thread.sleep(20);
        }
    }

    @Test
    void clustersThatRecordDifferentMigrationPhasesDiverge() throws Exception {
        try (World w = new World("report_only")) {
            try (Connection c = w.connect(2)) {
                io.fenceline.control.history.HistoryTable.ensure(c);
                try (Statement st = c.createStatement()) {
                    st.execute("INSERT INTO fenceline.history (version, phase, checksum, epoch, direction)"
                            + " VALUES (1, 'expand', 'x', 1, 'up')");
                }
            }
            Run run = w.cli("verify", "--json");
            assertEquals(1, run.code(), run::toString);
            JsonNode schema = run.json().get("schema");
            assertEquals(2, schema.size(), run::out);
            assertTrue(schema.toString().contains("a has not applied V1 expand"), run::out);
            assertTrue(diverged(run.json(), "public.accounts").isEmpty(), run::out);
        }
    }

    @Test
    void withoutAWriterOrWithAnUnknownOneVerifyCannotStart() throws Exception {
        try (World w = new World("halt")) {
            w.coordinator.store().delete(w.coordinator.keys().writer("main")).join();
            Run none = w.cli("verify");
            assertEquals(2, none.code(), none::toString);
            assertTrue(none.err().contains("no cluster holds the writer lease of group main; name the reference with"
                    + " --writer CLUSTER"), none::err);
            Run unknown = w.cli("verify", "--writer", "zz");
            assertEquals(2, unknown.code(), unknown::toString);
            Run named = w.cli("verify", "--writer", "a");
            assertEquals(0, named.code(), named::toString);
            assertTrue(named.out().contains("clusters agree"), named::out);
            // Chunks of 1000 rows in key order (5000 accounts: five chunks and the open one after the last key), not
            // in the order of the keys' text.
            assertTrue(named.out().contains("public.accounts: 5000 rows on a (6 chunk(s), 18 hashes"), named::out);
            assertTrue(named.out().contains("public.lines: 2000 rows on a (3 chunk(s), 9 hashes"), named::out);
            assertTrue(w.coordinator.store().getPrefix(w.coordinator.keys().clustersPrefix("main")).join().isEmpty());
        }
    }

    private static final String ADD_EMAIL = """
            version: 1
            description: add accounts.email
            expand:
              sql: ALTER TABLE accounts ADD COLUMN email text;
              down: ALTER TABLE accounts DROP COLUMN email;
            """;

    private static final String VERIFY_AFTER_WAVE = "  verify: after_wave\n  error_window: off\n  gate_timeout: 5s\n"
            + "  auto_rollback: false\n";

    @Test
    void verifyAfterEachWaveHaltsTheRolloutOnDivergenceAndSetsTheGroupReadOnly() throws Exception {
        try (World w = new World("halt", VERIFY_AFTER_WAVE)) {
            w.plant();
            Path migrations = Files.createDirectories(dir.resolve("migrations"));
            Files.writeString(migrations.resolve("0001-add-email.yaml"), ADD_EMAIL);
            Run run = w.cli("apply", "--migrations", migrations.toString());
            assertEquals(5, run.code(), run::toString);
            assertTrue(run.out().contains("HALTED at V1: after wave 0 of expand V1: verify found divergence"), run::out);
            // Mid-migration: b and c have the new column, a not yet; it is left out, the rows are compared.
            assertTrue(run.out().contains("accounts: columns not compared: email (not on every cluster)"), run::out);
            for (String c : CLUSTERS) {
                assertEquals("read-only", w.coordinator.store().getEntry(w.coordinator.keys().mode("main", c)).join()
                        .orElseThrow().value(), c);
            }
            List<AuditRecord> audit = w.audit();
            assertTrue(audit.stream().anyMatch(r -> r.action().equals("verify")
                    && r.details().get("why").equals("after wave 0 of expand V1")
                    && r.details().get("outcome").equals("diverged")), audit::toString);
            assertTrue(audit.stream().anyMatch(r -> r.action().equals("gate-failed")), audit::toString);
            // Halted, not rolled back: a has not run expand.
            assertEquals("0", PG.get(0).queryValue(w.name, "SELECT count(*) FROM information_schema.columns"
                    + " WHERE table_name = 'accounts' AND column_name = 'email'"));
        }
    }

    @Test
    void verifyAfterEachWaveUnderReportOnlyLetsTheRolloutFinish() throws Exception {
        try (World w = new World("report_only", VERIFY_AFTER_WAVE)) {
            w.plant();
            Path migrations = Files.createDirectories(dir.resolve("migrations"));
            Files.writeString(migrations.resolve("0001-add-email.yaml"), ADD_EMAIL);
            Run run = w.cli("apply", "--migrations", migrations.toString());
            assertEquals(0, run.code(), run::toString);
            List<AuditRecord> audit = w.audit();
            assertEquals(2, audit.stream().filter(r -> r.action().equals("verify")).count(), audit::toString);
            assertEquals(2, audit.stream().filter(r -> r.action().equals("divergence-report-only")).count());
            assertTrue(w.coordinator.store().getPrefix(w.coordinator.keys().clustersPrefix("main")).join().stream()
                    .noneMatch(e -> e.key().endsWith("/mode")));
        }
    }
}
