package io.fenceline.proxy.authority;

import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.EtcdSettings;
import io.fenceline.config.coordination.LeaseState;
import io.fenceline.config.coordination.StoredEntry;
import io.fenceline.config.group.ControlDatabase;
import io.fenceline.config.group.Failover;
import io.fenceline.config.group.GroupSettings;
import io.fenceline.config.records.AuditRecord;
import io.fenceline.config.records.HandoffRequest;
import io.fenceline.config.records.Mode;
import io.fenceline.config.records.ProxyStatus;
import io.fenceline.proxy.fence.DatabaseFence;
import io.fenceline.proxy.fence.PostgresReplicationLag;
import io.fenceline.testing.EtcdCluster;
import io.fenceline.testing.FaultLink;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two clusters of one group against a real three-member etcd and two real PostgreSQL servers, with logical
 * replication from cluster a to cluster b: exactly one gate open at a time, a partition of the writer from
 * etcd, the operator's modes, and planned handoffs that complete or abort. Every test uses its own group,
 * and every test asserts the {@link WriteIntervalChecker} over both gates.
 * etcd: TTL 3 s, rho 1%, margin 500 ms, request timeout 1 s.
 */
class WriterAuthorityIT {

    private static final Logger LOG = LoggerFactory.getLogger(WriterAuthorityIT.class);
    private static final Duration TTL = Duration.ofSeconds(3);
    private static final Duration MARGIN = Duration.ofMillis(500);
    private static final AtomicInteger GROUPS = new AtomicInteger();

    private static EtcdCluster etcd;
    private static PostgresServer pgA;
    private static PostgresServer pgB;
    private static final List<FaultLink> links = new ArrayList<>();

    private final List<AutoCloseable> open = new ArrayList<>();
    private final WriteIntervalChecker checker = new WriteIntervalChecker();

    @BeforeAll
    static void start() {
        etcd = EtcdCluster.start(3);
        pgA = PostgresServer.builder().start();
        pgB = PostgresServer.builder().start();
        for (PostgresServer pg : List.of(pgA, pgB)) {
            pg.execute("CREATE TABLE t (id bigint PRIMARY KEY, cluster text NOT NULL)");
        }
        pgA.execute("CREATE PUBLICATION pub_a FOR TABLE t");
        pgB.execute("CREATE SUBSCRIPTION sub_a CONNECTION 'host=127.0.0.1 port=" + pgA.port()
                + " user=postgres dbname=postgres' PUBLICATION pub_a");
        for (int i = 0; i < etcd.size(); i++) {
            links.add(FaultLink.start("127.0.0.1", etcd.member(i).clientPort()));
        }
    }

    @AfterAll
    static void stop() {
        links.forEach(FaultLink::close);
        for (AutoCloseable c : new AutoCloseable[] {pgB, pgA, etcd}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                LOG.warn("closing {} failed", c, e);
            }
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        links.forEach(FaultLink::pass);
        Collections.reverse(open);
        for (AutoCloseable c : open) {
            c.close();
        }
        checker.assertNoOverlap();
    }

    /** One proxy: its coordinator, database fence and authority. */
    private record Proxy(String cluster, Coordinator etcd, DatabaseFence fence, WriterAuthority authority) {
        WriteGate gate() {
            return authority.gate();
        }

        boolean allows() {
            return gate().allows(System.nanoTime());
        }
    }

    private Proxy proxy(String group, String cluster, PostgresServer pg, String subscription, boolean viaLinks,
                        Failover failover) {
        return proxy(group, cluster, pg, subscription, viaLinks, failover, SessionFence.NONE,
                GroupSettings.DEFAULT_MAX_LAG_BYTES);
    }

    private Proxy proxy(String group, String cluster, PostgresServer pg, String subscription, boolean viaLinks,
                        Failover failover, SessionFence sessions) {
        return proxy(group, cluster, pg, subscription, viaLinks, failover, sessions, GroupSettings.DEFAULT_MAX_LAG_BYTES);
    }

