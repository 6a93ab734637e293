package io.fenceline.control.rollout;

import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.EtcdSettings;
import io.fenceline.config.coordination.LeaseState;
import io.fenceline.config.coordination.Versioned;
import io.fenceline.config.manifest.ManifestOptions;
import io.fenceline.config.records.AuditRecord;
import io.fenceline.config.records.Catalog;
import io.fenceline.config.records.MigrationJournal;
import io.fenceline.config.records.Mode;
import io.fenceline.config.records.ProxyStatus;
import io.fenceline.config.records.Step;
import io.fenceline.config.records.Window;
import io.fenceline.control.cli.Cli;
import io.fenceline.control.cli.ExitCodes;
import io.fenceline.control.history.Direction;
import io.fenceline.control.history.HistoryRow;
import io.fenceline.control.history.HistoryTable;
import io.fenceline.control.history.StepOutcome;
import io.fenceline.testing.EtcdCluster;
import io.fenceline.testing.PostgresServer;
import io.fenceline.testing.Progress;
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
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rollout end to end on three real PostgreSQL clusters and a three-member etcd: control runs in-process
 * through {@link Cli} and as child JVMs that are halted at named crash points or SIGKILLed. Each test has its
 * own database on every cluster and its own etcd prefix, so tests share the processes but not state.
 *
 * <p>The proxy statuses here are stand-ins (marked below): {@link ProxyStatus} records the test writes itself,
 * lease-bound as a proxy would. The crash drills need the connections per schema version to be exactly so at
 * given moments across SIGKILLed and halted control processes (V0 still in use while control waits to drain,
 * then none), and the error gate's halt needs counters that rise on cue. Real proxy processes run in
 * {@code io.fenceline.control.RealProxiesIT}: writer lease, fencing, schema enforcement with clients of two
 * versions, status records and counters feeding the gates and the drain, the operator verbs, a handoff.
 */
class RolloutIT {

    private static final Logger LOG = LoggerFactory.getLogger(RolloutIT.class);
    private static final List<String> CLUSTERS = List.of("c1", "c2", "c3");
    /**
     * How long a wait may see no progress (no audit record, journal change or child log line) before it fails.
     * Waits are not bounded by wall-clock time: on a loaded 2-core machine a child control's start and each step
     * take several times longer than on a quiet one (a fixed 60 s bound on "journal in draining" failed there).
     */
    private static final Duration STALL = Duration.ofSeconds(90);

