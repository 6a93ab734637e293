package io.fenceline.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.fenceline.config.coordination.Campaign;
import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.EtcdSettings;
import io.fenceline.config.coordination.KeyEvent;
import io.fenceline.config.coordination.LeaseState;
import io.fenceline.config.coordination.ResumableWatch;
import io.fenceline.config.coordination.StoredEntry;
import io.fenceline.config.coordination.Versioned;
import io.fenceline.config.coordination.WatchListener;
import io.fenceline.config.records.AuditRecord;
import io.fenceline.config.records.HandoffProgress;
import io.fenceline.config.records.HandoffProgress.Phase;
import io.fenceline.config.records.HandoffRequest;
import io.fenceline.config.records.Mode;
import io.fenceline.config.records.ProxyStatus;
import io.fenceline.config.records.WriterRecord;
import io.fenceline.testing.ArchitectureRules;
import io.fenceline.testing.EtcdCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator verbs ({@code mode}, {@code handoff}, {@code writer}) against a real etcd. Each test has its own
 * key prefix. The proxies are stand-ins (marked below): per cluster, a status record on its own lease that
 * follows the cluster's mode key as a proxy does, and, for the handoff, the writer's and the target's
 * progress writes in the order docs/write-authority.md gives. The verbs only read and write etcd keys, so
 * what they print and return is exactly what they would with real proxies writing the same records.
 */
class OperatorVerbsIT {

    private static final Logger LOG = LoggerFactory.getLogger(OperatorVerbsIT.class);
    private static final List<String> CLUSTERS = List.of("c1", "c2", "c3");
    private static EtcdCluster etcd;

    @TempDir
    Path dir;

