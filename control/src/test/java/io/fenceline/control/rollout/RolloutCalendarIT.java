package io.fenceline.control.rollout;

import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.EtcdSettings;
import io.fenceline.config.coordination.Versioned;
import io.fenceline.config.manifest.ManifestSet;
import io.fenceline.config.records.AuditRecord;
import io.fenceline.config.records.MigrationJournal;
import io.fenceline.control.cli.Cli;
import io.fenceline.control.fleet.Fleet;
import io.fenceline.control.fleet.FleetConfig;
import io.fenceline.control.fleet.FleetConfigLoader;
import io.fenceline.control.history.Direction;
import io.fenceline.control.history.HistoryRow;
import io.fenceline.control.history.HistoryTable;
import io.fenceline.testing.EtcdCluster;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rollouts on a calendar against three real PostgreSQL clusters and etcd, with a wall clock the test moves by
 * hand: a run that waits for its rollout window, then for the cooldown between waves, survives a control restart
 * in the middle of a cooldown (the new instance honours the cooldown the old one started, from the journal), and
 * waits for the next day's window; and a gate whose time box ends halts the run, the box counted from when the
 * gate first began even across a restart. Control runs in-process; a "restart" is a new etcd connection, pools,
 * leadership and {@link Rollout}, sharing nothing with the old instance but etcd and the databases (the old one
 * resigned and stopped). Whether a wave ran is read from each cluster's history table.
 */
class RolloutCalendarIT {

    private static final Logger LOG = LoggerFactory.getLogger(RolloutCalendarIT.class);
    private static final List<PostgresServer> PG = new ArrayList<>();
    private static EtcdCluster etcd;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        etcd = EtcdCluster.start(1);
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

    private static final String V1 = """
            version: 1
            description: add contact
            options:
              lock_timeout: 5s
            expand:
              sql: ALTER TABLE accounts ADD COLUMN contact text;
              down: ALTER TABLE accounts DROP COLUMN contact;
            """;

    /** A clock that moves only when the test says. */
    private static final class HandClock implements io.fenceline.control.calendar.WallClock {
        private final AtomicReference<Instant> now;

        HandClock(String start) {
            now = new AtomicReference<>(Instant.parse(start));
        }

        @Override
        public Instant now() {
            return now.get();
        }

        void set(String instant) {
            LOG.info("clock -> {}", instant);
            now.set(Instant.parse(instant));
        }
    }

    /** One control instance: its own etcd connection, pools, leadership and rollout. */
    private static final class Control implements AutoCloseable {
        final Coordinator coordinator;
        final Fleet fleet;
        final Leadership leadership;
        final Rollout rollout;
        final List<String> progress = new CopyOnWriteArrayList<>();

        Control(FleetConfig config, HandClock clock) throws InterruptedException {
            coordinator = Coordinator.connect(config.etcd());
            fleet = new Fleet(config);
            leadership = new Leadership(coordinator, config.instance());
            leadership.await(Duration.ofSeconds(30), progress::add).orElseThrow();
            Audit audit = new Audit(coordinator.store(), config.group(), config.instance());
            rollout = new Rollout(config, fleet, coordinator, leadership, audit, CrashPoints.none(), line -> {
                LOG.info("[{}] {}", config.instance(), line);
                progress.add(line);
            }, clock);
        }

        /** Stops this instance as a restart would: resigns, lets the run stop, then drops its connections. */
        RolloutOutcome stop(CompletableFuture<RolloutOutcome> run) throws Exception {
            leadership.close();
            RolloutOutcome outcome = run.get(30, TimeUnit.SECONDS);
            close();
            return outcome;
        }

        boolean said(String text) {
            return progress.stream().anyMatch(l -> l.contains(text));
        }

        @Override
        public void close() {
            leadership.close();
            coordinator.close();
            fleet.close();
        }
    }

    private final class World implements AutoCloseable {
        final String name;
        final Path config;
        final Path migrations;
        final Coordinator reader;

        World(String name, String policies) throws Exception {
            this.name = name;
            for (PostgresServer pg : PG) {
                pg.execute("CREATE DATABASE " + name);
                pg.executeIn(name, "CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL)");
            }
            migrations = Files.createDirectories(dir.resolve("migrations"));
            Files.writeString(migrations.resolve("0001-add-contact.yaml"), V1);
            config = dir.resolve("control.yaml");
            StringBuilder yaml = new StringBuilder("group: main\ninstance: control-a\netcd:\n  endpoints: [")
                    .append(String.join(", ", etcd.endpoints())).append("]\n  prefix: /t-").append(name)
                    .append("\n  lease_ttl: 3s\n  request_timeout: 1s\nclusters:\n");
            for (int i = 0; i < 3; i++) {
                yaml.append("  - {name: c").append(i + 1).append(", jdbc_url: \"").append(PG.get(i).jdbcUrl(name))
                        .append("\", user: ").append(PG.get(i).superuser()).append("}\n");
            }
            yaml.append("waves: [[c1], [c2], [c3]]\npolicies:\n  auto_rollback: false\n  error_window: off\n")
                    .append("  drain_timeout: 5m\n").append(policies);
            Files.writeString(config, yaml);
            reader = Coordinator.connect(new EtcdSettings(etcd.endpoints(), "/t-" + name, Duration.ofSeconds(10),
                    EtcdSettings.DEFAULT_RHO, Duration.ofMillis(500), Duration.ofSeconds(2)));
        }