    private Proxy proxy(String group, String cluster, PostgresServer pg, String subscription, boolean viaLinks,
                        Failover failover, SessionFence sessions, long maxLagBytes) {
        List<String> endpoints = viaLinks ? links.stream().map(l -> "http://127.0.0.1:" + l.port()).toList()
                : etcd.endpoints();
        Coordinator c = Coordinator.connect(EtcdSettings.defaults(endpoints).withLease(TTL, MARGIN));
        open.add(c);
        DatabaseFence fence = new DatabaseFence(new ControlDatabase(pg.jdbcUrl("postgres"), pg.superuser(), null,
                subscription, Duration.ofSeconds(2)), Set::of, DatabaseFence.OpenWriters.CANCEL_AND_TERMINATE);
        open.add(fence);
        GroupSettings settings = new GroupSettings(group, cluster, "p-" + cluster, "a", List.of("a", "b"), failover,
                maxLagBytes, Duration.ofSeconds(5), Duration.ofSeconds(10),
                Duration.ofMillis(200));
        WriterAuthority authority = new WriterAuthority(settings, c, fence, sessions,
                new PostgresReplicationLag(fence.dataSource(), subscription, 2), WriterAuthority.Sessions.NONE);
        authority.gate().addListener(checker.listener(cluster));
        open.add(authority);
        authority.start();
        return new Proxy(cluster, c, fence, authority);
    }

