package io.fenceline.config.coordination;

import io.fenceline.config.records.WriterRecord;
import io.fenceline.testing.EtcdCluster;
import io.fenceline.testing.FaultLink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lease keeper and campaign against a real three-member etcd: keepalives, a partition between the
 * keeper and etcd (fault links), a killed etcd leader, a stalled keeper thread, and a planned revoke.
 * TTL 5 s, rho 1%, margin 500 ms, request timeout 1 s.
 */
class LeaseKeeperIT {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeperIT.class);
    private static final Duration TTL = Duration.ofSeconds(5);
    private static final Duration MARGIN = Duration.ofMillis(500);

    private static EtcdCluster etcd;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdCluster.start(3);
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) {
            etcd.close();
        }
    }

    private static EtcdSettings settings(List<String> endpoints) {
        return EtcdSettings.defaults(endpoints).withLease(TTL, MARGIN);
    }

    private static WriterRecord writer(String cluster) {
        return new WriterRecord(cluster, cluster + "-proxy", Instant.now());
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting until " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void leaseIsGrantedKeptAliveAndWritable() throws Exception {
        try (Coordinator c = Coordinator.connect(settings(etcd.endpoints()))) {
            LeaseKeeper keeper = c.leaseKeeper();
            LeaseState.Held first = keeper.awaitHeld(Duration.ofSeconds(10)).orElseThrow();
            assertTrue(keeper.writable(c.clock().nanoTime()));
            // Outlive a TTL: only acknowledged keepalives can keep the same lease writable that long.
            long start = System.nanoTime();
            await("a TTL and a second passed", TTL.multipliedBy(2),
                    () -> System.nanoTime() - start > TTL.plusSeconds(1).toNanos());
            LeaseState.Held now = assertInstanceOf(LeaseState.Held.class, keeper.state());
            assertEquals(first.leaseId(), now.leaseId());
            assertTrue(now.deadlineNanos() > first.deadlineNanos() + TTL.toNanos() / 2, "deadline moved forward");
            assertTrue(keeper.writable(c.clock().nanoTime()));
            long slack = now.deadlineNanos() - System.nanoTime();
            assertTrue(slack > 0 && slack <= TTL.toNanos() - MARGIN.toNanos(), "slack " + slack / 1_000_000 + " ms");
        }
    }

    @Test
    void partitionFromEtcdTurnsNonWritableBeforeEtcdExpiresTheLeaseAndOnlyThenAnotherWins() throws Exception {
        List<FaultLink> links = new ArrayList<>();
        try {
            List<String> viaLinks = new ArrayList<>();
            for (int i = 0; i < etcd.size(); i++) {
                FaultLink link = FaultLink.start("127.0.0.1", etcd.member(i).clientPort());
                links.add(link);
                viaLinks.add("http://127.0.0.1:" + link.port());
            }
            try (Coordinator a = Coordinator.connect(settings(viaLinks));
                 Coordinator b = Coordinator.connect(settings(etcd.endpoints()))) {
                String key = a.keys().writer("partition");
                Campaign campaignA = a.campaign(key, writer("a"));
                a.leaseKeeper().awaitHeld(Duration.ofSeconds(10)).orElseThrow();
                Campaign.Result.Won wonA = assertInstanceOf(Campaign.Result.Won.class,
                        campaignA.campaign().get(5, TimeUnit.SECONDS));
                assertTrue(campaignA.writable(System.nanoTime()));

                // The observer sees etcd's truth directly: when the key is deleted (the lease expired there).
                AtomicLong deletedAt = new AtomicLong();
                AtomicLong deleteRevision = new AtomicLong();
                CountDownLatch deleted = new CountDownLatch(1);
                b.watch(key, false, 0, new WatchListener() {
                    @Override
                    public void onSnapshot(Snapshot why, List<StoredEntry> entries, long revision) {
                    }

                    @Override
                    public void onEvents(List<KeyEvent> events) {
                        for (KeyEvent e : events) {
                            if (e.type() == KeyEvent.Type.DELETE && deleted.getCount() > 0) {
                                deletedAt.set(System.nanoTime());
                                deleteRevision.set(e.revision());
                                deleted.countDown();
                            }
                        }
                    }
                });
                // At the moment A turns non-writable, ask etcd (directly) whether A's key still exists.
                AtomicLong lostAt = new AtomicLong();
                AtomicReference<LeaseState.Held> lastHeld = new AtomicReference<>();
                CompletableFuture<Optional<StoredEntry>> keyAtLoss = new CompletableFuture<>();
                a.leaseKeeper().addListener((from, to) -> {
                    if (to instanceof LeaseState.Lost && from instanceof LeaseState.Held held && lostAt.get() == 0) {
                        lostAt.set(System.nanoTime());
                        lastHeld.set(held);
                        b.store().getEntry(key).whenComplete((entry, error) -> {
                            if (error != null) {
                                keyAtLoss.completeExceptionally(error);
                            } else {
                                keyAtLoss.complete(entry);
                            }
                        });
                    }
                });
                b.leaseKeeper().awaitHeld(Duration.ofSeconds(10)).orElseThrow();
                Campaign campaignB = b.campaign(key, writer("b"));
                CompletableFuture<Campaign.Result.Won> wonB = new CompletableFuture<>();
                AtomicLong wonBAt = new AtomicLong();
                campaignB.start(result -> {
                    if (result instanceof Campaign.Result.Won w && !wonB.isDone()) {
                        wonBAt.set(System.nanoTime());
                        wonB.complete(w);
                    }
                }, () -> true);

                long partitionAt = System.nanoTime();
                links.forEach(FaultLink::blackhole);
                // Poll A's authority as a proxy would before forwarding each write.
                long lastWritable = partitionAt;
                while (campaignA.writable(System.nanoTime())) {
                    lastWritable = System.nanoTime();
                    Thread.sleep(1);
                }
                long notWritableAt = System.nanoTime();
                assertTrue(deleted.await(TTL.toSeconds() * 3, TimeUnit.SECONDS), "etcd deletes A's key eventually");
                Campaign.Result.Won b1 = wonB.get(TTL.toSeconds() * 3, TimeUnit.SECONDS);

                Optional<StoredEntry> entry = keyAtLoss.get(5, TimeUnit.SECONDS);
                assertTrue(entry.isPresent(), "A's key still existed in etcd when A turned non-writable");
                assertEquals(wonA.epoch(), entry.get().createRevision());
                long deadline = lastHeld.get().deadlineNanos();
                assertTrue(lastWritable < deadline && notWritableAt >= deadline, "writable ends at the deadline");
                assertTrue(deadline < deletedAt.get(), "local deadline before etcd's expiry");
                assertTrue(lostAt.get() < deletedAt.get(), "Lost published before etcd's expiry");
                assertTrue(b1.epoch() > wonA.epoch(), "epoch grows: " + wonA.epoch() + " -> " + b1.epoch());
                assertTrue(b1.epoch() > deleteRevision.get(), "B's key was created after A's was deleted");
                assertTrue(wonBAt.get() > deadline, "B won after A's deadline");
                LOG.info("partition: not writable {} ms after the partition; etcd deleted the key {} ms after our "
                                + "deadline (Lost event {} ms before); B won {} ms after our deadline with epoch {} > {}",
                        (deadline - partitionAt) / 1_000_000, (deletedAt.get() - deadline) / 1_000_000,
                        (deletedAt.get() - lostAt.get()) / 1_000_000, (wonBAt.get() - deadline) / 1_000_000,
                        b1.epoch(), wonA.epoch());
                System.out.printf("MEASURED partition gap: etcd expiry - local deadline = %d ms (deadline %d ms after"
                        + " partition)%n", (deletedAt.get() - deadline) / 1_000_000, (deadline - partitionAt) / 1_000_000);

                // Healed: A gets a new lease (never the old one) and finds the key taken by B.
                links.forEach(FaultLink::pass);
                LeaseState.Held again = a.leaseKeeper().awaitHeld(Duration.ofSeconds(15)).orElseThrow();
                assertNotEquals(wonA.leaseId(), again.leaseId());
                Campaign.Result retry = campaignA.campaign().get(5, TimeUnit.SECONDS);
                Campaign.Result.Occupied occupied = assertInstanceOf(Campaign.Result.Occupied.class, retry);
                assertEquals(b1.epoch(), occupied.epoch());
                assertTrue(occupied.holderValue().contains("\"cluster\":\"b\""), occupied.holderValue());
                assertTrue(!campaignA.writable(System.nanoTime()));
            }
        } finally {
            links.forEach(FaultLink::close);
        }
    }

    @Test
    void killedEtcdLeaderDoesNotCostTheLease() throws Exception {
        try (Coordinator c = Coordinator.connect(settings(etcd.endpoints()))) {
            LeaseKeeper keeper = c.leaseKeeper();
            LeaseState.Held held = keeper.awaitHeld(Duration.ofSeconds(10)).orElseThrow();
            List<LeaseState> transitions = new CopyOnWriteArrayList<>();
            keeper.addListener((from, to) -> transitions.add(to));
            int leader = etcd.leaderIndex();
            assertTrue(leader >= 0, "a leader is known");
            EtcdCluster.Member victim = etcd.member(leader);
            long killedAt = System.nanoTime();
            victim.kill();
            try {
                await("a new leader is elected", Duration.ofSeconds(15), () -> {
                    int l = etcd.leaderIndex();
                    return l >= 0 && l != leader;
                });
                long electedAfter = (System.nanoTime() - killedAt) / 1_000_000;
                // Keep watching for longer than a TTL after the kill: keepalives must have gone through.
                await("a TTL and a half after the kill", TTL.multipliedBy(3),
                        () -> System.nanoTime() - killedAt > TTL.toNanos() * 3 / 2);
                assertEquals(List.of(), transitions, "no transition across the leader change");
                LeaseState.Held now = assertInstanceOf(LeaseState.Held.class, keeper.state());
                assertEquals(held.leaseId(), now.leaseId());
                assertTrue(now.acknowledgedAt() > killedAt, "a keepalive sent after the kill was acknowledged");
                LOG.info("leader {} killed: new leader after {} ms, lease {} held throughout, slack now {} ms", leader,
                        electedAfter, now.leaseId(), (now.deadlineNanos() - System.nanoTime()) / 1_000_000);
            } finally {
                victim.start();
                etcd.awaitHealthy(Duration.ofSeconds(30));
            }
        }
    }

    @Test
    void stalledKeeperThreadStillEndsWritesAtTheDeadlineAndNeverRevivesTheLease() throws Exception {
        try (Coordinator c = Coordinator.connect(settings(etcd.endpoints()))) {
            EtcdLeaseKeeper keeper = (EtcdLeaseKeeper) c.leaseKeeper();
            LeaseState.Held held = keeper.awaitHeld(Duration.ofSeconds(10)).orElseThrow();
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch stalled = new CountDownLatch(1);
            // Stall the keeper's only thread: no keepalive, no timer, as in a long GC pause of that thread.
            keeper.executor().execute(() -> {
                stalled.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(stalled.await(5, TimeUnit.SECONDS));
            LeaseState.Held last = assertInstanceOf(LeaseState.Held.class, keeper.state());
            await("the deadline passes", TTL.multipliedBy(2), () -> !keeper.writable(System.nanoTime()));
            long seenAt = System.nanoTime();
            assertTrue(seenAt >= last.deadlineNanos());
            // Nothing on the keeper's thread ran, yet the caller's check already refuses.
            assertInstanceOf(LeaseState.Held.class, keeper.state());
            // Let etcd expire the lease, then let the thread run again: it must lose it and grant a new one.
            await("etcd forgot the lease", TTL.multipliedBy(3), () -> leaseGone(c, held.leaseId()));
            release.countDown();
            LeaseState.Held fresh = keeper.awaitHeld(Duration.ofSeconds(10)).orElseThrow();
            assertNotEquals(held.leaseId(), fresh.leaseId());
        }
    }

    private static boolean leaseGone(Coordinator c, long leaseId) {
        // A lease-bound put fails once etcd has expired the lease.
        try {
            c.store().putLeased(c.keys().prefix() + "/probe", new WriterRecord("x", "y", Instant.now()), leaseId)
                    .get(2, TimeUnit.SECONDS);
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause().getMessage().contains("lease not found");
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void revokeStopsWritesDeletesBoundKeysAtOnceAndGrantsANewLease() throws Exception {
        try (Coordinator a = Coordinator.connect(settings(etcd.endpoints()));
             Coordinator b = Coordinator.connect(settings(etcd.endpoints()))) {
            String key = a.keys().writer("handoff");
            Campaign campaign = a.campaign(key, writer("a"));
            LeaseState.Held held = a.leaseKeeper().awaitHeld(Duration.ofSeconds(10)).orElseThrow();
            assertInstanceOf(Campaign.Result.Won.class, campaign.campaign().get(5, TimeUnit.SECONDS));
            long before = System.nanoTime();
            a.leaseKeeper().revoke().get(5, TimeUnit.SECONDS);
            assertTrue(!campaign.writable(System.nanoTime()));
            assertEquals(Optional.empty(), b.store().getEntry(key).get(5, TimeUnit.SECONDS));
            assertTrue(System.nanoTime() - before < TTL.toNanos() / 2, "revoke does not wait for the TTL");
            LeaseState.Held fresh = a.leaseKeeper().awaitHeld(Duration.ofSeconds(10)).orElseThrow();
            assertNotEquals(held.leaseId(), fresh.leaseId());
        }
    }

    @Test
    void pausedProcessAllowsNoWriteAfterResuming() throws Exception {
        String key = "/fenceline/groups/paused/writer";
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(javaBin.toString(), "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                PausedKeeperMain.class.getName(), String.join(",", etcd.endpoints()), key)
                .redirectErrorStream(true).start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (java.io.BufferedReader in = new java.io.BufferedReader(
                    new java.io.InputStreamReader(child.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.startsWith("CHILD ")) {
                        lines.add(line.substring(6));
                    }
                }
            } catch (java.io.IOException e) {
                lines.add("READ-ERROR " + e);
            }
        }, "paused-child-reader");
        reader.setDaemon(true);
        reader.start();
        try (Coordinator b = Coordinator.connect(settings(etcd.endpoints()))) {
            await("the child won the key", Duration.ofSeconds(30), () -> lines.stream().anyMatch(l -> l.startsWith("WON ")));
            long childEpoch = Long.parseLong(lines.get(0).split(" ")[1]);
            Campaign other = b.campaign(key, writer("other"));
            CompletableFuture<Campaign.Result.Won> otherWon = new CompletableFuture<>();
            other.start(r -> {
                if (r instanceof Campaign.Result.Won w) {
                    otherWon.complete(w);
                }
            }, () -> true);
            signal(child.pid(), "STOP");
            long stoppedAt = System.nanoTime();
            Campaign.Result.Won w;
            try {
                // The stopped process keeps no lease alive: etcd expires it and the other campaigner wins.
                w = otherWon.get(TTL.toSeconds() * 3, TimeUnit.SECONDS);
            } finally {
                signal(child.pid(), "CONT");
            }
            long stoppedFor = (System.nanoTime() - stoppedAt) / 1_000_000;
            assertTrue(w.epoch() > childEpoch);
            await("the child reported its first check after resuming", Duration.ofSeconds(10),
                    () -> lines.stream().anyMatch(l -> l.startsWith("GAP ")));
            await("the child holds a new lease", Duration.ofSeconds(20),
                    () -> lines.stream().anyMatch(l -> l.startsWith("NEWLEASE ")));
            List<String> afterWin = lines.subList(1, lines.size());
            String gap = afterWin.stream().filter(l -> l.startsWith("GAP ")).findFirst().orElseThrow();
            assertTrue(gap.endsWith(" false"), "first check after the pause refuses writes: " + lines);
            assertTrue(afterWin.stream().noneMatch(l -> l.equals("WRITABLE true")), "never writable again: " + lines);
            assertTrue(lines.stream().filter(l -> l.startsWith("NEWLEASE ")).allMatch(l -> l.endsWith("writable false")),
                    "a new lease alone gives no authority while another cluster holds the key: " + lines);
            LOG.info("child stopped for {} ms; other cluster won with epoch {} > {}; child output {}", stoppedFor,
                    w.epoch(), childEpoch, lines);
        } finally {
            child.destroy();
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
    }

    private static void signal(long pid, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal + " " + pid);
    }
}
