package io.fenceline.demo;

import io.fenceline.demo.report.Report;
import io.fenceline.demo.report.Timeline;
import io.fenceline.demo.report.Track;
import io.fenceline.demo.workload.Workload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's first command, headless and with shorter phases: the whole scenario against real etcd, PostgreSQL
 * and proxy processes, then the report's numbers checked against an independent count of the rows, the
 * partition's order (the writer read-only before another cluster took over), the HTML page's timeline, and that
 * nothing is left running.
 */
class DemoIT {

    private static final Logger LOG = LoggerFactory.getLogger(DemoIT.class);

    @Test
    void theScenarioLosesNoAcceptedWriteAndReportsWhatHappened(@TempDir Path dir) throws Exception {
        Path html = dir.resolve("report.html");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(console, true, StandardCharsets.UTF_8);
        Demo demo = new Demo(DemoOptions.quick(ProxyJar.locate(), html), out);
        List<Long> proxyPids = new ArrayList<>();
        Path workDir;
        Report report;
        long started = System.nanoTime();
        try {
            try {
                report = demo.run();
            } finally {
                LOG.info("demo output:\n{}", console.toString(StandardCharsets.UTF_8));
            }
            for (String c : Demo.CLUSTERS) {
                proxyPids.add(demo.fleet().proxy(c).pid());
            }
            workDir = demo.workDir();

            // Lost is the report's count; check it against our own count of the accepted ids on every cluster.
            long[] accepted = demo.workload().log().acceptedIds();
            assertTrue(accepted.length > 0, "the application wrote");
            assertEquals(accepted.length, report.writes().accepted());
            assertEquals(0, report.writes().lost(), () -> "writes lost:\n" + console);
            try (Connection c = demo.fleet().connectDirect(report.writes().countedOn())) {
                assertEquals(accepted.length, Workload.countPresent(c, accepted),
                        "every accepted id is a row on " + report.writes().countedOn());
                assertTrue(Workload.countRows(c) >= accepted.length);
            }
            assertEquals(report.writes().attempted(), report.writes().accepted() + report.writes().refusedTotal()
                    + report.writes().unknown(), "every write has one outcome");
        } finally {
            demo.close();
        }
        LOG.info("scenario and clean-up took {} s", (System.nanoTime() - started) / 1_000_000_000);

        Timeline t = report.timeline();
        for (String c : Demo.CLUSTERS) {
            assertEquals("V2", t.segments(c, Track.SCHEMA).get(t.segments(c, Track.SCHEMA).size() - 1).value(),
                    c + " ends at schema V2: " + t.segments(c, Track.SCHEMA));
        }
        assertTrue(t.marker("application v2 deployed").isPresent(), t.markers().toString());
        // One control run ordered each step around the writer: replication never stopped on a missing column.
        assertTrue(report.facts().contains("logical replication during the migration: 0 apply errors on the"
                + " subscriptions of " + String.join(", ", Demo.CLUSTERS)), report.facts().toString());
        assertTrue(report.facts().stream().anyMatch(f -> f.startsWith("verify after the partition: clusters agree — ")
                && f.endsWith("fenceline verify exited 0)")), report.facts().toString());
        // The telemetry lanes: versions in use per cluster (the proxies' reports) moved to v2; the writer's epochs.
        for (String c : Demo.CLUSTERS) {
            // The fact was written before the application stopped; the final timeline may have a value more.
            String fact = report.facts().stream().filter(f -> f.startsWith(c + " versions: applied "
                    + Demo.sequence(t, c, Track.SCHEMA) + "; in use by connections ")).findFirst()
                    .orElseThrow(() -> new AssertionError(c + ": " + report.facts()));
            String inUse = fact.substring(fact.indexOf("; in use by connections ") + 24);
            assertTrue(inUse.contains("v2"), c + " in use: " + inUse);
            assertTrue(Demo.sequence(t, c, Track.IN_USE).startsWith(inUse), c + ": " + inUse + " / "
                    + Demo.sequence(t, c, Track.IN_USE));
        }
        List<Long> epochs = t.markers().stream().filter(m -> m.label().startsWith("writer: "))
                .map(m -> Long.parseLong(m.label().replaceAll(".*\\(epoch (\\d+)\\)$", "$1"))).toList();
        assertTrue(report.facts().stream().anyMatch(f -> f.startsWith("writer over the run: " + Demo.WRITER
                + " (epoch ")), report.facts().toString());
        for (int i = 1; i < epochs.size(); i++) {
            assertTrue(epochs.get(i) > epochs.get(i - 1), "epochs grow: " + epochs);
        }
        if (demo.features().writeAuthority()) {
            // eu, then us after the partition, then eu again after the handoff: at least three epochs.
            assertTrue(epochs.size() >= 3, t.markers().toString());
            // fenceline watch verified after the failover by itself: an actual comparison against the new writer.
            assertTrue(report.facts().stream().anyMatch(f -> f.startsWith("verify after the failover, run by fenceline"
                    + " watch on its own: clusters agree — ") && f.contains("against " + Demo.TAKEOVER)
                    && f.endsWith("(fenceline watch exited 0)")), report.facts().toString());
            assertTrue(t.markers().stream().anyMatch(m -> m.label().startsWith("writer: " + Demo.TAKEOVER + " (epoch")),
                    t.markers().toString());
            long cut = t.marker(Demo.WRITER + " cut off from etcd").orElseThrow().atMillis();
            long readOnly = t.firstAt(Demo.WRITER, Track.MODE, "read-only", cut).orElseThrow(
                    () -> new AssertionError(Demo.WRITER + " never seen read-only after the cut: " + t.segments()));
            long takeover = t.firstAt(Demo.TAKEOVER, Track.LEASE, "writer", cut).orElseThrow();
            assertTrue(readOnly < takeover, "read-only at " + readOnly + " ms, takeover at " + takeover + " ms");
            assertTrue(t.firstAt(Demo.WRITER, Track.LEASE, "writer", takeover).isPresent(), "the writer came back");
            assertTrue(report.writes().refused().containsKey("25006"), "writes refused while read-only");
        } else {
            assertTrue(report.notes().stream().anyMatch(n -> n.startsWith("write authority")), report.notes().toString());
        }

        String page = Files.readString(html);
        assertTrue(page.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\""));
        for (String c : Demo.CLUSTERS) {
            assertTrue(page.contains("<g class=\"lane\" data-cluster=\"" + c + "\">"), "lane of " + c);
        }
        assertTrue(page.contains("class=\"n lost0\">0<"));
        String text = console.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("writes lost:      0"), text);

        for (long pid : proxyPids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "proxy " + pid + " stopped");
        }
        assertFalse(Files.exists(workDir), workDir + " removed");
    }
}