    private static final List<PostgresServer> PG = new ArrayList<>();
    private static EtcdCluster etcd;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        etcd = EtcdCluster.start(3);
        for (int i = 0; i < 3; i++) {
            PG.add(PostgresServer.builder().start());
        }
    }

    @AfterAll
    static void stop() {
        PG.forEach(PostgresServer::close);
        if (etcd != null) {
            etcd.close();
        }
    }

    /** One test's world: a database per cluster, an etcd prefix, a config file and a migrations folder. */
    private final class World implements AutoCloseable {
        final String name;
        final Path config;
        final List<Path> childLogs = new CopyOnWriteArrayList<>();
        final Path migrations;
        final Coordinator coordinator;

        World(String name, boolean autoRollback, boolean requireProxies) throws IOException {
            this(name, autoRollback, requireProxies, false);
        }

        World(String name, boolean autoRollback, boolean requireProxies, boolean scratch) throws IOException {
            this.name = name;
            for (PostgresServer pg : PG) {
                pg.execute("CREATE DATABASE " + name);
                pg.executeIn(name, "CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL, email text);"
                        + " INSERT INTO accounts SELECT g, 'user' || g, 'u' || g || '@example.org'"
                        + " FROM generate_series(1, 200) g");
            }
            migrations = Files.createDirectories(dir.resolve("migrations"));
            config = dir.resolve("control.yaml");
            StringBuilder yaml = new StringBuilder("group: main\ninstance: control-a\netcd:\n  endpoints: [")
                    .append(String.join(", ", etcd.endpoints())).append("]\n  prefix: /t-").append(name)
                    .append("\n  lease_ttl: 6s\n  request_timeout: 3s\nclusters:\n");
            for (int i = 0; i < 3; i++) {
                yaml.append("  - {name: ").append(CLUSTERS.get(i)).append(", jdbc_url: \"").append(PG.get(i).jdbcUrl(name))
                        .append("\", user: ").append(PG.get(i).superuser()).append("}\n");
            }
            if (scratch) {
                // Lint's scratch database: the baseline schema, on the first server.
                PG.get(0).execute("CREATE DATABASE " + name + "_scratch");
                PG.get(0).executeIn(name + "_scratch", "CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL,"
                        + " email text)");
                yaml.append("scratch_url: \"").append(PG.get(0).jdbcUrl(name + "_scratch")).append("?user=")
                        .append(PG.get(0).superuser()).append("\"\n");
            }
            yaml.append("waves: [[c1], [c2], [c3]]\npolicies:\n  auto_rollback: ").append(autoRollback)
                    .append("\n  require_proxies: ").append(requireProxies)
                    .append("\n  gate_timeout: 5s\n  drain_timeout: 5m\n  error_window: 300ms\n");
            Files.writeString(config, yaml);
            // The test's own etcd client: reads, and the stand-in proxy records on a lease of 10 s.
            coordinator = Coordinator.connect(new EtcdSettings(etcd.endpoints(), "/t-" + name, Duration.ofSeconds(10),
                    EtcdSettings.DEFAULT_RHO, Duration.ofMillis(500), Duration.ofSeconds(2)));
        }

        void manifest(String file, String text) throws IOException {
            Files.writeString(migrations.resolve(file), text);
        }

        Connection connect(int cluster) throws SQLException {
            return PG.get(cluster).connect(name);
        }

        List<HistoryRow> history(int cluster) throws SQLException {
            try (Connection c = connect(cluster)) {
                return HistoryTable.rows(c);
            }
        }

        Optional<MigrationJournal> journal() {
            return coordinator.store().get(coordinator.keys().migration("main"), MigrationJournal.class).join()
                    .map(Versioned::value);
        }

        List<AuditRecord> audit() {
            return coordinator.store().listAudit("main", 1, 10_000).join();
        }

        Run cli(String... args) {
            List<String> all = new ArrayList<>(List.of(args));
            all.add(1, "--config");
            all.add(2, config.toString());
            if (!List.of("status", "audit").contains(args[0])) {
                all.add(3, "--migrations");
                all.add(4, migrations.toString());
            }
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = Cli.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
            Run run = new Run(code, out.toString(), err.toString());
            LOG.info("fenceline {} -> {}\n{}{}", args[0], code, run.out(), run.err());
            return run;
        }

        /** Control as a child JVM; {@code crashAt} arms a crash point ("" for none). */
        Process child(String crashAt, String... args) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "-Dfenceline.crash-at=" + crashAt,
                    "io.fenceline.control.Main", args[0], "--config", config.toString(), "--migrations",
                    migrations.toString()));
            cmd.addAll(List.of(args).subList(1, args.length));
            Path log = Files.createDirectories(Path.of("target", "rollout-children"))
                    .resolve(name + "-" + System.nanoTime() + ".log").toAbsolutePath();
            LOG.info("child control {} (crash at '{}'), log {}", String.join(" ", args), crashAt, log);
            childLogs.add(log);
            return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        }

        /**
         * What moves while control works: its audit records, its journal, and the logs of the child controls
         * (a child starting on a busy machine logs before it writes anything to etcd).
         */
        Object progress() {
            long logs = childLogs.stream().mapToLong(l -> Progress.sizeOf(l).get()).sum();
            return List.of(audit().size(), journal().map(Object::toString).orElse(""), logs);
        }

        /** Waits for {@code condition}; fails only after {@link #STALL} without {@link #progress()}. */
        void await(String what, Callable<Boolean> condition) throws InterruptedException {
            Progress.await(what, STALL, this::progress, condition);
        }

        /** A child control's exit code; fails (and kills it) only after {@link #STALL} without progress. */
        int exitOf(Process p) throws InterruptedException {
            return Progress.exitOf(p, "child control", STALL, this::progress);
        }

        private volatile Map<Integer, Integer> standIn;

        /**
         * Stand-in for the proxies (not built yet): one lease-bound status per cluster with these counts,
         * published again on a new lease as a proxy would.
         */
        void standInProxies(Map<Integer, Integer> versionsInUse) throws InterruptedException {
            if (standIn == null) {
                coordinator.leaseKeeper().addListener((from, to) -> {
                    if (to instanceof LeaseState.Held) {
                        CompletableFuture.runAsync(() -> {
                            try {
                                publishStandIns(standIn);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        });
                    }
                });
            }
            standIn = versionsInUse;
            publishStandIns(versionsInUse);
        }

        private void publishStandIns(Map<Integer, Integer> versionsInUse) throws InterruptedException {
            LeaseState.Held held = coordinator.leaseKeeper().awaitHeld(Duration.ofSeconds(10)).orElseThrow();
            LOG.info("stand-in proxy records on lease {}: {}", held.leaseId(), versionsInUse);
            int connections = versionsInUse.values().stream().mapToInt(i -> i).sum();
            for (String cluster : CLUSTERS) {
                coordinator.store().putLeased(coordinator.keys().proxy("main", cluster, "standin-" + cluster),
                        new ProxyStatus(held.leaseId(), Mode.WRITABLE, false, 0, 0, versionsInUse, connections, 0, 0, null,
                                Instant.now()), held.leaseId()).join();
            }
        }

        @Override
        public void close() {
            coordinator.close();
        }
    }

    record Run(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    private static long count(List<HistoryRow> rows, int version, String phase, Direction direction) {
        return rows.stream().filter(r -> r.version() == version && r.phase().equals(phase)
                && r.direction() == direction).count();
    }

    private static final String V1 = """
            version: 1
            description: add contact, indexed
            options:
              lock_timeout: 5s
            expand:
              sql: |
                ALTER TABLE accounts ADD COLUMN contact text;
                CREATE INDEX CONCURRENTLY accounts_contact ON accounts (contact);
              down: |
                DROP INDEX CONCURRENTLY accounts_contact;
                ALTER TABLE accounts DROP COLUMN contact;
            """;
    private static final String V2 = """
            version: 2
            description: backfill contact from email, 50 rows per transaction
            options:
              lock_timeout: 5s
              backfill_batch_size: 50
            backfill:
              sql: |
                UPDATE accounts SET contact = email WHERE id IN (SELECT id FROM accounts
                  WHERE contact IS NULL AND email IS NOT NULL ORDER BY id LIMIT :batch_size);
              down: UPDATE accounts SET contact = NULL;
            """;
    private static final String V3 = """
            version: 3
            description: drop email
            options:
              lock_timeout: 5s
            contract:
              sql: ALTER TABLE accounts DROP COLUMN email;
              down: |
                ALTER TABLE accounts ADD COLUMN email text;
                UPDATE accounts SET email = contact;
            """;

    /** Application traffic straight to each cluster, using only columns every version has (id, name). */
    private static final class Workload implements AutoCloseable {
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong ops = new AtomicLong();
        final List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<CompletableFuture<Void>> threads = new ArrayList<>();

        Workload(World w) {
            for (int i = 0; i < 3; i++) {
                int cluster = i;
                threads.add(CompletableFuture.runAsync(() -> run(w, cluster)));
            }
        }

        private void run(World w, int cluster) {
            long id = 1_000_000L * (cluster + 1);
            try (Connection c = w.connect(cluster);
                 PreparedStatement insert = c.prepareStatement("INSERT INTO accounts (id, name) VALUES (?, ?)");
                 PreparedStatement update = c.prepareStatement("UPDATE accounts SET name = ? WHERE id = ?");
                 PreparedStatement select = c.prepareStatement("SELECT id, name FROM accounts WHERE id = ?")) {
                while (!stop.get()) {
                    try {
                        id++;
                        insert.setLong(1, id);
                        insert.setString(2, "w" + id);
                        insert.executeUpdate();
                        update.setString(1, "x" + id);
                        update.setLong(2, id - 1);
                        update.executeUpdate();
                        select.setLong(1, id);
                        try (ResultSet rs = select.executeQuery()) {
                            rs.next();
                        }
                        ops.incrementAndGet();
                    } catch (SQLException e) {
                        errors.add("c" + (cluster + 1) + ": [" + e.getSQLState() + "] " + e.getMessage());
                    }
                }
            } catch (SQLException e) {
                errors.add("c" + (cluster + 1) + " connect: " + e.getMessage());
            }
        }

        @Override
        public void close() {
            stop.set(true);
            threads.forEach(CompletableFuture::join);
        }
    }

    @Test
    void threeVersionsUnderLiveTrafficSurviveControlCrashesAndApplyEachStepOnce() throws Exception {
        try (World w = new World("crashes", true, false)) {
            w.manifest("0001-add-contact.yaml", V1);
            w.manifest("0002-backfill-contact.yaml", V2);
            w.manifest("0003-drop-email.yaml", V3);
            // Stand-in proxies: every application connection is still built for V0, so V1's drain must wait.
            w.standInProxies(Map.of(0, 3));
            Workload workload = new Workload(w);
            long started = System.nanoTime();

            // 1. Halted inside c1's expand, just before the history row's transaction commits: nothing recorded.
            assertEquals(CrashPoints.HALT_STATUS, w.exitOf(w.child("before-commit/V1/expand/c1", "apply", "--to", "3")));
            assertEquals(0, w.history(0).size(), "the uncommitted expand left no history row on c1");

            // 2. Halted after c2 committed its expand but before its ack (mid-step).
            assertEquals(CrashPoints.HALT_STATUS, w.exitOf(w.child("step-committed/V1/expand/c2", "resume")));
            assertEquals(1, w.history(1).size());
            assertTrue(w.coordinator.store().get(w.coordinator.keys().ack("main", "c2", 1, Step.EXPAND),
                    io.fenceline.config.records.Ack.class).join().isEmpty(), "c2 committed but was not acked");

            // 3. Halted at a step boundary: after wave 1 (c2) passed its gate.
            assertEquals(CrashPoints.HALT_STATUS, w.exitOf(w.child("wave-done/V1/expand/1", "resume")));

            // 4. A resume that reaches V1's drain and waits (stand-ins still report V0 connections): SIGKILL it.
            Process draining = w.child("", "resume");
            w.await("journal in draining", () -> w.journal()
                    .map(j -> j.version() == 1 && j.state() == MigrationJournal.State.DRAINING).orElse(false));
            w.await("control waiting for V0 to drain", () -> {
                List<AuditRecord> audit = w.audit();
                LOG.debug("audit so far: {}", audit);
                if (audit.stream().anyMatch(a -> a.action().equals("drained"))) {
                    throw new AssertionError("V0 drained although stand-ins report it in use: " + audit);
                }
                return audit.stream().anyMatch(a -> a.action().equals("drain-waiting")
                        && "9".equals(a.details().get("connections"))); // 3 stand-ins x 3
            });
            draining.destroyForcibly();
            assertEquals(137, w.exitOf(draining));
            assertEquals(new Window(0, 1), w.coordinator.store().get(w.coordinator.keys().window("main"), Window.class)
                    .join().orElseThrow().value());
            for (int i = 0; i < 3; i++) {
                assertEquals(0, count(w.history(i), 2, "backfill", Direction.UP), "nothing of V2 before V1 drained");
            }

            // The applications move to a V2 build (they only use id and name, which every version has).
            w.standInProxies(Map.of(2, 3));

            // 5. Halted inside c1's batched backfill, right after its second batch committed: 100 rows backfilled,
            //    two batches recorded, no history row yet.
            assertEquals(CrashPoints.HALT_STATUS, w.exitOf(w.child("batch-committed/V2/backfill/c1/2", "resume")));
            try (Connection c = w.connect(0)) {
                assertEquals(2, HistoryTable.batches(c, 2, "backfill", Direction.UP).size());
                assertEquals(0, count(HistoryTable.rows(c), 2, "backfill", Direction.UP));
            }
            Run midBackfill = w.cli("status");
            assertTrue(midBackfill.out().contains("c1 (configured wave 0): ") && midBackfill.out().contains(
                    "backfill 2 batch(es) / 100 row(s) so far"), midBackfill::toString);

            // 6. Contract of V3 waits while connections of V2 remain; once they are gone control moves on and is
            //    halted right after journaling "contracting".
            Process contract = w.child("journal/V3/contracting", "resume");
            w.await("control waiting for V2 to drain", () -> w.audit().stream()
                    .anyMatch(a -> a.action().equals("drain-waiting") && "2".equals(a.details().get("version"))));
            assertTrue(contract.isAlive());
            for (int i = 0; i < 3; i++) {
                assertEquals(0, count(w.history(i), 3, "contract", Direction.UP), "no contract while V2 is in use");
            }
            w.standInProxies(Map.of(3, 3));
            assertEquals(CrashPoints.HALT_STATUS, w.exitOf(contract));

            // 7. In-process resume finishes.
            Run finish = w.cli("resume", "--leader-wait", "30");
            assertEquals(ExitCodes.OK, finish.code(), finish::toString);
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
            workload.close();

            LOG.info("workload: {} operations, {} errors in {} s", workload.ops.get(), workload.errors.size(), seconds);
            assertEquals(List.of(), workload.errors, "application errors during the migration");
            assertTrue(workload.ops.get() > 100, "the workload ran: " + workload.ops.get());

            for (int i = 0; i < 3; i++) {
                List<HistoryRow> rows = w.history(i);
                assertEquals(3, rows.size(), "c" + (i + 1) + " history: " + rows);
                assertEquals(1, count(rows, 1, "expand", Direction.UP));
                assertEquals(1, count(rows, 2, "backfill", Direction.UP));
                assertEquals(1, count(rows, 3, "contract", Direction.UP));
                try (Connection c = w.connect(i); Statement st = c.createStatement()) {
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM accounts WHERE id <= 200"
                            + " AND contact = 'u' || id || '@example.org'");
                    rs.next();
                    assertEquals(200, rs.getInt(1), "backfilled rows on c" + (i + 1));
                    rs = st.executeQuery("SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts'"
                            + " AND column_name = 'email'");
                    rs.next();
                    assertEquals(0, rs.getInt(1), "email dropped on c" + (i + 1));
                    rs = st.executeQuery("SELECT indisvalid FROM pg_index WHERE indexrelid = 'accounts_contact'::regclass");
                    assertTrue(rs.next() && rs.getBoolean(1), "valid concurrent index on c" + (i + 1));
                }
                try (Connection c = w.connect(i)) {
                    // The resumed backfill went on with batch 3 on c1: 4 batches of 50 and a last one of 0, once each.
                    List<long[]> batches = HistoryTable.batches(c, 2, "backfill", Direction.UP);
                    assertEquals(List.of("1:50", "2:50", "3:50", "4:50", "5:0"), batches.stream()
                            .map(b -> b[1] + ":" + b[2]).toList(), "batches on c" + (i + 1));
                }
                for (int v = 1; v <= 3; v++) {
                    Step step = v == 1 ? Step.EXPAND : v == 2 ? Step.BACKFILL : Step.CONTRACT;
                    assertTrue(w.coordinator.store().get(w.coordinator.keys().ack("main", CLUSTERS.get(i), v, step),
                            io.fenceline.config.records.Ack.class).join().isPresent(), "ack V" + v + " " + step);
                }
            }
            assertEquals(Window.of(3), w.coordinator.store().get(w.coordinator.keys().window("main"), Window.class)
                    .join().orElseThrow().value());
            Catalog v3 = w.coordinator.store().get(w.coordinator.keys().catalog("main", 3), Catalog.class).join()
                    .orElseThrow().value();
            assertEquals(List.of("id", "name", "contact"), v3.tables().get("accounts"));
            assertEquals(MigrationJournal.State.DONE, w.journal().orElseThrow().state());
            List<String> actions = w.audit().stream().map(AuditRecord::action).toList();
            assertTrue(actions.containsAll(List.of("start", "resume", "ack", "gate-passed", "window-widened", "drained",
                    "catalog-published", "window-narrowed", "done")), actions.toString());

            Run status = w.cli("status");
            assertTrue(status.out().contains("is done"), status::toString);
            Run audit = w.cli("audit", "--json");
            assertEquals(ExitCodes.OK, audit.code());
        }
    }

    @Test
    void aSecondControlNeverAppliesWhileTheFirstLeadsAndAStaleEpochIsRefused() throws Exception {
        try (World w = new World("second", true, false)) {
            w.manifest("0001-add-contact.yaml", V1);
            w.standInProxies(Map.of(0, 1));
            CompletableFuture<Run> first = CompletableFuture.supplyAsync(() -> w.cli("apply"));
            w.await("first control waiting for V0 to drain", () -> w.audit().stream()
                    .anyMatch(a -> a.action().equals("drain-waiting")));
            long epoch = w.journal().orElseThrow().controlEpoch();
            int auditBefore = w.audit().size();

            // The second instance (same file, another name) waits for leadership and gives up: it acts on nothing.
            Path second = dir.resolve("control-b.yaml");
            Files.writeString(second, Files.readString(w.config).replace("instance: control-a", "instance: control-b"));
            StringWriter out = new StringWriter();
            int code = Cli.run(new String[]{"resume", "--config", second.toString(), "--migrations",
                    w.migrations.toString(), "--leader-wait", "3"}, new PrintWriter(out, true), new PrintWriter(out, true));
            assertEquals(ExitCodes.NOT_LEADER, code, out::toString);
            assertTrue(out.toString().contains("held by"), out::toString);
            assertFalse(first.isDone(), "the first control still leads");
            assertEquals(auditBefore, w.audit().size(), "the second control wrote no decision");
            for (int i = 0; i < 3; i++) {
                for (HistoryRow r : w.history(i)) {
                    assertEquals(epoch, r.epoch(), "every row written by the leader's epoch: " + r);
                }
            }

            // A stale instance talking to a cluster directly: the epoch fence refuses, nothing runs.
            try (Connection c = w.connect(0)) {
                StepOutcome stale = HistoryTable.run(c, 9, "expand", "x", epoch - 1, Direction.UP,
                        List.of("CREATE TABLE stale_was_here (a int)"), ManifestOptions.NONE, () -> true, () -> { });
                assertInstanceOf(StepOutcome.StaleEpoch.class, stale);
                ResultSet rs = c.createStatement().executeQuery("SELECT to_regclass('stale_was_here') IS NULL");
                rs.next();
                assertTrue(rs.getBoolean(1));
            }

            w.standInProxies(Map.of(1, 1));
            w.await("the first control to finish", first::isDone);
            Run done = first.join();
            assertEquals(ExitCodes.OK, done.code(), done::toString);
            assertTrue(w.audit().stream().noneMatch(a -> a.actor().equals("control-b")));
        }
    }

    @Test
    void aFailingStepOnWaveTwoHaltsAndRollsBackWaveOne() throws Exception {
        try (World w = new World("failing", true, false)) {
            // Duplicate names on c2 only: the unique index fails there (data differs, the schema does not).
            PG.get(1).executeIn("failing", "UPDATE accounts SET name = 'same' WHERE id IN (1, 2)");
            w.manifest("0001-unique-names.yaml", """
                    version: 1
                    description: unique names
                    expand:
                      sql: |
                        ALTER TABLE accounts ADD COLUMN note text;
                        CREATE UNIQUE INDEX accounts_name_uq ON accounts (name);
                      down: |
                        DROP INDEX accounts_name_uq;
                        ALTER TABLE accounts DROP COLUMN note;
                    """);
            Run run = w.cli("apply", "--json");
            assertEquals(ExitCodes.ROLLED_BACK, run.code(), run::toString);
            assertTrue(run.out().contains("23505"), run::toString);

            List<HistoryRow> c1 = w.history(0);
            assertEquals(1, count(c1, 1, "expand", Direction.UP), c1.toString());
            assertEquals(1, count(c1, 1, "expand", Direction.DOWN), c1.toString());
            assertEquals(0, w.history(1).size(), "c2's transaction rolled back whole");
            assertEquals(0, w.history(2).size(), "c3 never touched");
            for (int i = 0; i < 3; i++) {
                try (Connection c = w.connect(i); Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT count(*) FROM information_schema.columns"
                             + " WHERE table_name = 'accounts' AND column_name = 'note'")) {
                    rs.next();
                    assertEquals(0, rs.getInt(1), "no note column on c" + (i + 1));
                }
            }
            assertEquals(MigrationJournal.State.ROLLED_BACK, w.journal().orElseThrow().state());
            assertEquals(Window.of(0), w.coordinator.store().get(w.coordinator.keys().window("main"), Window.class)
                    .join().orElseThrow().value());
            List<String> actions = w.audit().stream().map(a -> a.action() + (a.cluster() == null ? "" : "@" + a.cluster()))
                    .toList();
            assertTrue(actions.containsAll(List.of("ack@c1", "gate-passed", "step-failed@c2", "halt@c2",
                    "rollback-started", "rolled-back-step@c1", "rolled-back")), actions.toString());
            assertTrue(w.coordinator.store().get(w.coordinator.keys().ack("main", "c1", 1, Step.EXPAND),
                    io.fenceline.config.records.Ack.class).join().isEmpty(), "c1's ack withdrawn");
        }
    }

    @Test
    void withoutAutoRollbackAFailureHaltsKeepsEverythingAndTheOperatorRollsBack() throws Exception {
        try (World w = new World("halting", false, false)) {
            PG.get(1).executeIn("halting", "UPDATE accounts SET name = 'same' WHERE id IN (1, 2)");
            w.manifest("0001-unique-names.yaml", """
                    version: 1
                    description: unique names
                    expand:
                      sql: CREATE UNIQUE INDEX accounts_name_uq ON accounts (name);
                      down: DROP INDEX accounts_name_uq;
                    """);
            Run run = w.cli("apply");
            assertEquals(ExitCodes.HALTED, run.code(), run::toString);
            assertEquals(1, count(w.history(0), 1, "expand", Direction.UP), "c1 keeps its applied expand");
            MigrationJournal halted = w.journal().orElseThrow();
            assertEquals(MigrationJournal.State.HALTED, halted.state());
            assertEquals(java.util.Set.of("c1"), halted.doneClusters());
            assertTrue(halted.reason().contains("23505"), halted.reason());

            Run again = w.cli("apply");
            assertEquals(ExitCodes.REFUSED, again.code(), again::toString);

            Run rollback = w.cli("rollback", "--reason", "duplicate names on c2");
            assertEquals(ExitCodes.ROLLED_BACK, rollback.code(), rollback::toString);
            assertEquals(1, count(w.history(0), 1, "expand", Direction.DOWN));
            assertEquals(MigrationJournal.State.ROLLED_BACK, w.journal().orElseThrow().state());
            assertTrue(w.audit().stream().anyMatch(a -> a.action().equals("operator-rollback")
                    && "duplicate names on c2".equals(a.details().get("reason"))));
            assertEquals(ExitCodes.REFUSED, w.cli("rollback", "--reason", "twice").code());
        }
    }

    @Test
    void aGateThatCannotPassHaltsAndRollsBackTheCanary() throws Exception {
        // Proxies required, none reporting and no writer lease: the gate after the canary fails after its timeout.
        try (World w = new World("gate", true, true)) {
            w.manifest("0001-add-contact.yaml", V1);
            Run run = w.cli("apply");
            assertEquals(ExitCodes.ROLLED_BACK, run.code(), run::toString);
            assertTrue(run.out().contains("c1 has no proxy reporting"), run::toString);
            List<HistoryRow> c1 = w.history(0);
            assertEquals(1, count(c1, 1, "expand", Direction.UP), c1.toString());
            assertEquals(1, count(c1, 1, "expand", Direction.DOWN), c1.toString());
            assertEquals(0, w.history(1).size(), "wave 1 never started");
            assertTrue(w.audit().stream().anyMatch(a -> a.action().equals("gate-failed")));
        }
    }

    @Test
    void aRiseInErrorsAfterTheCanaryHaltsAndRollsItBackWithTheRuleInTheAudit() throws Exception {
        try (World w = new World("errors", true, false)) {
            w.manifest("0001-add-contact.yaml", V1);
            // Stand-in proxies whose counters tick like live traffic: 100 statements per 100 ms per cluster, and
            // once c1's expand is acked, 20 of every 100 statements on c1 fail (an application broken by the step).
            LeaseState.Held held = w.coordinator.leaseKeeper().awaitHeld(Duration.ofSeconds(10)).orElseThrow();
            AtomicBoolean stop = new AtomicBoolean();
            CompletableFuture<Void> ticking = CompletableFuture.runAsync(() -> {
                long statements = 0;
                long c1Errors = 0;
                while (!stop.get()) {
                    statements += 100;
                    boolean broken = w.coordinator.store().getEntry(w.coordinator.keys().ack("main", "c1", 1, Step.EXPAND))
                            .join().isPresent();
                    c1Errors += broken ? 20 : 0;
                    for (String cluster : CLUSTERS) {
                        w.coordinator.store().putLeased(w.coordinator.keys().proxy("main", cluster, "standin-" + cluster),
                                new ProxyStatus(held.leaseId(), Mode.WRITABLE, false, 0, 0, Map.of(0, 1), 1, statements,
                                        cluster.equals("c1") ? c1Errors : 0, null, Instant.now()), held.leaseId()).join();
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            });
            try {
                Run run = w.cli("apply");
                assertEquals(ExitCodes.ROLLED_BACK, run.code(), run::toString);
                assertTrue(run.out().contains("errors rose: c1: "), run::toString);
            } finally {
                stop.set(true);
                ticking.join();
            }
            List<HistoryRow> c1 = w.history(0);
            assertEquals(1, count(c1, 1, "expand", Direction.UP), c1.toString());
            assertEquals(1, count(c1, 1, "expand", Direction.DOWN), c1.toString());
            assertEquals(0, w.history(1).size(), "wave 1 never started");
            AuditRecord failed = w.audit().stream().filter(a -> a.action().equals("gate-failed")).findFirst().orElseThrow();
            String reason = failed.details().get("reason");
            assertTrue(reason.matches("(?s).*c1: \\d+\\.\\d\\d% \\(\\d+/\\d+\\) after vs (0\\.00% \\(0/\\d+\\)|unknown \\(\\d+ statements\\), taken as 0%) before:"
                    + " \\+\\d+\\.\\d\\d points \\(limit 1\\.00\\).*"), reason);
            assertTrue(reason.contains("Rule: per cluster, the error ratio"), reason);
        }
    }

    @Test
    void applyRefusesAPlanWhoseMatrixLeavesAnApplicationVersionWithoutACompatibleSchema() throws Exception {
        try (World w = new World("matrix", true, false, true)) {
            // V1's expand drops a column the V0 application uses, while V0 is the only version connected.
            w.manifest("0001-drop-name.yaml", """
                    version: 1
                    description: drop name too early
                    expand:
                      sql: ALTER TABLE accounts DROP COLUMN name;
                      down: ALTER TABLE accounts ADD COLUMN name text;
                    """);
            Run apply = w.cli("apply");
            assertEquals(ExitCodes.REFUSED, apply.code(), apply::toString);
            assertTrue(apply.out().contains("application version 0 has no compatible schema during expand of V1: at V1"
                    + " expand column public.accounts.name does not exist"), apply::toString);
            for (int i = 0; i < 3; i++) {
                assertEquals(0, w.history(i).size(), "nothing applied on c" + (i + 1));
                try (Connection c = w.connect(i); Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT count(*) FROM information_schema.columns"
                             + " WHERE table_name = 'accounts' AND column_name = 'name'")) {
                    rs.next();
                    assertEquals(1, rs.getInt(1), "c" + (i + 1) + " still has accounts.name");
                }
            }
            assertTrue(w.journal().isEmpty(), "no run was started");
        }
    }

    @Test
    void resumeChecksTheMatrixAgainForTheVersionsAddedSinceTheRunHalted() throws Exception {
        try (World w = new World("resumematrix", false, false, true)) {
            w.manifest("0001-add-contact.yaml", V1);
            Run apply;
            // A session on c2 holds a lock on accounts: V1's expand times out there (lock_timeout 5s) and,
            // without auto_rollback, the run halts with c1 applied.
            try (Connection locker = w.connect(1); Statement st = locker.createStatement()) {
                locker.setAutoCommit(false);
                st.execute("LOCK TABLE accounts IN ACCESS SHARE MODE");
                apply = w.cli("apply");
                locker.rollback();
            }
            assertEquals(ExitCodes.HALTED, apply.code(), apply::toString);
            assertTrue(apply.out().contains("compatibility matrix: every application version in use has a compatible"
                    + " schema in every phase of V1 to V1"), apply::toString);
            assertEquals(MigrationJournal.State.HALTED, w.journal().orElseThrow().state());
            // While the run is halted, the folder gains V2, whose expand drops a column the V1 application uses
            // (V1 alone is in use during V2's expand); the lock is gone.
            w.manifest("0002-drop-name.yaml", """
                    version: 2
                    description: drop name too early
                    expand:
                      sql: ALTER TABLE accounts DROP COLUMN name;
                      down: ALTER TABLE accounts ADD COLUMN name text;
                    """);

            Run resume = w.cli("resume");
            assertEquals(ExitCodes.REFUSED, resume.code(), resume::toString);
            assertTrue(resume.out().contains("application version 1 has no compatible schema during expand of V2: at V2"
                    + " expand column public.accounts.name does not exist"), resume::toString);
            assertTrue(resume.out().contains("nothing resumed, the run stays as it is"), resume::toString);
            // The verdict from the clusters and etcd: the run was not continued, V2 ran nowhere.
            assertEquals(MigrationJournal.State.HALTED, w.journal().orElseThrow().state());
            assertEquals(1, w.history(0).size(), w.history(0).toString());
            assertEquals(0, w.history(1).size(), "c2 was not resumed");
            assertEquals(0, w.history(2).size(), "c3 was not resumed");
            for (int i = 0; i < 3; i++) {
                try (Connection c = w.connect(i); Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT count(*) FROM information_schema.columns"
                             + " WHERE table_name = 'accounts' AND column_name = 'name'")) {
                    rs.next();
                    assertEquals(1, rs.getInt(1), "c" + (i + 1) + " still has accounts.name");
                }
            }

            // Resumed with the run it was started with, the matrix holds and V1 completes; V2 stays unapplied.
            Run v1 = w.cli("resume", "--to", "1");
            assertEquals(ExitCodes.OK, v1.code(), v1::toString);
            for (int i = 0; i < 3; i++) {
                assertEquals(1, count(w.history(i), 1, "expand", Direction.UP), "c" + (i + 1) + " applied V1");
                assertEquals(0, w.history(i).stream().filter(h -> h.version() == 2).count(), "no V2 on c" + (i + 1));
            }
        }
    }

    @Test
    void driftByHandIsDetectedAtPreflightAndAnEditedManifestIsRefused() throws Exception {
        try (World w = new World("drift", true, false, true)) {
            w.manifest("0001-add-contact.yaml", V1);
            PG.get(2).executeIn("drift", "ALTER TABLE accounts ADD COLUMN hacked integer");

            Run preflight = w.cli("preflight", "--json");
            assertEquals(ExitCodes.PREFLIGHT_FAILED, preflight.code(), preflight::toString);
            assertTrue(preflight.out().contains("+ column public.accounts.hacked"), preflight::toString);
            assertTrue(preflight.out().contains("\"cluster\" : \"c3\""), preflight::toString);
            assertTrue(preflight.out().contains("step(s) lint clean"), preflight::toString);

            Run apply = w.cli("apply");
            assertEquals(ExitCodes.PREFLIGHT_FAILED, apply.code(), apply::toString);
            for (int i = 0; i < 3; i++) {
                assertEquals(0, w.history(i).size(), "nothing applied on c" + (i + 1));
            }
            Run status = w.cli("status", "--json");
            assertTrue(status.out().contains("\"state\" : \"halted\""), status::toString);

            // The operator removes the drift, resumes (preflight again) and V1 applies, also on c2, which is
            // fenced read-only the way a proxy fences a cluster that is not the writer.
            PG.get(2).executeIn("drift", "ALTER TABLE accounts DROP COLUMN hacked");
            PG.get(1).execute("ALTER DATABASE drift SET default_transaction_read_only = on");
            Run resume = w.cli("resume");
            assertEquals(ExitCodes.OK, resume.code(), resume::toString);

            // Editing an applied manifest stops everything, naming the file.
            w.manifest("0001-add-contact.yaml", V1.replace("contact text", "contact varchar(200)"));
            Run edited = w.cli("apply");
            assertEquals(ExitCodes.BAD_INPUT, edited.code(), edited::toString);
            assertTrue(edited.err().contains("0001-add-contact.yaml") && edited.err().contains("edited"), edited::toString);
        }
    }
}
