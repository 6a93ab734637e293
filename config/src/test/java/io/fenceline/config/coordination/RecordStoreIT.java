package io.fenceline.config.coordination;

import io.fenceline.config.keys.EtcdKeys;
import io.fenceline.config.records.AuditRecord;
import io.fenceline.config.records.Mode;
import io.fenceline.config.records.ProxyStatus;
import io.fenceline.config.records.RecordCodecException;
import io.fenceline.config.records.Window;
import io.fenceline.config.records.WriterRecord;
import io.fenceline.testing.EtcdCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static io.fenceline.config.coordination.LeaseKeeperIT.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Typed records, conditional writes, the audit sequence and campaigns against a real one-member etcd. */
class RecordStoreIT {

    private static final Instant AT = Instant.parse("2026-11-23T22:00:00Z");
    private static EtcdCluster etcd;
    private static Coordinator etcdClient;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdCluster.start(1);
        etcdClient = Coordinator.connect(settings());
    }

    @AfterAll
    static void stopEtcd() {
        try {
            if (etcdClient != null) {
                etcdClient.close();
            }
        } finally {
            if (etcd != null) {
                etcd.close();
            }
        }
    }

    private static EtcdSettings settings() {
        return EtcdSettings.defaults(etcd.endpoints()).withRequestTimeout(Duration.ofSeconds(5));
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void conditionalWritesAreValuesNotExceptions() throws Exception {
        RecordStore store = etcdClient.store();
        String key = etcdClient.keys().window("cas");
        PutResult created = get(store.putIfAbsent(key, Window.of(1)));
        long rev = assertInstanceOf(PutResult.Written.class, created).revision();
        PutResult again = get(store.putIfAbsent(key, Window.of(9)));
        assertEquals(key, assertInstanceOf(PutResult.Conflict.class, again).current().orElseThrow().key());
        Versioned<Window> current = get(store.get(key, Window.class)).orElseThrow();
        assertEquals(Window.of(1), current.value());
        assertEquals(rev, current.modRevision());
        assertInstanceOf(PutResult.Written.class, get(store.compareAndSet(key, Window.of(1).widen(), rev)));
        PutResult stale = get(store.compareAndSet(key, Window.of(7), rev));
        assertEquals(new Window(1, 2), etcdValue(assertInstanceOf(PutResult.Conflict.class, stale), key));
        assertEquals(Optional.empty(), get(store.get(etcdClient.keys().window("absent"), Window.class)));
    }

    private static Window etcdValue(PutResult.Conflict conflict, String key) {
        return io.fenceline.config.records.Records.fromJson(key, conflict.current().orElseThrow().value(), Window.class);
    }

    @Test
    void aStoredValueThatIsNotTheRecordFailsNamingKeyAndField() throws Exception {
        String key = etcdClient.keys().window("broken");
        get(etcdClient.store().putText(key, "{\"oldest\":3,\"newest\":7}"));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> etcdClient.store().get(key, Window.class).get(10, TimeUnit.SECONDS));
        RecordCodecException codec = assertInstanceOf(RecordCodecException.class, e.getCause());
        assertEquals(key, codec.key());
        assertEquals("newest", codec.field());
        // Nothing is lost: the raw value is still there to be fixed.
        assertEquals("{\"oldest\":3,\"newest\":7}", get(etcdClient.store().getEntry(key)).orElseThrow().value());
    }

    @Test
    void operatorModeIsPlainText() throws Exception {
        String key = etcdClient.keys().mode("g", "eu-1");
        get(etcdClient.store().putText(key, "Read-Only\n"));
        assertEquals(Mode.READ_ONLY, Mode.parse(get(etcdClient.store().getEntry(key)).orElseThrow().value()));
    }

    @Test
    void concurrentAuditWritersGetEverySequenceNumberExactlyOnce() throws Exception {
        int writers = 6;
        int each = 20;
        List<Coordinator> clients = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<List<Long>>> results = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                Coordinator c = Coordinator.connect(settings());
                clients.add(c);
                String actor = "writer-" + w;
                results.add(pool.submit(() -> {
                    List<Long> seqs = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        AuditRecord r = c.store().appendAudit("audited", Instant.now(), actor, "step", "eu-1",
                                Map.of("i", Integer.toString(i))).get(30, TimeUnit.SECONDS);
                        seqs.add(r.seq());
                    }
                    return seqs;
                }));
            }
            List<Long> all = new ArrayList<>();
            for (Future<List<Long>> f : results) {
                List<Long> mine = f.get(60, TimeUnit.SECONDS);
                for (int i = 1; i < mine.size(); i++) {
                    assertTrue(mine.get(i) > mine.get(i - 1), "one writer's records are ordered");
                }
                all.addAll(mine);
            }
            all.sort(Long::compare);
            assertEquals(LongStream.rangeClosed(1, (long) writers * each).boxed().toList(), all,
                    "no duplicate, no gap");
            List<AuditRecord> listed = get(etcdClient.store().listAudit("audited", 1, 1000));
            assertEquals(all, listed.stream().map(AuditRecord::seq).toList());
            List<AuditRecord> tail = get(etcdClient.store().listAudit("audited", 100, 5));
            assertEquals(List.of(100L, 101L, 102L, 103L, 104L), tail.stream().map(AuditRecord::seq).toList());
        } finally {
            pool.shutdownNow();
            clients.forEach(Coordinator::close);
        }
    }

    @Test
    void campaignWinsOnceOthersWaitAndTakeOverWithALargerEpochAfterResign() throws Exception {
        try (Coordinator a = Coordinator.connect(settings()); Coordinator b = Coordinator.connect(settings())) {
            EtcdKeys keys = a.keys();
            String key = keys.writer("campaign");
            a.leaseKeeper().awaitHeld(Duration.ofSeconds(10)).orElseThrow();
            b.leaseKeeper().awaitHeld(Duration.ofSeconds(10)).orElseThrow();
            Campaign ca = a.campaign(key, new WriterRecord("a", "pa", AT));
            Campaign cb = b.campaign(key, new WriterRecord("b", "pb", AT));
            Campaign.Result.Won won = assertInstanceOf(Campaign.Result.Won.class, get(ca.campaign()));
            assertEquals(won, get(ca.campaign()), "campaigning again with the same lease is idempotent");
            Campaign.Result.Occupied occupied = assertInstanceOf(Campaign.Result.Occupied.class, get(cb.campaign()));
            assertEquals(won.epoch(), occupied.epoch());
            assertEquals(won.leaseId(), occupied.holderLease());

            List<Campaign.Result> seenByB = new java.util.concurrent.CopyOnWriteArrayList<>();
            cb.start(seenByB::add, () -> true);
            await("B tried and found the key occupied", Duration.ofSeconds(10), () -> !seenByB.isEmpty());
            assertTrue(!cb.writable(System.nanoTime()));
            assertTrue(ca.writable(System.nanoTime()));
            assertTrue(get(ca.resign()));
            assertTrue(!ca.writable(System.nanoTime()));
            await("B took over", Duration.ofSeconds(10), () -> cb.writable(System.nanoTime()));
            long epochB = cb.won().orElseThrow().epoch();
            assertTrue(epochB > won.epoch(), "epoch grows: " + won.epoch() + " -> " + epochB);
            assertEquals(false, get(ca.resign()), "resigning twice deletes nothing");
            WriterRecord holder = get(a.store().get(key, WriterRecord.class)).orElseThrow().value();
            assertEquals("b", holder.cluster());
        }
    }

    @Test
    void proxyStatusBoundToTheLeaseDisappearsWithIt() throws Exception {
        try (Coordinator p = Coordinator.connect(settings())) {
            LeaseState.Held held = p.leaseKeeper().awaitHeld(Duration.ofSeconds(10)).orElseThrow();
            String key = p.keys().proxy("g", "eu-1", "p1");
            ProxyStatus status = new ProxyStatus(held.leaseId(), Mode.WRITABLE, true, 5, 3000, Map.of(4, 2, 5, 7), 9, 0, 0,
                    null, Instant.now());
            get(p.store().putLeased(key, status, held.leaseId()));
            List<Versioned<ProxyStatus>> all = get(etcdClient.store().getAll(etcdClient.keys().proxiesPrefix("g", "eu-1"),
                    ProxyStatus.class));
            assertEquals(List.of(status), all.stream().map(Versioned::value).toList());
            assertEquals(held.leaseId(), all.get(0).entry().lease());
            get(p.store().putText(p.keys().mode("g", "eu-1"), "paused"));
            Map<io.fenceline.config.keys.EtcdKey.Proxy, ProxyStatus> statuses = get(etcdClient.store().proxyStatuses("g"));
            assertEquals(Map.of(new io.fenceline.config.keys.EtcdKey.Proxy("g", "eu-1", "p1"), status), statuses);
            assertEquals(Map.of(4, 2, 5, 7), ProxyStatus.sumVersions(statuses.values()));
            get(p.leaseKeeper().revoke());
            assertEquals(Optional.empty(), get(etcdClient.store().getEntry(key)));
        }
    }

    @Test
    void unreachableEtcdIsACoordinationExceptionNamingOperationAndKey() {
        try (Coordinator nowhere = Coordinator.connect(EtcdSettings.defaults(List.of("http://127.0.0.1:9"))
                .withRequestTimeout(Duration.ofMillis(300)))) {
            String key = nowhere.keys().window("g");
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> nowhere.store().get(key, Window.class).get(10, TimeUnit.SECONDS));
            CoordinationException c = assertInstanceOf(CoordinationException.class, e.getCause());
            assertTrue(c.getMessage().startsWith("etcd get " + key + " failed after "), c.getMessage());
            assertTrue(c.getMessage().contains("limit 300 ms"), c.getMessage());
        }
    }
}
