package io.fenceline.proxy.authority;

import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.EtcdSettings;
import io.fenceline.config.group.ControlDatabase;
import io.fenceline.config.group.Failover;
import io.fenceline.config.group.GroupSettings;
import io.fenceline.config.records.AuditRecord;
import io.fenceline.config.records.HandoffRequest;
import io.fenceline.config.records.WalPosition;
import io.fenceline.proxy.fence.DatabaseFence;
import io.fenceline.proxy.fence.PostgresReplicationLag;
import io.fenceline.testing.EtcdCluster;
import io.fenceline.testing.FaultLink;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.fenceline.proxy.authority.WriterAuthorityIT.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The review's findings about failover and handoff (issue 14), each against real PostgreSQL and etcd: three
 * clusters with logical replication a → b and a → c (slots {@code b_from_a}, {@code c_from_a}), a one-member etcd
 * that cluster a reaches through a {@link FaultLink}. Verdicts come from the databases' rows and etcd's keys.
 * Cluster a allows prepared transactions. etcd: TTL 3 s, margin 500 ms.
 */
class AuthorityFaultsIT {

    private static final Duration TTL = Duration.ofSeconds(3);
    private static final Duration MARGIN = Duration.ofMillis(500);
    private static final AtomicInteger GROUPS = new AtomicInteger();

    private static EtcdCluster etcd;
    private static FaultLink link;
    private static PostgresServer pgA;
    private static PostgresServer pgB;
    private static PostgresServer pgC;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final WriteIntervalChecker checker = new WriteIntervalChecker();