        FleetConfig fleetConfig(String instance) {
            FleetConfigLoader.Result r = FleetConfigLoader.load(config);
            return assertInstanceOf(FleetConfigLoader.Result.Loaded.class, r, r::toString).config().withInstance(instance);
        }

        ManifestSet manifests() {
            ManifestSet set = ManifestSet.load(migrations);
            assertTrue(set.valid(), set.problems()::toString);
            return set;
        }

        List<HistoryRow> history(int cluster) throws SQLException {
            try (Connection c = PG.get(cluster).connect(name)) {
                return HistoryTable.rows(c);
            }
        }

        boolean expanded(int cluster) throws SQLException {
            return history(cluster).stream().anyMatch(r -> r.version() == 1 && r.phase().equals("expand")
                    && r.direction() == Direction.UP);
        }

        MigrationJournal journal() {
            return reader.store().get(reader.keys().migration("main"), MigrationJournal.class).join()
                    .map(Versioned::value).orElseThrow();
        }

        Optional<MigrationJournal.Wait> waiting() {
            return reader.store().get(reader.keys().migration("main"), MigrationJournal.class).join()
                    .map(j -> j.value().timing().waiting());
        }

        List<AuditRecord> audit(String action) {
            return reader.store().listAudit("main", 1, 10_000).join().stream()
                    .filter(a -> a.action().equals(action)).toList();
        }

        String status() {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = Cli.run(new String[]{"status", "--config", config.toString()}, new PrintWriter(out, true),
                    new PrintWriter(err, true));
            assertEquals(0, code, err::toString);
            return out.toString();
        }