    private String prefix;
    private Path config;
    private Coordinator test;
    private final List<StandInProxy> proxies = new ArrayList<>();

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdCluster.start(1);
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) {
            etcd.close();
        }
    }

    @BeforeEach
    void world(TestInfo info) throws Exception {
        prefix = "/op-" + info.getTestMethod().orElseThrow().getName().toLowerCase().replaceAll("[^a-z0-9]", "")
                .substring(0, 20) + System.nanoTime() % 100_000;
        config = dir.resolve("control.yaml");
        StringBuilder yaml = new StringBuilder("group: main\ninstance: ops\netcd:\n  endpoints: [")
                .append(String.join(", ", etcd.endpoints())).append("]\n  prefix: ").append(prefix)
                .append("\n  lease_ttl: 3s\n  request_timeout: 2s\nclusters:\n");
        for (String c : CLUSTERS) {
            yaml.append("  - {name: ").append(c).append(", jdbc_url: \"jdbc:postgresql://127.0.0.1:1/none\", user: x}\n");
        }
        yaml.append("waves: [[c1], [c2, c3]]\n");
        Files.writeString(config, yaml);
        test = connect();
    }

    @AfterEach
    void close() {
        proxies.forEach(StandInProxy::close);
        proxies.clear();
        test.close();
    }

    private Coordinator connect() {
        return Coordinator.connect(new EtcdSettings(etcd.endpoints(), prefix, Duration.ofSeconds(5),
                EtcdSettings.DEFAULT_RHO, Duration.ofMillis(500), Duration.ofSeconds(2)));
    }

    private CliTest.Run cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add(1, "--config");
        all.add(2, config.toString());
        CliTest.Run run = CliTest.run(all.toArray(String[]::new));
        LOG.info("fenceline {} -> {}\n{}{}", String.join(" ", args), run.code(), run.out(), run.err());
        return run;
    }

    private List<AuditRecord> audit() {
        return test.store().listAudit("main", 1, 10_000).join();
    }

    private Optional<String> modeKey(String cluster) {
        return test.store().getEntry(test.keys().mode("main", cluster)).join().map(StoredEntry::value);
    }

    /**
     * Stand-in for one proxy: a lease-bound {@link ProxyStatus} that, while {@code follows}, re-publishes the
     * mode of its cluster's mode key whenever that key changes (a proxy applies a mode within one watch round
     * trip and publishes its status on each change).
     */
    private final class StandInProxy implements AutoCloseable {
        final String cluster;
        final Coordinator etcd = connect();
        final long lease;
        final ResumableWatch watch;
        volatile boolean follows = true;
        volatile boolean writer;
        volatile long epoch;

        StandInProxy(String cluster) throws InterruptedException {
            this.cluster = cluster;
            this.lease = etcd.leaseKeeper().awaitHeld(Duration.ofSeconds(10)).map(LeaseState.Held::leaseId).orElseThrow();
            this.watch = etcd.watch(etcd.keys().mode("main", cluster), false, 0, new WatchListener() {
                @Override
                public void onSnapshot(Snapshot why, List<StoredEntry> entries, long revision) {
                    publish(entries.isEmpty() ? null : entries.get(0).value());
                }

                @Override
                public void onEvents(List<KeyEvent> events) {
                    KeyEvent last = events.get(events.size() - 1);
                    if (follows) {
                        publish(last.type() == KeyEvent.Type.DELETE ? null : last.entry().value());
                    }
                }
            });
            proxies.add(this);
        }

        void publish(String modeText) {
            Mode mode = modeText == null ? Mode.WRITABLE : Mode.tryParse(modeText).orElse(Mode.READ_ONLY);
            etcd.store().putLeased(etcd.keys().proxy("main", cluster, "p-" + cluster), new ProxyStatus(lease, mode,
                    writer, epoch, writer ? 4000 : 0, Map.of(1, 3), 3, 100, 2, writer ? null : 0L, Instant.now()),
                    lease).join();
        }

        /** Campaigns for the writer key with this stand-in's lease. */
        Campaign.Result.Won takeWriter() {
            Campaign c = etcd.campaign(etcd.keys().writer("main"), new WriterRecord(cluster, "p-" + cluster, Instant.now()));
            Campaign.Result r = c.campaign().join();
            if (!(r instanceof Campaign.Result.Won won)) {
                throw new AssertionError(cluster + " did not win the writer key: " + r);
            }
            writer = true;
            epoch = won.epoch();
            publish(modeKey(cluster).orElse(null));
            return won;
        }

        @Override
        public void close() {
            watch.close();
            etcd.close();
        }
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void readOnlyOnOneClusterIsWrittenAuditedAndConfirmedByItsProxy() throws Exception {
        new StandInProxy("c1");
        new StandInProxy("c2");
        CliTest.Run run = cli("mode", "read-only", "--cluster", "c2", "--reason", "disk full on c2");
        assertEquals(ExitCodes.OK, run.code(), run::toString);
        assertEquals(Optional.of("read-only"), modeKey("c2"));
        assertEquals(Optional.empty(), modeKey("c1"), "only the named cluster changes");
        assertTrue(run.out().contains("c2: writable -> read-only"), run::out);
        assertTrue(run.out().contains("confirmed: every proxy of c2 reports read-only"), run::out);
        assertTrue(run.out().contains("p-c2"), "the proxies' status table: " + run.out());
        AuditRecord a = audit().stream().filter(r -> r.action().equals("operator-mode")).findFirst().orElseThrow();
        assertEquals("c2", a.cluster());
        assertEquals("read-only", a.details().get("mode"));
        assertEquals("writable", a.details().get("previous"));
        assertEquals("disk full on c2", a.details().get("reason"));
        assertTrue(a.actor().startsWith("operator "), a.actor());

        // writable clears the override (absent = writable) and is confirmed as well.
        CliTest.Run clear = cli("mode", "writable", "--cluster", "c2", "--json");
        assertEquals(ExitCodes.OK, clear.code(), clear::toString);
        assertEquals(Optional.empty(), modeKey("c2"));
        JsonNode json = Json.MAPPER.readTree(clear.out());
        assertTrue(json.get("confirmed").asBoolean());
        assertEquals("override cleared", json.get("changes").get(0).get("how").asText());
        assertEquals("read-only", json.get("changes").get(0).get("previous").asText());
    }

    @Test
    void pausedOnTheWholeGroupNamesTheProxyThatDidNotFollowAndExitsNine() throws Exception {
        new StandInProxy("c1");
        StandInProxy stuck = new StandInProxy("c2");
        new StandInProxy("c3");
        await("c2's first status", Duration.ofSeconds(5), () -> test.store().proxyStatuses("main").join().size() == 3);
        stuck.follows = false;
        CliTest.Run run = cli("mode", "paused", "--wait", "700ms");
        assertEquals(ExitCodes.UNCONFIRMED, run.code(), run::toString);
        for (String c : CLUSTERS) {
            assertEquals(Optional.of("paused"), modeKey(c), c);
        }
        assertTrue(run.out().contains("NOT CONFIRMED within 700 ms: proxy c2/p-c2 still reports writable"), run::out);
        assertEquals(3, audit().stream().filter(r -> r.action().equals("operator-mode")).count());

        // The same again: every key already says paused, c2's proxy catches up, and the verb says so.
        stuck.follows = true;
        stuck.publish("paused");
        CliTest.Run again = cli("mode", "pause");
        assertEquals(ExitCodes.OK, again.code(), again::toString);
        assertTrue(again.out().contains("c1: already paused"), again::out);

        // Without a mode: a look, no change.
        CliTest.Run look = cli("mode", "--json");
        assertEquals(ExitCodes.OK, look.code(), look::toString);
        assertEquals("paused", Json.MAPPER.readTree(look.out()).get("modes").get("c3").asText());
    }

    @Test
    void badModesAndUnknownClustersAreRefusedWithoutWriting() {
        CliTest.Run bad = cli("mode", "readonlyish", "--cluster", "c1");
        assertEquals(ExitCodes.BAD_INPUT, bad.code(), bad::toString);
        assertTrue(bad.err().contains("'readonlyish' is not a mode"), bad::err);
        CliTest.Run unknown = cli("mode", "read-only", "--cluster", "c9");
        assertEquals(ExitCodes.BAD_INPUT, unknown.code(), unknown::toString);
        assertTrue(unknown.err().contains("cluster 'c9' is unknown in group main (known: c1, c2, c3)"), unknown::err);
        assertEquals(Optional.empty(), modeKey("c9"));
        assertTrue(audit().isEmpty(), "nothing audited: nothing was done");
        // No proxy at all: the key is written but nothing confirms it.
        CliTest.Run lonely = cli("mode", "read-only", "--cluster", "c9", "--force", "--wait", "200ms");
        assertEquals(ExitCodes.UNCONFIRMED, lonely.code(), lonely::toString);
        assertTrue(lonely.out().contains("c9 has no proxy reporting"), lonely::out);
        assertEquals(Optional.of("read-only"), modeKey("c9"));
    }

    @Test
    void writerShowsTheHolderEpochLeaseTtlModesAndProxies() throws Exception {
        StandInProxy c1 = new StandInProxy("c1");
        new StandInProxy("c2");
        Campaign.Result.Won won = c1.takeWriter();
        test.store().putText(test.keys().mode("main", "c2"), "paused").join();
        CliTest.Run run = cli("writer");
        assertEquals(ExitCodes.OK, run.code(), run::toString);
        assertTrue(run.out().contains("writer c1 (proxy p-c1), epoch " + won.epoch()), run::out);
        assertTrue(run.out().matches("(?s).*lease [0-9a-f]+ has [1-5] s left in etcd.*"), run::out);
        assertTrue(run.out().contains("c2 paused"), run::out);
        JsonNode json = Json.MAPPER.readTree(cli("writer", "--json").out());
        assertEquals(won.epoch(), json.get("writer").get("epoch").asLong());
        assertTrue(json.get("writer").get("lease_ttl_left_s").asLong() >= 1);
        assertEquals(2, json.get("proxies").size());
        assertTrue(json.get("proxies").get(0).get("writer").asBoolean());
        assertEquals(100, json.get("proxies").get(0).get("statements").asLong());

        c1.close();
        proxies.remove(c1);
        await("the writer key to go with its lease", Duration.ofSeconds(10), () ->
                test.store().getEntry(test.keys().writer("main")).join().isEmpty());
        assertTrue(cli("writer").out().contains("NO WRITER"));
    }

    @Test
    void handoffWithWaitPrintsEveryStageUntilCompleted() throws Exception {
        StandInProxy c1 = new StandInProxy("c1");
        StandInProxy c2 = new StandInProxy("c2");
        c1.takeWriter();
        CompletableFuture<CliTest.Run> handoff = CompletableFuture.supplyAsync(() ->
                cli("handoff", "--to", "c2", "--timeout", "20s", "--wait", "--reason", "maintenance of c1"));
        HandoffRequest request = awaitRequest();
        assertEquals("c2", request.targetCluster());
        assertEquals(20_000, request.timeoutMillis());

        // Stand-in for the two proxies' side of docs/write-authority.md "Planned handoff".
        String progressKey = test.keys().handoffProgress("main");
        HandoffProgress paused = new HandoffProgress(request.requestId(), "c1", "c2", Phase.PAUSED, 0x3000060L, 0, "",
                Instant.now());
        test.store().put(progressKey, paused).join();
        test.store().put(progressKey, paused.next(Phase.CAUGHT_UP, 0x3000060L, "", Instant.now())).join();
        test.store().put(progressKey, paused.next(Phase.RELEASED, 0x3000060L, "", Instant.now())).join();
        c1.close();
        proxies.remove(c1);
        await("c1's writer key to go", Duration.ofSeconds(10), () ->
                test.store().getEntry(test.keys().writer("main")).join().isEmpty());
        Campaign.Result.Won won = c2.takeWriter();
        test.store().put(progressKey, paused.next(Phase.COMPLETED, 0x3000060L, "", Instant.now())).join();
        test.store().delete(test.keys().handoff("main")).join();

        CliTest.Run run = handoff.get(30, TimeUnit.SECONDS);
        assertEquals(ExitCodes.OK, run.code(), run::toString);
        List<String> stages = run.out().lines().filter(l -> l.matches("\\s+\\+\\d+\\.\\d+s .*")).toList();
        assertEquals(4, stages.size(), run::out);
        assertTrue(stages.get(0).contains("PAUSED") && stages.get(0).contains("at LSN 0/3000060"), stages::toString);
        assertTrue(stages.get(1).contains("CAUGHT_UP"), stages::toString);
        assertTrue(stages.get(2).contains("RELEASED"), stages::toString);
        assertTrue(stages.get(3).contains("COMPLETED") && stages.get(3).contains("epoch " + won.epoch()), stages::toString);
        assertTrue(run.out().contains("writer now c2 (proxy p-c2, epoch " + won.epoch() + ")"), run::out);
        AuditRecord asked = audit().stream().filter(r -> r.action().equals("operator-handoff")).findFirst().orElseThrow();
        assertEquals(request.requestId(), asked.details().get("request"));
        assertEquals("maintenance of c1", asked.details().get("reason"));
        assertTrue(asked.details().get("from").startsWith("c1 (epoch "), asked::toString);

        // Asking for the cluster that already writes does nothing.
        CliTest.Run noop = cli("handoff", "--to", "c2");
        assertEquals(ExitCodes.OK, noop.code(), noop::toString);
        assertTrue(noop.out().contains("already holds the writer"), noop::out);
        assertTrue(test.store().getEntry(test.keys().handoff("main")).join().isEmpty());
    }

    @Test
    void anAbortedOrRejectedHandoffExitsTenWithTheReason() throws Exception {
        StandInProxy c1 = new StandInProxy("c1");
        new StandInProxy("c2");
        c1.takeWriter();
        CompletableFuture<CliTest.Run> aborted = CompletableFuture.supplyAsync(() ->
                cli("handoff", "--to", "c2", "--wait", "--json"));
        HandoffRequest first = awaitRequest();
        String progressKey = test.keys().handoffProgress("main");
        HandoffProgress paused = new HandoffProgress(first.requestId(), "c1", "c2", Phase.PAUSED, 0x100, 0, "",
                Instant.now());
        test.store().put(progressKey, paused).join();
        test.store().put(progressKey, paused.next(Phase.ABORTED, 0, "target c2 did not catch up within 30000 ms",
                Instant.now())).join();
        test.store().delete(test.keys().handoff("main")).join();
        CliTest.Run run = aborted.get(30, TimeUnit.SECONDS);
        assertEquals(ExitCodes.ABORTED, run.code(), run::toString);
        JsonNode json = Json.MAPPER.readTree(run.out());
        assertEquals("aborted: target c2 did not catch up within 30000 ms", json.get("outcome").asText());
        assertEquals(2, json.get("stages").size());
        assertTrue(json.get("writer").asText().startsWith("c1"));

        // Rejected: the writer deletes the request and audits why, without any progress record of it.
        CompletableFuture<CliTest.Run> rejected = CompletableFuture.supplyAsync(() -> cli("handoff", "--to", "c3", "--wait"));
        HandoffRequest second = awaitRequest();
        test.store().appendAudit("main", Instant.now(), "proxy c1/p-c1", "handoff.rejected", "c1",
                Map.of("request", second.requestId(), "target", "c3", "why", "cluster c3 is not one of the candidates"))
                .join();
        test.store().delete(test.keys().handoff("main")).join();
        CliTest.Run r = rejected.get(30, TimeUnit.SECONDS);
        assertEquals(ExitCodes.ABORTED, r.code(), r::toString);
        assertTrue(r.out().contains("rejected by proxy c1/p-c1: cluster c3 is not one of the candidates"), r::out);
    }

    @Test
    void aPendingHandoffOrAReadOnlyTargetIsRefusedAndCancelWithdrawsTheRequest() throws Exception {
        new StandInProxy("c1").takeWriter();
        test.store().putText(test.keys().mode("main", "c3"), "read-only").join();
        CliTest.Run readOnly = cli("handoff", "--to", "c3");
        assertEquals(ExitCodes.REFUSED, readOnly.code(), readOnly::toString);
        assertTrue(readOnly.err().contains("cluster c3 is read-only"), readOnly::err);

        CliTest.Run asked = cli("handoff", "--to", "c2", "--timeout", "1m");
        assertEquals(ExitCodes.OK, asked.code(), asked::toString);
        HandoffRequest pending = awaitRequest();
        assertEquals(60_000, pending.timeoutMillis());
        CliTest.Run twice = cli("handoff", "--to", "c3");
        assertEquals(ExitCodes.REFUSED, twice.code(), twice::toString);
        assertTrue(twice.err().contains("handoff " + pending.requestId() + " to c2"), twice::err);
        assertTrue(cli("writer").out().contains("not started by a writer yet"));

        CliTest.Run cancel = cli("handoff", "--cancel", "--reason", "wrong target");
        assertEquals(ExitCodes.OK, cancel.code(), cancel::toString);
        assertTrue(test.store().getEntry(test.keys().handoff("main")).join().isEmpty());
        assertEquals(ExitCodes.REFUSED, cli("handoff", "--cancel").code(), "nothing left to cancel");
        assertTrue(audit().stream().anyMatch(r -> r.action().equals("operator-handoff-cancel")
                && pending.requestId().equals(r.details().get("request"))));
        assertEquals(ExitCodes.BAD_INPUT, cli("handoff", "--to", "c9").code());
        assertEquals(ExitCodes.BAD_INPUT, cli("handoff", "--to", "c2", "--timeout", "soon").code());
    }

    @Test
    void theLauncherShowsHelpForEachOperatorVerb() throws Exception {
        Path launcher = ArchitectureRules.moduleDir().toAbsolutePath().getParent().resolve("bin/fenceline");
        for (String verb : List.of("mode", "handoff", "writer")) {
            Process p = new ProcessBuilder(launcher.toString(), verb, "--help").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), verb);
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("Usage: fenceline " + verb), out);
            assertTrue(out.contains("--json") && out.contains("--group") && out.contains("Exit 0"), out);
        }
    }

    private HandoffRequest awaitRequest() throws InterruptedException {
        String key = test.keys().handoff("main");
        await("the handoff request", Duration.ofSeconds(20), () -> test.store().getEntry(key).join().isPresent());
        return test.store().get(key, HandoffRequest.class).join().map(Versioned::value).orElseThrow();
    }
}