    private static String group() {
        return "g" + GROUPS.incrementAndGet() + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting until " + what);
            }
            Thread.sleep(2);
        }
    }

    private static String insertState(PostgresServer pg, long id) {
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO t VALUES (" + id + ", 'direct')");
            return "ok";
        } catch (SQLException e) {
            return e.getSQLState();
        }
    }

    private List<String> auditActions(Proxy p, String group) throws Exception {
        return p.etcd().store().listAudit(group, 1, 1000).get(5, TimeUnit.SECONDS).stream()
                .map(AuditRecord::action).toList();
    }

    @Test
    void exactlyOneWriterAndAPartitionedWriterDeniesBeforeTheOtherAcquires() throws Exception {
        String group = group();
        List<String> steps = Collections.synchronizedList(new ArrayList<>());
        SessionFence recording = new SessionFence() {
            @Override
            public void rollbackWritingCommits(String reason) {
                steps.add("rollbackWritingCommits");
            }

            @Override
            public void cancelRunningWrites(String reason) {
                steps.add("cancelRunningWrites");
            }

            @Override
            public void resume() {
                steps.add("resume");
            }
        };
        Proxy a = proxy(group, "a", pgA, null, true, Failover.AUTOMATIC, recording);
        a.gate().addListener((from, to, at) -> steps.add(to.open() ? "gate open" : from.open() ? "gate closed" : "gate"));
        await("a is the writer", Duration.ofSeconds(20), a::allows);
        await("a's gate listener saw it open", Duration.ofSeconds(5), () -> snapshot(steps).contains("gate open"));
        List<String> opening = snapshot(steps);
        assertEquals(List.of("resume", "gate open"), opening.subList(opening.size() - 2, opening.size()),
                "sessions resumed before the gate opened: " + opening);
        Proxy b = proxy(group, "b", pgB, "sub_a", false, Failover.AUTOMATIC);
        await("b is eligible (caught up with a's published WAL position)", Duration.ofSeconds(20),
                () -> b.authority().eligible());
        assertFalse(b.allows(), "b must not write while a holds the key");
        await("both proxies published their status under their leases", Duration.ofSeconds(10), () -> {
            ProxyStatus sa = status(b, group, "a");
            ProxyStatus sb = status(b, group, "b");
            return sa != null && sa.writer() && sa.epoch() > 0 && sa.deadlineSlackMillis() > 0
                    && sa.mode() == Mode.WRITABLE && sa.lagBytes() != null && sa.lagBytes() == 0
                    && sb != null && !sb.writer() && sb.epoch() == 0 && sb.lagBytes() != null
                    && sb.lease() == ((LeaseState.Held) b.etcd().leaseKeeper().state()).leaseId();
        });
        assertEquals("25006", insertState(pgB, System.nanoTime()), "b's database is fenced");
        assertEquals("ok", insertState(pgA, System.nanoTime()), "a's database is writable");

        LinkedBlockingQueue<Long> aClosed = new LinkedBlockingQueue<>();
        a.gate().addListener((from, to, at) -> {
            if (from.open() && !to.open()) {
                aClosed.add(at);
            }
        });
        // At the instant a's lease is lost (its gate already refuses from the deadline on), ask etcd directly
        // whether a's key still exists: it must, or a would have been writing after etcd let it go.
        String writerKey = b.etcd().keys().writer(group);
        long aEpoch = ((WriteGate.Standing.Open) a.gate().standing()).epoch();
        CompletableFuture<Optional<StoredEntry>> keyAtLoss = new CompletableFuture<>();
        AtomicLong aDeadline = new AtomicLong();
        a.etcd().leaseKeeper().addListener((from, to) -> {
            if (from instanceof LeaseState.Held held && to instanceof LeaseState.Lost && aDeadline.get() == 0) {
                aDeadline.set(held.deadlineNanos());
                b.etcd().store().getEntry(writerKey).whenComplete((e, error) -> {
                    if (error != null) {
                        keyAtLoss.completeExceptionally(error);
                    } else {
                        keyAtLoss.complete(e);
                    }
                });
            }
        });
        links.forEach(FaultLink::blackhole);
        long partitionedAt = System.nanoTime();
        await("b is the writer", Duration.ofSeconds(30), b::allows);
        await("b's opening recorded", Duration.ofSeconds(5), () -> !checker.intervals("b").isEmpty());
        long bOpenedAt = checker.intervals("b").get(0).from();
        Long aClosedAt = aClosed.poll(1, TimeUnit.SECONDS);
        assertNotNull(aClosedAt, "a's gate closed");
        Optional<StoredEntry> atLoss = keyAtLoss.get(5, TimeUnit.SECONDS);
        assertTrue(atLoss.isPresent() && atLoss.get().createRevision() == aEpoch,
                "etcd still held a's key (epoch " + aEpoch + ") when a stopped: " + atLoss);
        LOG.info("partition: a's deadline {} ms after the partition, its gate closed {} ms after that; b's gate "
                        + "opened {} ms after a's deadline", (aDeadline.get() - partitionedAt) / 1_000_000,
                (aClosedAt - aDeadline.get()) / 1_000_000, (bOpenedAt - aDeadline.get()) / 1_000_000);
        assertTrue(aDeadline.get() < bOpenedAt && aClosedAt < bOpenedAt, "a stopped before b started");
        List<String> fencing = snapshot(steps);
        int closedAt = fencing.indexOf("gate closed");
        assertEquals(List.of("gate closed", "rollbackWritingCommits", "cancelRunningWrites"),
                fencing.subList(closedAt, closedAt + 3), "fencing order: " + fencing);
        await("a's database fenced", Duration.ofSeconds(10), () -> "25006".equals(insertState(pgA, System.nanoTime())));
        assertEquals("ok", insertState(pgB, System.nanoTime()), "b's database was unfenced");

        links.forEach(FaultLink::pass);
        await("a holds a new lease again", Duration.ofSeconds(20),
                () -> a.etcd().leaseKeeper().writable(System.nanoTime()));
        assertFalse(a.allows(), "a does not write again while b holds the key");
        assertTrue(b.allows());
    }

    @Test
    void operatorReadOnlyAndPausedApplyWithinAHundredMilliseconds() throws Exception {
        String group = group();
        Proxy a = proxy(group, "a", pgA, null, false, Failover.AUTOMATIC);
        await("a is the writer", Duration.ofSeconds(20), a::allows);
        LinkedBlockingQueue<long[]> changes = new LinkedBlockingQueue<>();
        a.gate().addListener((from, to, at) -> changes.add(new long[] {kind(to), at}));
        String key = a.etcd().keys().mode(group, "a");
        List<Long> latencies = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String text = i % 2 == 0 ? "read-only" : "paused";
            long expected = i % 2 == 0 ? 0 : 1;
            changes.clear();
            long before = System.nanoTime();
            a.etcd().store().putText(key, text).get(5, TimeUnit.SECONDS);
            long at = awaitChange(changes, expected);
            latencies.add((at - before) / 1_000);
            if (expected == 0) {
                assertInstanceOf(Decision.Deny.class, a.gate().decide(System.nanoTime()));
            } else {
                assertInstanceOf(Decision.Hold.class, a.gate().decide(System.nanoTime()));
            }
            a.etcd().store().putText(key, "writable").get(5, TimeUnit.SECONDS);
            await("a writes again", Duration.ofSeconds(10), a::allows);
        }
        Collections.sort(latencies);
        long median = (latencies.get(9) + latencies.get(10)) / 2;
        System.out.println("[authority] operator mode change applied to the gate: median " + median / 1000.0
                + " ms, max " + latencies.get(19) / 1000.0 + " ms over 20 flips (put sent -> gate changed)");
        assertTrue(median < 100_000, "median " + median + " us");
        List<String> actions = auditActions(a, group);
        assertTrue(actions.stream().filter("mode.applied"::equals).count() >= 20, actions.toString());
    }

    private static long kind(WriteGate.Standing s) {
        return s instanceof WriteGate.Standing.Closed ? 0 : s instanceof WriteGate.Standing.Paused ? 1 : 2;
    }

    private static long awaitChange(LinkedBlockingQueue<long[]> changes, long expectedKind) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < end) {
            long[] c = changes.poll(100, TimeUnit.MILLISECONDS);
            if (c != null && c[0] == expectedKind) {
                return c[1];
            }
        }
        throw new AssertionError("the gate did not change to kind " + expectedKind + " within 5 s");
    }

    @Test
    void plannedHandoffToACaughtUpTargetCompletes() throws Exception {
        String group = group();
        Proxy a = proxy(group, "a", pgA, null, false, Failover.MANUAL);
        await("a is the writer", Duration.ofSeconds(20), a::allows);
        Proxy b = proxy(group, "b", pgB, "sub_a", false, Failover.MANUAL);
        List<Long> written = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            long id = System.nanoTime();
            assertEquals("ok", insertState(pgA, id));
            written.add(id);
        }
        LinkedBlockingQueue<Decision> heldThenAnswered = new LinkedBlockingQueue<>();
        a.gate().addListener((from, to, at) -> {
            if (to instanceof WriteGate.Standing.Paused) {
                heldThenAnswered.add(a.gate().decide(at));
            } else if (from instanceof WriteGate.Standing.Paused) {
                heldThenAnswered.add(a.gate().decide(at));
            }
        });
        Load load = new Load(List.of(a, b));
        Thread client = new Thread(load, "handoff-load");
        client.start();
        await("some writes acknowledged by a under load", Duration.ofSeconds(10), () -> load.acked.size() > 20);
        a.etcd().store().put(a.etcd().keys().handoff(group), new HandoffRequest("h1", "b", "test", Instant.now(),
                10_000)).get(5, TimeUnit.SECONDS);
        await("b is the writer", Duration.ofSeconds(20), b::allows);
        int ackedAtSwitch = load.acked.size();
        await("writes acknowledged by b under load", Duration.ofSeconds(10), () -> load.acked.size() > ackedAtSwitch + 20);
        load.stop = true;
        client.join(10_000);
        load.closeConnections();
        written.addAll(load.acked);
        System.out.println("[authority] handoff under load: " + load.acked.size() + " writes acknowledged ("
                + load.ackedBy.get("a") + " by a, " + load.ackedBy.get("b") + " by b), " + load.errors.size()
                + " database errors " + load.errors + ", longest hold " + load.longestHoldNanos / 1_000_000 + " ms");
        assertTrue(load.ackedBy.get("a") > 0 && load.ackedBy.get("b") > 0, "both clusters wrote in turn");
        assertFalse(a.allows());
        Decision held = heldThenAnswered.poll(1, TimeUnit.SECONDS);
        Decision answered = heldThenAnswered.poll(1, TimeUnit.SECONDS);
        assertInstanceOf(Decision.Hold.class, held, "writes were held during the pause");
        Decision.Deny deny = assertInstanceOf(Decision.Deny.class, answered, "held writes then get 25006");
        assertEquals("25006", deny.sqlState());
        assertTrue(deny.message().contains("handed"), deny.message());
        await("handoff completed in the audit", Duration.ofSeconds(10),
                () -> uncheckedActions(a, group).contains("handoff.completed"));
        List<String> actions = auditActions(a, group);
        for (String step : List.of("handoff.started", "handoff.paused", "handoff.caught-up", "handoff.released",
                "handoff.completed")) {
            assertTrue(actions.contains(step), step + " missing from " + actions);
        }
        await("b's acquisition audited", Duration.ofSeconds(5), () -> uncheckedRecords(a, group).stream()
                .anyMatch(r -> r.action().equals("writer.acquired") && "b".equals(r.cluster())));
        String ids = written.stream().map(String::valueOf).reduce((x, y) -> x + "," + y).orElseThrow();
        assertEquals(Integer.toString(written.size()), pgB.queryValue("postgres",
                        "SELECT count(*) FROM t WHERE id IN (" + ids + ")"),
                "every write acknowledged by a is on b");
        assertEquals("25006", insertState(pgA, System.nanoTime()));
        assertEquals("ok", insertState(pgB, System.nanoTime()));
        assertTrue(a.etcd().store().getEntry(a.etcd().keys().handoff(group)).get(5, TimeUnit.SECONDS).isEmpty(),
                "the request is removed when done");
    }

    /**
     * A client that writes unique ids all the time: it asks a cluster's gate at the moment of writing (as the
     * proxy will), writes to that cluster's database when allowed, waits while held, and "reconnects" to the
     * other cluster when denied. Records every acknowledged id.
     */
    private static final class Load implements Runnable {
        final List<Proxy> proxies;
        final List<Long> acked = java.util.Collections.synchronizedList(new ArrayList<>());
        final java.util.Map<String, Integer> ackedBy = new java.util.concurrent.ConcurrentHashMap<>();
        final List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        volatile boolean stop;
        volatile long longestHoldNanos;

        Load(List<Proxy> proxies) {
            this.proxies = proxies;
            proxies.forEach(p -> ackedBy.put(p.cluster(), 0));
        }

        @Override
        public void run() {
            int current = 0;
            Decision.Hold firstHold = null;
            long id = System.nanoTime();
            while (!stop) {
                Proxy p = proxies.get(current);
                PostgresServer pg = p.cluster().equals("a") ? pgA : pgB;
                long now = System.nanoTime();
                Decision d = p.gate().decide(now);
                if (d instanceof Decision.Hold hold) {
                    firstHold = firstHold == null ? hold : firstHold;
                    if (now >= firstHold.untilNanos()) {
                        errors.add(firstHold.timedOut(now).sqlState());
                        firstHold = null;
                    }
                    sleepQuietly();
                    continue;
                }
                if (firstHold != null) {
                    longestHoldNanos = Math.max(longestHoldNanos, now - firstHold.sinceNanos());
                    firstHold = null;
                }
                if (d instanceof Decision.Deny) {
                    current = (current + 1) % proxies.size();
                    sleepQuietly();
                    continue;
                }
                id++;
                String outcome = insert(p.cluster(), pg, id);
                if (outcome.equals("ok")) {
                    acked.add(id);
                    ackedBy.merge(p.cluster(), 1, Integer::sum);
                } else {
                    errors.add(p.cluster() + ":" + outcome);
                }
            }
        }

        private final java.util.Map<String, Connection> connections = new java.util.HashMap<>();

        /** Inserts on a connection kept open per cluster, as a pool would; the gate was asked just before. */
        private String insert(String cluster, PostgresServer pg, long id) {
            try {
                Connection c = connections.get(cluster);
                if (c == null || c.isClosed()) {
                    c = pg.connect();
                    connections.put(cluster, c);
                }
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("INSERT INTO t VALUES (" + id + ", '" + cluster + "')");
                }
                return "ok";
            } catch (SQLException e) {
                return e.getSQLState();
            }
        }

        void closeConnections() {
            for (Connection c : connections.values()) {
                try {
                    c.close();
                } catch (SQLException e) {
                    LOG.debug("closing a load connection failed", e);
                }
            }
        }

        private static void sleepQuietly() {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void subscription(String action) throws SQLException {
        try (Connection c = pgB.connect(); Statement s = c.createStatement()) {
            s.execute("SET default_transaction_read_only = off");
            s.execute("ALTER SUBSCRIPTION sub_a " + action);
        }
    }

    private static List<String> snapshot(List<String> synchronizedList) {
        synchronized (synchronizedList) {
            return new ArrayList<>(synchronizedList);
        }
    }

    /** The proxy's process ends: authority stopped, lease revoked (its writer key goes with it). */
    private void stopProxy(Proxy p) {
        p.authority().close();
        p.etcd().close();
        open.remove(p.authority());
        open.remove(p.etcd());
    }

    @Test
    void withManualFailoverNobodyTakesOverUntilTheOperatorAsksThenTheTargetDoes() throws Exception {
        String group = group();
        Proxy a = proxy(group, "a", pgA, null, false, Failover.MANUAL);
        await("a is the writer", Duration.ofSeconds(20), a::allows);
        Proxy b = proxy(group, "b", pgB, "sub_a", false, Failover.MANUAL);
        await("b's lag is known", Duration.ofSeconds(10), () -> {
            ProxyStatus st = status(b, group, "b");
            return st != null && st.lagBytes() != null;
        });
        String writerKey = b.etcd().keys().writer(group);
        stopProxy(a);
        assertTrue(b.etcd().store().getEntry(writerKey).get(5, TimeUnit.SECONDS).isEmpty(), "a's key went with its lease");
        // Observe for three status intervals (b re-evaluates eligibility at each): b must stay out.
        long until = System.nanoTime() + Duration.ofMillis(600).toNanos();
        while (System.nanoTime() < until) {
            assertFalse(b.authority().eligible(), "manual failover: b must not campaign by itself");
            Thread.sleep(20);
        }
        assertTrue(b.etcd().store().getEntry(writerKey).get(5, TimeUnit.SECONDS).isEmpty());
        b.etcd().store().put(b.etcd().keys().handoff(group), new HandoffRequest("manual-1", "b", "operator",
                Instant.now(), 10_000)).get(5, TimeUnit.SECONDS);
        await("b is the writer", Duration.ofSeconds(20), b::allows);
        await("completion audited", Duration.ofSeconds(5), () -> uncheckedActions(b, group).contains("handoff.completed"));
        assertTrue(b.etcd().store().getEntry(b.etcd().keys().handoff(group)).get(5, TimeUnit.SECONDS).isEmpty());
        assertEquals("ok", insertState(pgB, System.nanoTime()));
    }

    @Test
    void withAutomaticFailoverALaggingCandidateWaitsUntilItCaughtUp() throws Exception {
        String group = group();
        Proxy a = proxy(group, "a", pgA, null, false, Failover.AUTOMATIC);
        await("a is the writer", Duration.ofSeconds(20), a::allows);
        // A bound of 0 bytes: b may take over only with everything a published applied.
        Proxy b = proxy(group, "b", pgB, "sub_a", false, Failover.AUTOMATIC, SessionFence.NONE, 0);
        await("b eligible while caught up", Duration.ofSeconds(10), () -> b.authority().eligible());
        subscription("DISABLE");
        try {
            for (int i = 0; i < 20; i++) {
                assertEquals("ok", insertState(pgA, System.nanoTime()));
            }
            await("b no longer eligible: a published a WAL position b has not applied", Duration.ofSeconds(10),
                    () -> !b.authority().eligible());
            stopProxy(a);
            long until = System.nanoTime() + Duration.ofMillis(600).toNanos();
            while (System.nanoTime() < until) {
                assertFalse(b.allows(), "a lagging candidate must not take over");
                Thread.sleep(20);
            }
        } finally {
            subscription("ENABLE");
        }
        await("b caught up and took over", Duration.ofSeconds(30), b::allows);
        assertEquals("ok", insertState(pgB, System.nanoTime()));
    }

    private static ProxyStatus status(Proxy reader, String group, String cluster) {
        return status(reader.etcd(), group, cluster);
    }

    private static ProxyStatus status(Coordinator reader, String group, String cluster) {
        try {
            return reader.store().get(reader.keys().proxy(group, cluster, "p-" + cluster),
                    ProxyStatus.class).get(5, TimeUnit.SECONDS).map(v -> v.value()).orElse(null);
        } catch (Exception e) {
            return null;
        }
    }

    private List<AuditRecord> uncheckedRecords(Proxy p, String group) {
        try {
            return p.etcd().store().listAudit(group, 1, 1000).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            return List.of();
        }
    }

    private List<String> uncheckedActions(Proxy p, String group) {
        try {
            return auditActions(p, group);
        } catch (Exception e) {
            return List.of();
        }
    }

    @Test
    void plannedHandoffToALaggingTargetAbortsAndTheOldWriterWritesAgain() throws Exception {
        String group = group();
        Proxy a = proxy(group, "a", pgA, null, false, Failover.MANUAL);
        await("a is the writer", Duration.ofSeconds(20), a::allows);
        Proxy b = proxy(group, "b", pgB, "sub_a", false, Failover.MANUAL);
        // b is fenced (not the writer): lift the fence for this session only.
        subscription("DISABLE");
        try {
            assertEquals("ok", insertState(pgA, System.nanoTime()));
            a.etcd().store().put(a.etcd().keys().handoff(group), new HandoffRequest("h2", "b", "test",
                    Instant.now(), 1_500)).get(5, TimeUnit.SECONDS);
            await("a paused", Duration.ofSeconds(5), () -> a.gate().standing() instanceof WriteGate.Standing.Paused);
            await("a writes again after the abort", Duration.ofSeconds(10), a::allows);
            Predicate<List<String>> aborted = actions -> actions.contains("handoff.aborted");
            await("abort audited", Duration.ofSeconds(5), () -> aborted.test(uncheckedActions(a, group)));
            assertFalse(uncheckedActions(a, group).contains("handoff.released"));
            assertFalse(b.allows());
            assertTrue(checker.intervals("b").isEmpty(), "b never opened");
            assertEquals("ok", insertState(pgA, System.nanoTime()), "a's database writable again");
            assertTrue(a.etcd().store().getEntry(a.etcd().keys().handoff(group)).get(5, TimeUnit.SECONDS).isEmpty());
        } finally {
            subscription("ENABLE");
        }
    }

    /**
     * The operator replaces a request the writer pauses for (its target lagging) with one to a target that can
     * catch up: the writer ends the first at once instead of waiting out its timeout (a minute here) and carries
     * out the second. Before the fix it stayed paused for the first, then its abort deleted the second.
     */
    @Test
    void aRequestReplacedDuringThePauseEndsTheOldOneAndTheNewOneCompletes() throws Exception {
        String group = group();
        Proxy a = proxy(group, "a", pgA, null, false, Failover.MANUAL);
        await("a is the writer", Duration.ofSeconds(20), a::allows);
        Proxy b = proxy(group, "b", pgB, "sub_a", false, Failover.MANUAL);
        String requestKey = a.etcd().keys().handoff(group);
        subscription("DISABLE");
        try {
            assertEquals("ok", insertState(pgA, System.nanoTime()));
            a.etcd().store().put(requestKey, new HandoffRequest("h-old", "b", "test", Instant.now(), 60_000))
                    .get(5, TimeUnit.SECONDS);
            await("a paused for h-old", Duration.ofSeconds(5),
                    () -> a.gate().standing() instanceof WriteGate.Standing.Paused);
            await("h-old paused", Duration.ofSeconds(10),
                    () -> uncheckedActions(a, group).contains("handoff.paused"));
        } finally {
            subscription("ENABLE");
        }
        a.etcd().store().put(requestKey, new HandoffRequest("h-new", "b", "test", Instant.now(), 60_000))
                .get(5, TimeUnit.SECONDS);
        // Well inside h-old's minute: the pause of h-old must not outlive its replacement.
        await("b is the writer by h-new", Duration.ofSeconds(30), b::allows);
        await("h-new completed", Duration.ofSeconds(10), () -> uncheckedRecords(a, group).stream()
                .anyMatch(r -> r.action().equals("handoff.completed") && "h-new".equals(r.details().get("request"))));
        assertTrue(uncheckedRecords(a, group).stream().anyMatch(r -> r.action().equals("handoff.aborted")
                && "h-old".equals(r.details().get("request"))
                && r.details().getOrDefault("why", "").contains("superseded")), "h-old ended as superseded");
        assertEquals("ok", insertState(pgB, System.nanoTime()));
        assertEquals("25006", insertState(pgA, System.nanoTime()));
        assertTrue(a.etcd().store().getEntry(requestKey).get(5, TimeUnit.SECONDS).isEmpty());
    }

    /**
     * A request withdrawn within the moment between the pause and the drain: the drain must not start after the
     * abort made the database writable again, or the writer keeps an open gate over a fenced database (no write
     * succeeds anywhere: the liveness failure bin/faults --seed 7 found).
     */
    @Test
    void aRequestWithdrawnAtOnceLeavesTheWritersDatabaseWritable() throws Exception {
        String group = group();
        Proxy a = proxy(group, "a", pgA, null, false, Failover.MANUAL);
        await("a is the writer", Duration.ofSeconds(20), a::allows);
        Proxy b = proxy(group, "b", pgB, "sub_a", false, Failover.MANUAL);
        String requestKey = a.etcd().keys().handoff(group);
        // Withdrawn the moment a pauses (from the gate's own listener), to land inside the 50 ms before the drain.
        java.util.concurrent.atomic.AtomicBoolean withdrawn = new java.util.concurrent.atomic.AtomicBoolean();
        a.gate().addListener((from, to, at) -> {
            if (to instanceof WriteGate.Standing.Paused p && p.reason().contains("h-gone")
                    && withdrawn.compareAndSet(false, true)) {
                a.etcd().store().delete(requestKey);
            }
        });
        a.etcd().store().put(requestKey, new HandoffRequest("h-gone", "b", "test", Instant.now(), 60_000))
                .get(5, TimeUnit.SECONDS);
        await("abort audited", Duration.ofSeconds(10), () -> uncheckedActions(a, group).contains("handoff.aborted"));
        await("a writes again", Duration.ofSeconds(10), a::allows);
        // The drain would have come 50 ms after the pause, and fenced within a few more: watch for a second.
        for (int i = 0; i < 20; i++) {
            assertEquals("ok", insertState(pgA, System.nanoTime()), "a's database stays writable under its open gate");
            Thread.sleep(50);
        }
        assertTrue(a.allows());
        assertFalse(b.allows());
    }

    /**
     * The old writer stops while it pauses for a handoff whose target cannot catch up: nobody is left to end the
     * request, and the target waits for a CAUGHT_UP that never comes. After the request's timeout (plus a margin)
     * every proxy stops honouring it and automatic failover chooses the writer again (bin/faults seed 312).
     */
    @Test
    void aHandoffLeftByAWriterThatStoppedIsWithdrawnAfterItsTimeout() throws Exception {
        String group = group();
        Proxy a = proxy(group, "a", pgA, null, false, Failover.AUTOMATIC);
        await("a is the writer", Duration.ofSeconds(20), a::allows);
        Proxy b = proxy(group, "b", pgB, "sub_a", false, Failover.AUTOMATIC);
        String requestKey = a.etcd().keys().handoff(group);
        // b has measured its applied position (within the lag bound) before it stops applying.
        await("b eligible while caught up", Duration.ofSeconds(10), () -> b.authority().eligible());
        subscription("DISABLE");
        try {
            assertEquals("ok", insertState(pgA, System.nanoTime()));
            a.etcd().store().put(requestKey, new HandoffRequest("h-left", "b", "test", Instant.now(), 1_000))
                    .get(5, TimeUnit.SECONDS);
            await("h-left paused", Duration.ofSeconds(10), () -> uncheckedActions(b, group).contains("handoff.paused"));
            stopProxy(a);
            await("b is the writer once h-left expired", Duration.ofSeconds(30), b::allows);
            await("the expiry audited", Duration.ofSeconds(10),
                    () -> uncheckedActions(b, group).contains("handoff.expired"));
            assertTrue(b.etcd().store().getEntry(requestKey).get(5, TimeUnit.SECONDS).isEmpty(), "the request is gone");
        } finally {
            subscription("ENABLE");
        }
    }

    /** A request naming the current writer completes at once (bin/faults seed 7 asks for one). */
    @Test
    void aRequestToTheCurrentWriterCompletesAtOnce() throws Exception {
        String group = group();
        Proxy a = proxy(group, "a", pgA, null, false, Failover.MANUAL);
        await("a is the writer", Duration.ofSeconds(20), a::allows);
        String requestKey = a.etcd().keys().handoff(group);
        a.etcd().store().put(requestKey, new HandoffRequest("h-self", "a", "test", Instant.now(), 60_000))
                .get(5, TimeUnit.SECONDS);
        await("h-self completed and its request deleted", Duration.ofSeconds(20), () -> uncheckedRecords(a, group)
                .stream().anyMatch(r -> r.action().equals("handoff.completed") && "h-self".equals(r.details().get("request")))
                && a.etcd().store().getEntry(requestKey).join().isEmpty());
        assertTrue(a.allows());
        assertEquals("ok", insertState(pgA, System.nanoTime()));
    }

    @Test
    void aClusterOutsideTheCandidatesAndAReadOnlyPreferredClusterNeverTakeTheKey() throws Exception {
        String group = group();
        Coordinator c = Coordinator.connect(EtcdSettings.defaults(etcd.endpoints()).withLease(TTL, MARGIN));
        open.add(c);
        c.store().putText(c.keys().mode(group, "a"), "read-only").get(5, TimeUnit.SECONDS);
        Proxy a = proxy(group, "a", pgA, null, false, Failover.AUTOMATIC);
        Proxy outsider = proxy(group, "c", pgB, null, false, Failover.AUTOMATIC);
        await("a read its mode", Duration.ofSeconds(10), () -> a.gate().standing() instanceof WriteGate.Standing.Closed
                && ((WriteGate.Standing.Closed) a.gate().standing()).deny().message().contains("operator"));
        await("both published a status", Duration.ofSeconds(10),
                () -> status(c, group, "a") != null && status(c, group, "c") != null);
        // Observe for three status intervals (each re-evaluates eligibility): nobody may campaign.
        long until = System.nanoTime() + Duration.ofMillis(600).toNanos();
        while (System.nanoTime() < until) {
            assertFalse(a.authority().eligible(), "read-only a must not campaign");
            assertFalse(outsider.authority().eligible(), "c is not a candidate");
            Thread.sleep(20);
        }
        assertTrue(c.store().getEntry(c.keys().writer(group)).get(5, TimeUnit.SECONDS).isEmpty(), "nobody took the key");
        c.store().putText(c.keys().mode(group, "a"), "writable").get(5, TimeUnit.SECONDS);
        await("a is the writer once writable", Duration.ofSeconds(20), a::allows);
        assertFalse(outsider.allows());
    }
}