        @Override
        public void close() {
            reader.close();
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after 60 s waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    private interface Check {
        boolean test() throws Exception;
    }

    private static BooleanSupplier quietly(Check check) {
        return () -> {
            try {
                return check.test();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
    }

    @Test
    void aRolloutWaitsForItsWindowAndItsCooldownAcrossAControlRestart() throws Exception {
        try (World w = new World("calendar", """
                  require_proxies: false
                  gate_timeout: 5m
                  cooldown: {expand: 1h}
                  windows: [{days: [mon-fri], from: "09:00", to: "17:00", zone: Europe/Berlin}]
                """)) {
            // Monday 7 December 2026, 17:30 in Berlin: the day's window has closed.
            HandClock clock = new HandClock("2026-12-07T16:30:00Z");
            ManifestSet set = w.manifests();
            Control a = new Control(w.fleetConfig("control-a"), clock);
            CompletableFuture<RolloutOutcome> first = CompletableFuture.supplyAsync(() -> a.rollout.apply(set, 1));

            await("waiting for the window", () -> w.waiting().map(x -> x.kind().equals("window")).orElse(false));
            MigrationJournal.Wait window = w.waiting().orElseThrow();
            assertEquals(Instant.parse("2026-12-08T08:00:00Z"), window.until());
            assertTrue(w.status().contains("waiting for rollout window until 2026-12-08T09:00+01:00"), w::status);
            assertTrue(!w.expanded(0), "nothing applied outside the window");

            // Tuesday 09:00: the canary runs; wave 1 then cools down for an hour.
            clock.set("2026-12-08T08:00:00Z");
            await("cooling down after the canary", () -> w.waiting().map(x -> x.kind().equals("cooldown")).orElse(false));
            assertEquals(Instant.parse("2026-12-08T09:00:00Z"), w.waiting().orElseThrow().until());
            assertTrue(w.expanded(0), "the canary ran inside the window");
            assertTrue(!w.expanded(1), "wave 1 waits for the cooldown");
            String status = w.status();
            assertTrue(status.contains("cooling down after wave 0 of expand V1 until 2026-12-08T10:00+01:00"), status);
            assertEquals(Instant.parse("2026-12-08T08:00:00Z"), w.journal().timing().previousWaveEnded());

            // Control restarts half-way through the cooldown.
            assertInstanceOf(RolloutOutcome.LostLeadership.class, a.stop(first));
            clock.set("2026-12-08T08:30:00Z");
            Control b = new Control(w.fleetConfig("control-b"), clock);
            CompletableFuture<RolloutOutcome> second = CompletableFuture.supplyAsync(() -> b.rollout.resume(set, 1));
            await("the resumed control honouring the cooldown",
                    () -> b.said("cooling down after wave 0 of expand V1 until 2026-12-08T10:00+01:00"));
            assertTrue(!w.expanded(1), "wave 1 did not start after the restart: the cooldown is still on");

            // The cooldown ends at 10:00; wave 1 runs and wave 2 cools down until 11:00.
            clock.set("2026-12-08T09:00:00Z");
            await("wave 1 applied", quietly(() -> w.expanded(1)));
            await("cooling down after wave 1", () -> w.waiting().map(x -> x.until()
                    .equals(Instant.parse("2026-12-08T10:00:00Z"))).orElse(false));
            assertTrue(!w.expanded(2));

            // Past the cooldown but after hours (17:30): wave 2 waits for Wednesday's window.
            clock.set("2026-12-08T16:30:00Z");
            await("waiting for Wednesday's window", () -> w.waiting().map(x -> x.kind().equals("window")
                    && x.until().equals(Instant.parse("2026-12-09T08:00:00Z"))).orElse(false));
            assertTrue(!w.expanded(2), "nothing applied outside the window");
            clock.set("2026-12-09T08:00:00Z");
            RolloutOutcome done = second.get(60, TimeUnit.SECONDS);
            assertInstanceOf(RolloutOutcome.Done.class, done, done::toString);
            assertTrue(w.expanded(2));
            b.close();

            // Each wave was admitted at the moment its cooldown and window allowed, by the audit.
            List<String> admitted = w.audit("wave-admitted").stream().map(r -> r.details().get("wave") + "@"
                    + r.details().get("at")).toList();
            assertEquals(List.of("0@2026-12-08T08:00:00Z", "1@2026-12-08T09:00:00Z", "2@2026-12-09T08:00:00Z"), admitted);
            assertEquals(2, w.audit("window-waiting").size(), w.audit("window-waiting")::toString);
            assertEquals(2, w.audit("cooldown-waiting").size(), "one per cooldown: the resumed control found it journaled");
        }
    }

    @Test
    void aGateWhoseTimeBoxEndsHaltsAndARestartDoesNotExtendIt() throws Exception {
        // Proxies required and none reporting: the gate after the canary cannot pass.
        try (World w = new World("gatebox", """
                  require_proxies: true
                  gate_timeout: 10m
                """)) {
            HandClock clock = new HandClock("2026-12-07T10:00:00Z");
            ManifestSet set = w.manifests();
            Control a = new Control(w.fleetConfig("control-a"), clock);
            CompletableFuture<RolloutOutcome> first = CompletableFuture.supplyAsync(() -> a.rollout.apply(set, 1));
            await("the gate waiting", () -> w.waiting().map(x -> x.kind().equals("gate")).orElse(false));
            assertEquals(Instant.parse("2026-12-07T10:10:00Z"), w.waiting().orElseThrow().until());
            assertTrue(w.status().contains("waiting for the gate after wave 0 of expand V1 until 2026-12-07T10:10Z"
                    + " (then halts): c1 has no proxy reporting"), w::status);
            assertTrue(w.expanded(0));

            // Restart six minutes into the box; the resumed gate keeps the box's end.
            clock.set("2026-12-07T10:06:00Z");
            assertInstanceOf(RolloutOutcome.LostLeadership.class, a.stop(first));
            Control b = new Control(w.fleetConfig("control-b"), clock);
            CompletableFuture<RolloutOutcome> second = CompletableFuture.supplyAsync(() -> b.rollout.resume(set, 1));
            await("the resumed gate waiting", () -> b.said("waiting for the gate after wave 0 of expand V1 until"
                    + " 2026-12-07T10:10Z"));
            assertTrue(!second.isDone(), "the gate has 4 minutes left");
            clock.set("2026-12-07T10:10:00Z");
            RolloutOutcome halted = second.get(60, TimeUnit.SECONDS);
            b.close();
            RolloutOutcome.Halted h = assertInstanceOf(RolloutOutcome.Halted.class, halted, halted::toString);
            assertTrue(h.reason().contains("timed out: its time box of 600000 ms (policy gate_timeout) ended at"
                    + " 2026-12-07T10:10Z: c1 has no proxy reporting"), h.reason());
            MigrationJournal j = w.journal();
            assertEquals(MigrationJournal.State.HALTED, j.state());
            assertEquals(null, j.timing().waiting(), "a halted run waits for nothing");
            assertTrue(w.expanded(0), "halted, not rolled back (auto_rollback: false)");
            assertTrue(!w.expanded(1), "wave 1 never started");
            assertEquals(1, w.audit("gate-failed").size());
        }
    }
}