    @BeforeAll
    static void start() {
        etcd = EtcdCluster.start(1);
        link = FaultLink.start("127.0.0.1", etcd.member(0).clientPort());
        pgA = PostgresServer.builder().setting("max_prepared_transactions", "5").start();
        pgB = PostgresServer.builder().setting("wal_receiver_status_interval", "1s").start();
        pgC = PostgresServer.builder().setting("wal_receiver_status_interval", "1s").start();
        for (PostgresServer pg : List.of(pgA, pgB, pgC)) {
            pg.execute("CREATE TABLE t (id bigint PRIMARY KEY, cluster text NOT NULL)");
        }
        pgA.execute("CREATE PUBLICATION pub_a FOR TABLE t");
        for (var sub : List.of(java.util.Map.entry(pgB, "b_from_a"), java.util.Map.entry(pgC, "c_from_a"))) {
            sub.getKey().execute("CREATE SUBSCRIPTION " + sub.getValue() + " CONNECTION 'host=127.0.0.1 port="
                    + pgA.port() + " user=postgres dbname=postgres' PUBLICATION pub_a");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {link, pgC, pgB, pgA, etcd}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        link.pass();
        Collections.reverse(open);
        for (AutoCloseable c : open) {
            c.close();
        }
        checker.assertNoOverlap();
    }

    /** What the fence reported to the "sessions" of a proxy: its backends holding a transaction id. */
    private static final class Reported implements SessionFence {
        final Set<Integer> ours = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final List<Set<Integer>> reported = new CopyOnWriteArrayList<>();

        @Override
        public void rollbackWritingCommits(String reason) {
        }

        @Override
        public void cancelRunningWrites(String reason) {
        }

        @Override
        public void wroteInDatabase(Set<Integer> pids) {
            reported.add(pids);
        }

        @Override
        public Set<Integer> backendPids() {
            return Set.copyOf(ours);
        }
    }

    private record Proxy(String cluster, Coordinator etcd, WriterAuthority authority) {
        boolean allows() {
            return authority.gate().allows(System.nanoTime());
        }
    }

    private Proxy proxy(String group, String cluster, PostgresServer pg, String subscription, Failover failover,
                        Duration statusInterval, SessionFence sessions, boolean viaLink) {
        List<String> endpoints = viaLink ? List.of("http://127.0.0.1:" + link.port()) : etcd.endpoints();
        Coordinator c = Coordinator.connect(EtcdSettings.defaults(endpoints).withLease(TTL, MARGIN));
        open.add(c);
        DatabaseFence fence = new DatabaseFence(new ControlDatabase(pg.jdbcUrl("postgres"), pg.superuser(), null,
                subscription, Duration.ofSeconds(2)), sessions::backendPids, DatabaseFence.OpenWriters.CANCEL_AND_TERMINATE);
        open.add(fence);
        GroupSettings settings = new GroupSettings(group, cluster, "p-" + cluster, "a", List.of("a", "b", "c"),
                failover, GroupSettings.DEFAULT_MAX_LAG_BYTES, Duration.ofSeconds(5), Duration.ofSeconds(20),
                statusInterval);
        WriterAuthority authority = new WriterAuthority(settings, c, fence, sessions,
                new PostgresReplicationLag(fence.dataSource(), subscription, 2), WriterAuthority.Sessions.NONE);
        authority.gate().addListener(checker.listener(cluster));
        open.add(authority);
        authority.start();
        return new Proxy(cluster, c, authority);
    }

    private Proxy proxy(String group, String cluster, PostgresServer pg, String subscription, Failover failover) {
        return proxy(group, cluster, pg, subscription, failover, Duration.ofMillis(200), SessionFence.NONE, false);
    }

    private static String group() {
        return "f" + GROUPS.incrementAndGet() + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
    }

    private static void handoff(Proxy via, String group, String id, String target) throws Exception {
        via.etcd().store().put(via.etcd().keys().handoff(group), new HandoffRequest(id, target, "test",
                Instant.now(), 20_000)).get(5, TimeUnit.SECONDS);
    }

    private static List<AuditRecord> audit(Proxy p, String group) {
        try {
            return p.etcd().store().listAudit(group, 1, 1000).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            return List.of();
        }
    }

    private static boolean audited(Proxy p, String group, String action) {
        return audit(p, group).stream().anyMatch(r -> r.action().equals(action));
    }

    private static long count(PostgresServer pg, long id) {
        return Long.parseLong(pg.queryValue("postgres", "SELECT count(*) FROM t WHERE id = " + id));
    }

    /** Finding 5: after a handoff a → b, c (subscribed to a only) must not measure b's WAL against a's. */
    @Test
    void aCandidateNeverComparesTheNewWritersWalWithItsSubscriptionToAnotherCluster() throws Exception {
        String group = group();
        Proxy a = proxy(group, "a", pgA, null, Failover.AUTOMATIC);
        await("a is the writer", Duration.ofSeconds(20), a::allows);
        // a's WAL runs far ahead of b's, so c's applied position of a's WAL is beyond anything b publishes.
        pgA.execute("SELECT pg_switch_wal()");
        pgA.execute("INSERT INTO t VALUES (" + System.nanoTime() + ", 'a')");
        pgA.execute("SELECT pg_switch_wal()");
        Proxy b = proxy(group, "b", pgB, "b_from_a", Failover.AUTOMATIC);
        Proxy c = proxy(group, "c", pgC, "c_from_a", Failover.AUTOMATIC);
        await("c eligible while a is the writer (it applies a's WAL)", Duration.ofSeconds(20),
                () -> c.authority().eligible());
        handoff(a, group, "h5", "b");
        await("b is the writer", Duration.ofSeconds(30), b::allows);
        await("b's position published", Duration.ofSeconds(10), () -> {
            WalPosition w = wal(c, group);
            return w != null && w.cluster().equals("b");
        });
        // c has no subscription to b, so its lag is unknown: once it read b's position it stays out.
        await("c not eligible", Duration.ofSeconds(10), () -> !c.authority().eligible());
        long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (System.nanoTime() < until) {
            assertFalse(c.authority().eligible(), "c compared b's WAL position with its subscription to a");
            Thread.sleep(20);
        }
    }

    private static WalPosition wal(Proxy p, String group) {
        try {
            return p.etcd().store().get(p.etcd().keys().walPosition(group), WalPosition.class).get(5, TimeUnit.SECONDS)
                    .map(v -> v.value()).orElse(null);
        } catch (Exception e) {
            return null;
        }
    }

    /**
     * Finding 4: b took the key in a handoff and lost it before its first periodic publish. a must not win it
     * back as "the last writer" (failover manual): b's first position names b.
     */
    @Test
    void theOldWriterIsNotEligibleOnceAnotherClusterTookTheKey() throws Exception {
        String group = group();
        Duration slow = Duration.ofSeconds(4);
        Proxy a = proxy(group, "a", pgA, null, Failover.MANUAL, slow, SessionFence.NONE, false);
        await("a is the writer", Duration.ofSeconds(20), a::allows);
        Proxy b = proxy(group, "b", pgB, "b_from_a", Failover.MANUAL, slow, SessionFence.NONE, false);
        handoff(a, group, "h4", "b");
        await("b is the writer", Duration.ofSeconds(30), b::allows);
        await("the handoff request removed", Duration.ofSeconds(10), () -> {
            try {
                return b.etcd().store().getEntry(b.etcd().keys().handoff(group)).get(5, TimeUnit.SECONDS).isEmpty();
            } catch (Exception e) {
                return false;
            }
        });
        // b's process ends (lease revoked, key gone) within its first status interval as writer.
        b.authority().close();
        b.etcd().close();
        open.remove(b.authority());
        open.remove(b.etcd());
        long until = System.nanoTime() + slow.multipliedBy(3).toNanos();
        while (System.nanoTime() < until) {
            assertFalse(a.allows(), "a took the key back without b's writes");
            Thread.sleep(20);
        }
        assertFalse(a.authority().eligible());
    }

    /** Finding 7: a position older than the freshness bound does not make a candidate "within the lag bound". */
    @Test
    void aStalePositionDoesNotCountAsWithinTheLagBound() throws Exception {
        String group = group();
        Coordinator c = Coordinator.connect(EtcdSettings.defaults(etcd.endpoints()).withLease(TTL, MARGIN));
        open.add(c);
        long lsn = Long.parseLong(pgA.queryValue("postgres", "SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn"));
        String key = c.keys().walPosition(group);
        // Cluster a published long ago (its publishes failed since) and is gone; b has applied that position.
        c.store().put(key, new WalPosition("a", 1, lsn, Instant.now().minusSeconds(60), List.of("b_from_a")))
                .get(5, TimeUnit.SECONDS);
        c.store().putText(c.keys().mode(group, "a"), "read-only").get(5, TimeUnit.SECONDS);
        Proxy b = proxy(group, "b", pgB, "b_from_a", Failover.AUTOMATIC);
        await("b measured its lag", Duration.ofSeconds(10), () -> b.authority().gate().standing() != null
                && audit(b, group).size() >= 0 && lagKnown(b, group));
        long until = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        while (System.nanoTime() < until) {
            assertFalse(b.allows() || b.authority().eligible(), "b took over behind a stale position");
            Thread.sleep(20);
        }
        c.store().put(key, new WalPosition("a", 1, lsn, Instant.now(), List.of("b_from_a"))).get(5, TimeUnit.SECONDS);
        await("b eligible with a fresh position it applied", Duration.ofSeconds(10), () -> b.authority().eligible());
    }

    private static boolean lagKnown(Proxy p, String group) {
        try {
            return p.etcd().store().get(p.etcd().keys().proxy(group, p.cluster(), "p-" + p.cluster()),
                            io.fenceline.config.records.ProxyStatus.class).get(5, TimeUnit.SECONDS)
                    .map(v -> v.value().lagBytes() != null).orElse(false);
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Finding 2: the writer loses its lease while a handoff's drain waits for a long write. The write must not
     * commit on a once b may take the key.
     */
    @Test
    void aWriteTheDrainWaitsForDoesNotCommitAfterTheLeaseIsLost() throws Exception {
        String group = group();
        Proxy a = proxy(group, "a", pgA, null, Failover.MANUAL, Duration.ofMillis(200), SessionFence.NONE, true);
        await("a is the writer", Duration.ofSeconds(20), a::allows);
        Proxy b = proxy(group, "b", pgB, "b_from_a", Failover.MANUAL);
        await("b measured its lag", Duration.ofSeconds(10), () -> lagKnown(b, group));
        long id = System.nanoTime();
        CompletableFuture<String> slow = CompletableFuture.supplyAsync(() -> {
            try (Connection conn = pgA.connect(); Statement s = conn.createStatement()) {
                s.execute("BEGIN; INSERT INTO t VALUES (" + id + ", 'slow'); SELECT pg_sleep(8); COMMIT");
                return "committed";
            } catch (SQLException e) {
                return e.getSQLState();
            }
        });
        await("the slow write holds a transaction id", Duration.ofSeconds(10), () -> "1".equals(pgA.queryValue(
                "postgres", "SELECT count(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL"
                        + " AND query LIKE '%pg_sleep(8)%' AND pid <> pg_backend_pid()")));
        handoff(b, group, "h2", "b");
        await("a paused for the handoff", Duration.ofSeconds(10),
                () -> a.authority().gate().standing() instanceof WriteGate.Standing.Paused);
        link.blackhole();
        await("b is the writer", Duration.ofSeconds(30), b::allows);
        String outcome = slow.get(30, TimeUnit.SECONDS);
        assertEquals(0, count(pgA, id), "the drained write committed on a (" + outcome + ") after a lost its lease");
        assertFalse(outcome.equals("committed"));
    }

    /** Finding 6: a prepared transaction could commit after the pause (COMMIT PREPARED is allowed read-only). */
    @Test
    void aHandoffRefusesToPauseOverAPreparedTransaction() throws Exception {
        String group = group();
        Proxy a = proxy(group, "a", pgA, null, Failover.MANUAL);
        await("a is the writer", Duration.ofSeconds(20), a::allows);
        Proxy b = proxy(group, "b", pgB, "b_from_a", Failover.MANUAL);
        long id = System.nanoTime();
        String gid = "g" + id;
        try (Connection conn = pgA.connect(); Statement s = conn.createStatement()) {
            s.execute("BEGIN");
            s.execute("INSERT INTO t VALUES (" + id + ", 'prepared')");
            s.execute("PREPARE TRANSACTION '" + gid + "'");
        }
        try {
            handoff(a, group, "h6", "b");
            await("the handoff aborted", Duration.ofSeconds(20), () -> audited(a, group, "handoff.aborted"));
            assertTrue(audit(a, group).stream().anyMatch(r -> r.action().equals("handoff.aborted")
                    && r.details().getOrDefault("why", "").contains(gid)), audit(a, group).toString());
            await("a writes again", Duration.ofSeconds(10), a::allows);
            assertFalse(b.allows());
        } finally {
            pgA.execute("ROLLBACK PREPARED '" + gid + "'");
        }
        handoff(a, group, "h6b", "b");
        await("b is the writer once nothing is prepared", Duration.ofSeconds(30), b::allows);
    }

    /** Finding 6: the drain leaves the proxy's own idle writing transactions alone; the pause reports them. */
    @Test
    void thePauseReportsTheProxysOwnBackendsHoldingATransactionId() throws Exception {
        String group = group();
        Reported sessions = new Reported();
        Proxy a = proxy(group, "a", pgA, null, Failover.MANUAL, Duration.ofMillis(200), sessions, false);
        await("a is the writer", Duration.ofSeconds(20), a::allows);
        Proxy b = proxy(group, "b", pgB, "b_from_a", Failover.MANUAL);
        try (Connection conn = pgA.connect(); Statement s = conn.createStatement()) {
            // A backend of "the proxy" in a transaction that wrote (as a function behind a SELECT would).
            s.execute("BEGIN");
            s.execute("INSERT INTO t VALUES (" + System.nanoTime() + ", 'proxied')");
            int pid = Integer.parseInt(queryOne(conn, "SELECT pg_backend_pid()"));
            sessions.ours.add(pid);
            handoff(a, group, "h6c", "b");
            await("b is the writer", Duration.ofSeconds(30), b::allows);
            assertTrue(sessions.reported.stream().anyMatch(r -> r.contains(pid)),
                    "the pause did not report backend " + pid + ": " + sessions.reported);
            s.execute("ROLLBACK");
        }
    }

    private static String queryOne(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); var rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
