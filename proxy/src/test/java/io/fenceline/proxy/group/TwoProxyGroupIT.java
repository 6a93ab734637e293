package io.fenceline.proxy.group;

import io.fenceline.config.coordination.KeyEvent;
import io.fenceline.config.records.HandoffRequest;
import io.fenceline.testing.EtcdCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.fenceline.proxy.group.GroupRig.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 5's proof: two proxies of one group, each a child JVM in front of its own PostgreSQL cluster (logical
 * replication from a to b), against a real three-member etcd; pgJDBC clients write unique ids through both
 * proxies all the time and read on sessions of their own. Every test ends with the {@link WriteHistory}
 * checks: no two clusters accepted writes in overlapping intervals, no more provable changes of the writing
 * cluster than really happened, no acknowledged write missing.
 *
 * <p>Leases: TTL 3 s, margin 500 ms, rho 1 % (deadline 2.47 s after the last acknowledged keepalive's send),
 * except where a test says otherwise.
 */
class TwoProxyGroupIT {

    private static final Duration START = Duration.ofSeconds(90);
    private static final AtomicLong IDS = new AtomicLong();
    private static GroupRig rig;

    @RegisterExtension
    final ProxyLogsOnFailure proxyLogs = new ProxyLogsOnFailure();

    private final List<ProxyChild> proxies = new ArrayList<>();
    private final List<AutoCloseable> open = new ArrayList<>();
    private WriteHistory history;
    private WriteLoad load;
    private String group;
    /** How many changes of the writing cluster the test makes happen (the checker allows no more). */
    private int switches;

    @BeforeAll
    static void startRig() {
        rig = GroupRig.start();
    }

    @AfterAll
    static void stopRig() {
        if (rig != null) {
            rig.close();
        }
    }

    @BeforeEach
    void newRun() {
        group = GroupRig.newGroup();
        history = new WriteHistory();
        load = new WriteLoad(history, IDS);
        switches = 0;
    }

    @AfterEach
    void checkEveryRun() throws Exception {
        try {
            load.close();
            rig.check(history, switches);
            for (ProxyChild p : proxies) {
                assertEquals(List.of(), p.leakReports(), "Netty leak reports in the log of " + p);
            }
        } finally {
            Collections.reverse(open);
            for (AutoCloseable c : open) {
                c.close();
            }
            for (ProxyChild p : proxies) {
                p.close();
                proxyLogs.forget(p);
            }
        }
    }

    private ProxyChild start(ProxyChild.Spec spec) {
        ProxyChild p = proxyLogs.watch(rig.proxy(spec));
        proxies.add(p);
        return p;
    }

    /** a (preferred) and b, both serving, a the writer and accepting a write through its proxy. */
    private ProxyChild[] startPair(ProxyChild.Spec a, ProxyChild.Spec b) throws Exception {
        ProxyChild pa = start(a);
        ProxyChild pb = start(b);
        pa.awaitServing(START);
        pb.awaitServing(START);
        await("a holds the writer key", Duration.ofSeconds(30), () -> "a".equals(writerOrNull()));
        await("a accepts a write through its proxy", Duration.ofSeconds(30), () -> probe(pa) == null);
        // Until the writer has published a WAL position, only the preferred cluster may campaign (b cannot know
        // its lag): a test that cuts a off before that would wait for b in vain.
        await("a published its WAL position", Duration.ofSeconds(30), () -> {
            try {
                return "a".equals(rig.walPublisher(group));
            } catch (Exception e) {
                return false;
            }
        });
        return new ProxyChild[] {pa, pb};
    }

    private ProxyChild[] startPair() throws Exception {
        return startPair(ProxyChild.Spec.of(group, "a", null), ProxyChild.Spec.of(group, "b", "sub_a"));
    }

    private String writerOrNull() {
        try {
            return rig.writer(group);
        } catch (Exception e) {
            return null;
        }
    }

    /** One write through {@code p}, recorded: null when acknowledged, else its SQLSTATE. */
    private String probe(ProxyChild p) {
        long id = IDS.incrementAndGet();
        long sent = System.nanoTime();
        try (Connection c = p.connect(); PreparedStatement s = c.prepareStatement(WriteLoad.INSERT)) {
            s.setLong(1, id);
            s.setString(2, p.cluster());
            s.setString(3, "probe");
            s.executeUpdate();
            history.acked(id, "probe", p.cluster(), sent, System.nanoTime());
            return null;
        } catch (SQLException e) {
            history.failed(id, "probe", p.cluster(), sent, System.nanoTime(), e.getSQLState());
            return e.getSQLState() == null ? "?????" : e.getSQLState();
        }
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    private WriteLoad writersAndReaders(ProxyChild a, ProxyChild b) {
        return load.writer("a-w1", a).writer("a-w2", a).writer("b-w1", b).writer("b-w2", b)
                .reader("a-r", a).reader("b-r", b);
    }

    private List<WriteLoad.Read> readFailures(String cluster) {
        return load.reads().stream().filter(r -> r.cluster().equals(cluster) && r.sqlState() != null).toList();
    }

    private boolean readSucceededAfter(String cluster, long t) {
        return load.reads().stream().anyMatch(r -> r.cluster().equals(cluster) && r.sqlState() == null && r.sentNanos() > t);
    }

    @Test
    void partitionedWriterRefusesWritesBeforeEtcdExpiresItsLeaseAndTheOtherTakesOverOnlyAfter() throws Exception {
        ProxyChild[] p = startPair();
        switches = 1;
        GroupRig.WriterWatch watch = rig.watchWriter(group);
        open.add(watch);
        writersAndReaders(p[0], p[1]);
        await("writes acknowledged by a", Duration.ofSeconds(10), () -> history.acked("a").size() > 20);

        long partitioned = System.nanoTime();
        p[0].partitionFromEtcd();
        await("b holds the key", Duration.ofSeconds(30), () -> watch.first(KeyEvent.Type.PUT, "b").isPresent());
        await("writes acknowledged by b", Duration.ofSeconds(20), () -> history.acked("b").size() > 20);
        long bWrites = System.nanoTime();
        await("a's sessions read after b took over", Duration.ofSeconds(10), () -> readSucceededAfter("a", bWrites));
        load.close();
        rig.loadCommitTimes(history, "a");

        GroupRig.WriterWatch.Change deleted = watch.first(KeyEvent.Type.DELETE, null).orElseThrow(
                () -> new AssertionError("etcd never deleted a's key: " + watch.changes()));
        GroupRig.WriterWatch.Change bPut = watch.first(KeyEvent.Type.PUT, "b").orElseThrow();
        assertTrue(bPut.epoch() > deleted.revision(), "b's key was created (revision " + bPut.epoch()
                + ") only after etcd deleted a's (revision " + deleted.revision() + "): " + watch.changes());
        WriteHistory.Write firstRefusal = history.writes().stream()
                .filter(w -> w.cluster().equals("a") && "25006".equals(w.sqlState()) && w.sentNanos() > partitioned)
                .min((x, y) -> Long.compare(x.endNanos(), y.endNanos()))
                .orElseThrow(() -> new AssertionError("a never refused a write after the partition"));
        WriteHistory.Write lastAck = history.lastAcked("a").orElseThrow();
        long lastCommit = history.commitOf(lastAck.id()).orElseThrow(() -> new AssertionError("no row for " + lastAck));
        WriteHistory.Write firstB = history.firstAcked("b").orElseThrow();
        System.out.printf("[group] partition: a refused its first write %d ms after the partition; etcd deleted a's"
                        + " key %d ms after that refusal (%d ms after a's last commit, %d ms after its acknowledgement);"
                        + " b's first acknowledged write was sent %d ms after the deletion was seen%n",
                ms(firstRefusal.endNanos() - partitioned), ms(deleted.seenNanos() - firstRefusal.endNanos()),
                ms(deleted.seenNanos() - lastCommit), ms(deleted.seenNanos() - lastAck.endNanos()),
                ms(firstB.sentNanos() - deleted.seenNanos()));
        assertTrue(firstRefusal.endNanos() < deleted.seenNanos(),
                "a refused writes before etcd expired its lease: " + firstRefusal + ", deletion " + deleted);
        assertTrue(lastCommit < deleted.seenNanos() && lastAck.endNanos() < deleted.seenNanos(),
                "a's last write committed and was acknowledged before etcd expired its lease");
        assertTrue(history.writes().stream().noneMatch(w -> w.cluster().equals("a") && w.acked()
                && w.sentNanos() > firstRefusal.endNanos()), "a acknowledged no write after its first refusal");
        assertOnlyRefusalsOrStaleCloses(p[0], "partition");
        assertEquals(List.of(), readFailures("a"), "a's readers kept reading through the partition");
        assertTrue(readSucceededAfter("a", deleted.seenNanos()), "a's sessions stayed up after it lost the lease");
    }

    /**
     * a's writing sessions saw only 25006, except sessions closed because a write allowed before the deadline was
     * found stale when its bytes were flushed (never sent): the client gets FATAL 25006, or, when the close
     * overtakes its own send, a broken connection (08006). Those are counted by the proxy as stale writes.
     */
    private void assertOnlyRefusalsOrStaleCloses(ProxyChild a, String scenario) {
        Map<String, Long> others = failuresOtherThan25006("a");
        double stale = a.metric("fenceline_proxy_writes_stale_total");
        if (!others.isEmpty()) {
            System.out.printf("[group] %s: a closed %.0f sessions whose allowed write went stale before its flush;"
                    + " their clients saw %s%n", scenario, stale, others);
        }
        assertTrue(others.isEmpty() || (others.keySet().equals(java.util.Set.of("08006")) && others.get("08006") <= stale),
                "a's writing sessions saw only refusals, or closes of stale writes (" + stale + "): " + others);
    }

    private Map<String, Long> failuresOtherThan25006(String cluster) {
        return history.failuresBySqlState(w -> w.cluster().equals(cluster) && !"25006".equals(w.sqlState()));
    }

    @Test
    void writerStoppedLongerThanItsLeaseForwardsNoWriteAfterResuming() throws Exception {
        ProxyChild[] p = startPair();
        switches = 1;
        GroupRig.WriterWatch watch = rig.watchWriter(group);
        open.add(watch);
        writersAndReaders(p[0], p[1]);
        await("writes acknowledged by a", Duration.ofSeconds(10), () -> history.acked("a").size() > 20);

        p[0].pause();
        long stopped = System.nanoTime();
        long resumed;
        try {
            await("b holds the key", Duration.ofSeconds(30), () -> watch.first(KeyEvent.Type.PUT, "b").isPresent());
            await("writes acknowledged by b", Duration.ofSeconds(20), () -> history.acked("b").size() > 10);
            long ttl = p[0].spec().leaseTtl().toNanos();
            await("stopped longer than the TTL", Duration.ofSeconds(10), () -> System.nanoTime() - stopped > ttl + 500_000_000L);
        } finally {
            resumed = System.nanoTime();
            p[0].resume();
        }
        await("a's sessions read again after the resume", Duration.ofSeconds(20), () -> readSucceededAfter("a", resumed));
        await("a answered writes sent after the resume", Duration.ofSeconds(20), () -> history.writes().stream()
                .filter(w -> w.cluster().equals("a") && w.sentNanos() > resumed).count() > 10);
        load.close();
        rig.loadCommitTimes(history, "a");

        List<WriteHistory.Write> ackedAfterResume = history.acked("a").stream().filter(w -> w.endNanos() > resumed).toList();
        long bOpened = history.firstAcked("b").orElseThrow().sentNanos();
        for (WriteHistory.Write w : ackedAfterResume) {
            long commit = history.commitOf(w.id()).orElseThrow(() -> new AssertionError("no row for " + w));
            assertTrue(commit < bOpened, "a write a relayed after the resume had committed before b wrote: " + w);
        }
        List<WriteHistory.Write> inFlight = history.writes().stream().filter(w -> w.cluster().equals("a")
                && w.sentNanos() < stopped && w.endNanos() > resumed).toList();
        System.out.printf("[group] SIGSTOP: a stopped %d ms (TTL %d ms); %d writes were in flight through it: %d"
                        + " acknowledged after the resume, all committed before b's first write, the others answered %s;"
                        + " writes sent after the resume: %s%n",
                ms(resumed - stopped), p[0].spec().leaseTtl().toMillis(), inFlight.size(),
                inFlight.stream().filter(WriteHistory.Write::acked).count(),
                history.failuresBySqlState(inFlight::contains),
                history.failuresBySqlState(w -> w.cluster().equals("a") && w.sentNanos() > resumed));
        assertTrue(history.acked("a").stream().noneMatch(w -> w.sentNanos() > stopped),
                "nothing a forwarded after resuming was a write: " + history.acked("a").stream()
                        .filter(w -> w.sentNanos() > stopped).toList());
        assertOnlyRefusalsOrStaleCloses(p[0], "SIGSTOP");
        assertEquals(List.of(), readFailures("a"), "a's readers kept their sessions");
    }

    @Test
    void killingTheEtcdLeaderDoesNotTurnTheWriterReadOnly() throws Exception {
        // TTL 5 s: the deadline is 4.45 s after the last acknowledged keepalive, so an election (1-2 s) fits.
        ProxyChild[] p = startPair(ProxyChild.Spec.of(group, "a", null).withLease(Duration.ofSeconds(5), Duration.ofMillis(500)),
                ProxyChild.Spec.of(group, "b", "sub_a").withLease(Duration.ofSeconds(5), Duration.ofMillis(500)));
        GroupRig.WriterWatch watch = rig.watchWriter(group);
        open.add(watch);
        writersAndReaders(p[0], p[1]);
        await("writes acknowledged by a", Duration.ofSeconds(10), () -> history.acked("a").size() > 20);

        int leader = rig.etcd.leaderIndex();
        assertTrue(leader >= 0, "etcd has a leader");
        EtcdCluster.Member killed = rig.etcd.member(leader);
        long killedAt = System.nanoTime();
        killed.kill();
        try {
            await("a new etcd leader", Duration.ofSeconds(20), () -> {
                int l = rig.etcd.leaderIndex();
                return l >= 0 && l != leader;
            });
            long elected = System.nanoTime();
            // Watch the writer for a whole lease past the election: any loss would have shown by then.
            long until = elected + Duration.ofSeconds(5).toNanos();
            await("a lease's TTL after the election", Duration.ofSeconds(10), () -> System.nanoTime() > until);
            int acked = history.acked("a").size();
            await("a still acknowledges writes", Duration.ofSeconds(5), () -> history.acked("a").size() > acked + 10);
            System.out.printf("[group] etcd leader killed: new leader after %d ms; a kept writing (%d writes"
                    + " acknowledged)%n", ms(elected - killedAt), history.acked("a").size());
        } finally {
            killed.start();
        }
        load.close();
        // The load's writes only: startPair's probes may meet a's gate before it opened (the unfence, large
        // objects included, takes a moment after the key is won).
        assertEquals(Map.of(), history.failuresBySqlState(w -> w.cluster().equals("a") && !w.client().equals("probe")),
                "no write of the load through a was refused or failed: " + history.writes().stream()
                        .filter(w -> w.cluster().equals("a") && !w.acked()).map(w -> w.client() + " " + w.sqlState()
                                + " sent " + ms(w.sentNanos() - killedAt) + " ms after the kill").toList());
        assertEquals(1, watch.epochs(), "one epoch throughout: " + watch.changes());
        assertTrue(watch.first(KeyEvent.Type.DELETE, null).isEmpty(), "the writer key was never deleted");
        rig.etcd.awaitHealthy(Duration.ofSeconds(30));
    }

    @Test
    void aTransactionThatWroteBeforeTheDeadlineAndCommitsAfterItIsRolledBack() throws Exception {
        ProxyChild[] p = startPair();
        switches = 1;
        load.writer("b-w1", p[1]).reader("a-r", p[0]);
        long id = IDS.incrementAndGet();
        try (Connection c = p[0].connect()) {
            c.setAutoCommit(false);
            long sent = System.nanoTime();
            try (PreparedStatement s = c.prepareStatement(WriteLoad.INSERT)) {
                s.setLong(1, id);
                s.setString(2, "a");
                s.setString(3, "tx");
                assertEquals(1, s.executeUpdate(), "the write before the deadline is accepted");
            }
            p[0].partitionFromEtcd();
            await("a refuses writes (its deadline passed)", Duration.ofSeconds(20), () -> "25006".equals(probe(p[0])));
            String commitState = null;
            try {
                c.commit();
                history.acked(id, "tx", "a", sent, System.nanoTime());
            } catch (SQLException e) {
                commitState = e.getSQLState();
                history.failed(id, "tx", "a", sent, System.nanoTime(), commitState);
            }
            assertEquals("25006", commitState, "COMMIT after the deadline is refused with 25006");
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 'session alive'")) {
                assertTrue(rs.next(), "the session stays usable after the rollback");
            }
        }
        assertFalse(rig.has("a", id), "the row of the rolled-back transaction is not on a");
        await("b holds the key", Duration.ofSeconds(30), () -> "b".equals(writerOrNull()));
        assertFalse(rig.has("b", id), "nor on b");
        assertEquals(List.of(), readFailures("a"), "a's readers kept reading");
    }

    @Test
    void operatorReadOnlyAndPausedApplyWithinAHundredMillisecondsOfTheKeyChange() throws Exception {
        ProxyChild[] p = startPair();
        load.writer("b-w1", p[1]).reader("a-r", p[0]);
        String key = rig.observer.keys().mode(group, "a");
        List<Long> latencies = new ArrayList<>();
        List<Long> roundTrips = new ArrayList<>();
        try (Connection c = p[0].connect(); PreparedStatement insert = c.prepareStatement(WriteLoad.INSERT)) {
            Prober prober = new Prober(insert, history);
            for (int i = 0; i < 20; i++) {
                boolean readOnly = i % 2 == 0;
                long put = System.nanoTime();
                rig.observer.store().putText(key, readOnly ? "read-only" : "paused").get(5, TimeUnit.SECONDS);
                long changed = readOnly ? prober.untilRefused() : prober.untilHeld();
                latencies.add(changed - put);
                rig.observer.store().putText(key, "writable").get(5, TimeUnit.SECONDS);
                prober.untilAcknowledged(roundTrips);
            }
        }
        Collections.sort(latencies);
        Collections.sort(roundTrips);
        long median = (latencies.get(9) + latencies.get(10)) / 2;
        System.out.printf("[group] operator mode applied: median %.1f ms, max %.1f ms over 20 flips (mode put sent ->"
                        + " send of the first write that saw it; a write's round trip: median %.1f ms)%n",
                median / 1e6, latencies.get(19) / 1e6, roundTrips.isEmpty() ? 0.0 : roundTrips.get(roundTrips.size() / 2) / 1e6);
        assertTrue(median < Duration.ofMillis(500).toNanos(), "median " + median / 1e6 + " ms (goal 100 ms)");
    }

    /** Writes one id after the other on one session, telling when the operator's mode reached the proxy. */
    private static final class Prober {
        private final PreparedStatement insert;
        private final WriteHistory history;

        Prober(PreparedStatement insert, WriteHistory history) {
            this.insert = insert;
            this.history = history;
        }

        /**
         * Sends writes until one sees read-only: refused (25006), or cancelled while it ran (57014: the
         * fencing order cancels running writes right after the gate closed). Returns that write's send time.
         */
        long untilRefused() throws Exception {
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < end) {
                long sent = System.nanoTime();
                String state = write();
                if ("25006".equals(state) || "57014".equals(state)) {
                    return sent;
                }
                assertEquals(null, state, "a write while the mode changes is acknowledged, refused or cancelled");
            }
            return fail("no write was refused within 10 s of setting read-only");
        }

        /**
         * Sends writes until one is held (no answer within 300 ms, where an answer takes a millisecond or
         * two); returns that write's send time. The held write completes once the mode is writable again.
         */
        long untilHeld() throws Exception {
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < end) {
                long sent = System.nanoTime();
                java.util.concurrent.CompletableFuture<String> f = java.util.concurrent.CompletableFuture
                        .supplyAsync(this::write);
                try {
                    String state = f.get(300, TimeUnit.MILLISECONDS);
                    assertEquals(null, state, "a write before the pause reached the proxy is acknowledged");
                } catch (java.util.concurrent.TimeoutException held) {
                    pending = f;
                    return sent;
                }
            }
            return fail("no write was held within 10 s of setting paused");
        }

        private java.util.concurrent.CompletableFuture<String> pending;

        /** After writable again: the held write (if any) is acknowledged, then writes go through. */
        void untilAcknowledged(List<Long> roundTrips) throws Exception {
            if (pending != null) {
                assertEquals(null, pending.get(10, TimeUnit.SECONDS), "the held write proceeds once writable");
                pending = null;
            }
            long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < end) {
                long sent = System.nanoTime();
                if (write() == null) {
                    roundTrips.add(System.nanoTime() - sent);
                    return;
                }
                Thread.sleep(5);
            }
            fail("writes were not accepted within 20 s of setting writable");
        }

        private String write() {
            long id = IDS.incrementAndGet();
            long sent = System.nanoTime();
            try {
                insert.setLong(1, id);
                insert.setString(2, "a");
                insert.setString(3, "mode-probe");
                insert.executeUpdate();
                history.acked(id, "mode-probe", "a", sent, System.nanoTime());
                return null;
            } catch (SQLException e) {
                history.failed(id, "mode-probe", "a", sent, System.nanoTime(), e.getSQLState());
                return e.getSQLState() == null ? "?????" : e.getSQLState();
            }
        }
    }

    @Test
    void plannedHandoffUnderLoadLosesNoAcknowledgedWriteAndReconnectedClientsSeeNoError() throws Exception {
        ProxyChild[] p = startPair(ProxyChild.Spec.of(group, "a", null).withFailover("manual"),
                ProxyChild.Spec.of(group, "b", "sub_a").withFailover("manual"));
        switches = 1;
        List<ProxyChild> route = List.of(p[0], p[1]);
        // f1 and f2 use pgJDBC's default extended protocol (Parse/Bind/Execute), f3 and f4 the simple one.
        load.follower("f1", route, false).follower("f2", route, false).follower("f3", route, true)
                .follower("f4", route, true)
                .writer("b-w1", p[1]).reader("a-r", p[0]).reader("b-r", p[1]);
        await("writes acknowledged by a", Duration.ofSeconds(10), () -> history.acked("a").size() > 50);

        long asked = System.nanoTime();
        rig.observer.store().put(rig.observer.keys().handoff(group),
                new HandoffRequest("h-" + group, "b", "TwoProxyGroupIT", Instant.now(), 10_000)).get(5, TimeUnit.SECONDS);
        await("b holds the key", Duration.ofSeconds(30), () -> "b".equals(writerOrNull()));
        await("every follower writes through b", Duration.ofSeconds(20), () -> List.of("f1", "f2", "f3", "f4").stream()
                .allMatch(f -> history.acked("b").stream().filter(w -> w.client().equals(f)).count() > 10));
        load.close();

        // The claim: at the moment b took over, everything a acknowledged was already on b.
        history.assertNoLostWrite(w -> w.cluster().equals("a"), rig.ids("b"), "b, the new writer");
        Map<String, Long> otherErrors = history.failuresBySqlState(w -> w.client().startsWith("f")
                && !"25006".equals(w.sqlState()));
        assertEquals(Map.of(), otherErrors, "followers saw no error but the 25006 that sends them to the writer");
        for (String f : List.of("f1", "f2", "f3", "f4")) {
            long firstOnB = history.acked("b").stream().filter(w -> w.client().equals(f))
                    .mapToLong(WriteHistory.Write::sentNanos).min().orElseThrow();
            List<WriteHistory.Write> after = history.writes().stream()
                    .filter(w -> w.client().equals(f) && !w.acked() && w.sentNanos() > firstOnB).toList();
            assertEquals(List.of(), after, f + " saw no error once it wrote through the new writer");
        }
        Optional<WriteHistory.Write> longest = history.acked().stream().filter(w -> w.sentNanos() > asked)
                .max((x, y) -> Long.compare(x.endNanos() - x.sentNanos(), y.endNanos() - y.sentNanos()));
        long refusals = history.writes().stream().filter(w -> w.client().startsWith("f") && w.sentNanos() > asked
                && "25006".equals(w.sqlState())).count();
        System.out.printf("[group] handoff under load: %d writes acknowledged by a, %d by b; the longest write was"
                        + " held %d ms; followers got %d refusals (25006) that moved them: %s%n",
                history.acked("a").size(), history.acked("b").size(),
                longest.map(w -> ms(w.endNanos() - w.sentNanos())).orElse(0L), refusals, load.reconnects());
        assertEquals(List.of(), readFailures("a"), "a's readers kept reading");
        assertEquals(List.of(), readFailures("b"), "b's readers kept reading");
        assertNotNull(longest.orElse(null));
    }
}
