package io.fenceline.config.coordination;

import io.fenceline.testing.EtcdCluster;
import io.fenceline.testing.FaultLink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.fenceline.config.coordination.LeaseKeeperIT.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Resumable watches against a real three-member etcd: a member restart under the watch, a compaction
 * while the watch was disconnected, and a start from an already compacted revision. Each checks that
 * every change is delivered once, in revision order, and that the state rebuilt from the deliveries
 * equals etcd's.
 */
class WatchIT {

    private static EtcdCluster etcd;
    private static Coordinator writer;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdCluster.start(3);
        writer = Coordinator.connect(EtcdSettings.defaults(List.of(etcd.member(1).clientUrl(), etcd.member(2).clientUrl()))
                .withRequestTimeout(Duration.ofSeconds(5)));
    }

    @AfterAll
    static void stopEtcd() {
        try {
            if (writer != null) {
                writer.close();
            }
        } finally {
            if (etcd != null) {
                etcd.close();
            }
        }
    }

    /** Records deliveries and rebuilds the key → value state from them. */
    static final class Recorder implements WatchListener {
        final List<Long> revisions = new ArrayList<>();
        final List<KeyEvent> events = new ArrayList<>();
        final List<Snapshot> snapshots = new ArrayList<>();
        final Map<String, String> state = new TreeMap<>();
        long snapshotRevision;

        @Override
        public synchronized void onSnapshot(Snapshot why, List<StoredEntry> entries, long revision) {
            snapshots.add(why);
            snapshotRevision = revision;
            state.clear();
            entries.forEach(e -> state.put(e.key(), e.value()));
            revisions.add(revision);
        }

        @Override
        public synchronized void onEvents(List<KeyEvent> batch) {
            for (KeyEvent e : batch) {
                events.add(e);
                if (revisions.isEmpty() || revisions.get(revisions.size() - 1) != e.revision()) {
                    revisions.add(e.revision());
                }
                if (e.type() == KeyEvent.Type.PUT) {
                    state.put(e.key(), e.entry().value());
                } else {
                    state.remove(e.key());
                }
            }
        }

        synchronized long puts() {
            return events.stream().filter(e -> e.type() == KeyEvent.Type.PUT).count();
        }

        synchronized Map<String, String> state() {
            return new TreeMap<>(state);
        }

        synchronized void assertStrictlyIncreasing() {
            for (int i = 1; i < revisions.size(); i++) {
                assertTrue(revisions.get(i) > revisions.get(i - 1), "revisions strictly increase: " + revisions);
            }
            Set<Long> seen = new HashSet<>();
            for (KeyEvent e : events) {
                assertTrue(seen.add(e.revision()), "revision " + e.revision() + " delivered once");
            }
        }
    }

    private static void put(String key, String value) throws Exception {
        writer.store().putText(key, value).get(10, TimeUnit.SECONDS);
    }

    private static Map<String, String> etcdState(String prefix) throws Exception {
        Map<String, String> m = new TreeMap<>();
        writer.store().getPrefix(prefix).get(10, TimeUnit.SECONDS).forEach(e -> m.put(e.key(), e.value()));
        return m;
    }

    @Test
    void resumesAfterTheWatchedMemberRestartsWithoutDuplicatesOrGaps() throws Exception {
        String prefix = "/fenceline-test/restart/";
        Recorder recorder = new Recorder();
        EtcdCluster.Member member = etcd.member(0);
        try (Coordinator watcher = Coordinator.connect(EtcdSettings.defaults(List.of(member.clientUrl())));
             ResumableWatch watch = watcher.watch(prefix, true, 0, recorder)) {
            await("initial snapshot", Duration.ofSeconds(10), () -> watch.lastRevision() > 0);
            for (int i = 0; i < 50; i++) {
                put(prefix + "k" + i, Integer.toString(i));
            }
            member.stop();
            for (int i = 50; i < 100; i++) {
                put(prefix + "k" + i, Integer.toString(i));
            }
            member.start();
            etcd.awaitHealthy(Duration.ofSeconds(30));
            for (int i = 100; i < 150; i++) {
                put(prefix + "k" + i, Integer.toString(i));
            }
            // Deliveries are in revision order, so a repeated old event would arrive before this later one.
            put(prefix + "sentinel", "end");
            await("the sentinel delivered", Duration.ofSeconds(30), () -> recorder.state().containsKey(prefix + "sentinel"));
            assertEquals(151, recorder.puts());
            recorder.events.remove(recorder.events.size() - 1);
            recorder.assertStrictlyIncreasing();
            List<String> values = recorder.events.stream().map(e -> e.entry().value()).toList();
            assertEquals(IntStream.range(0, 150).mapToObj(Integer::toString).toList(), values);
            assertEquals(etcdState(prefix), recorder.state());
            assertEquals(List.of(WatchListener.Snapshot.INITIAL), recorder.snapshots);
        }
    }

    @Test
    void resyncsWithAGetAfterCompactionAndResumesFromItsRevision() throws Exception {
        String prefix = "/fenceline-test/compaction/";
        Recorder recorder = new Recorder();
        try (FaultLink link = FaultLink.start("127.0.0.1", etcd.member(0).clientPort());
             Coordinator watcher = Coordinator.connect(EtcdSettings.defaults(List.of("http://127.0.0.1:" + link.port())));
             ResumableWatch watch = watcher.watch(prefix, true, 0, recorder)) {
            await("initial snapshot", Duration.ofSeconds(10), () -> watch.lastRevision() > 0);
            for (int i = 0; i < 10; i++) {
                put(prefix + "k" + i, "v" + i);
            }
            await("first 10 puts delivered", Duration.ofSeconds(10), () -> recorder.puts() >= 10);
            long seenBefore = watch.lastRevision();
            link.reset(); // the watch's connection is cut and cannot come back yet
            for (int i = 10; i < 20; i++) {
                put(prefix + "k" + i, "v" + i);
            }
            writer.store().delete(prefix + "k0").get(10, TimeUnit.SECONDS);
            long compactTo = writer.store().currentRevision().get(10, TimeUnit.SECONDS);
            writer.store().compact(compactTo).get(10, TimeUnit.SECONDS);
            link.pass();
            await("a resync after compaction", Duration.ofSeconds(30), () -> watch.resyncs() == 1);
            for (int i = 20; i < 25; i++) {
                put(prefix + "k" + i, "v" + i);
            }
            await("the 5 later puts delivered", Duration.ofSeconds(10), () -> recorder.puts() >= 15);
            assertEquals(List.of(WatchListener.Snapshot.INITIAL, WatchListener.Snapshot.RESYNC_AFTER_COMPACTION),
                    recorder.snapshots);
            assertTrue(recorder.snapshotRevision >= compactTo, "resync read at or after the compaction");
            assertEquals(15, recorder.puts(), "10 before, none of the compacted ones, 5 after: " + recorder.events);
            for (KeyEvent e : recorder.events.subList(10, 15)) {
                assertTrue(e.revision() > recorder.snapshotRevision);
            }
            assertTrue(seenBefore < compactTo);
            recorder.assertStrictlyIncreasing();
            assertEquals(etcdState(prefix), recorder.state());
            assertEquals(24, recorder.state().size());
        }
    }

    @Test
    void watchFromAnAlreadyCompactedRevisionStartsWithAResync() throws Exception {
        String prefix = "/fenceline-test/late/";
        put(prefix + "a", "1");
        long old = writer.store().currentRevision().get(10, TimeUnit.SECONDS);
        put(prefix + "a", "2");
        put(prefix + "b", "3");
        long now = writer.store().currentRevision().get(10, TimeUnit.SECONDS);
        writer.store().compact(now).get(10, TimeUnit.SECONDS);
        Recorder recorder = new Recorder();
        try (Coordinator watcher = Coordinator.connect(EtcdSettings.defaults(etcd.endpoints()));
             ResumableWatch watch = watcher.watch(prefix, true, old, recorder)) {
            await("a resync", Duration.ofSeconds(10), () -> watch.resyncs() == 1);
            put(prefix + "c", "4");
            await("the put after the resync", Duration.ofSeconds(10), () -> recorder.puts() == 1);
            assertEquals(Map.of(prefix + "a", "2", prefix + "b", "3", prefix + "c", "4"), recorder.state());
            recorder.assertStrictlyIncreasing();
        }
    }
}
