package io.fenceline.demo.report;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportRenderingTest {

    private static Report sample() {
        AtomicLong now = new AtomicLong();
        TimelineRecorder r = new TimelineRecorder(List.of("eu", "us", "ap"), now::get);
        for (String c : List.of("eu", "us", "ap")) {
            r.observe(c, Track.MODE, c.equals("eu") ? "writable" : "read-only");
            r.observe(c, Track.LEASE, c.equals("eu") ? "writer" : "-");
            r.observe(c, Track.SCHEMA, "V0");
        }
        now.set(4_000);
        r.observe("eu", Track.STEP, "expand");
        now.set(5_000);
        r.observe("eu", Track.SCHEMA, "V1 <expanded>");
        now.set(10_000);
        r.mark("partition eu from etcd");
        now.set(12_000);
        r.observe("eu", Track.MODE, "read-only");
        now.set(15_000);
        r.observe("us", Track.LEASE, "writer");
        now.set(20_000);
        return new Report(r.snapshot(), new WriteCounts(1000, 900, Map.of("25006", 90L, "42703", 4L), 6, 2, 0, 902,
                "us"), List.of("eu read-only 3.0 s before us took over"), List.of("schema enforcement: not wired"),
                Duration.ofSeconds(20));
    }

    @Test
    void theTerminalReportCarriesTheCountsTheFactsAndEveryChange() {
        String text = TerminalReport.render(sample());
        assertTrue(text.contains("writes accepted:  900"), text);
        assertTrue(text.contains("writes refused:   94  (25006: 90, 42703: 4)"), text);
        assertTrue(text.contains("writes lost:      0"), text);
        assertTrue(text.contains("eu read-only 3.0 s before us took over"), text);
        assertTrue(text.contains("   12.0  eu   mode   read-only"), text);
        assertTrue(text.contains("   10.0  ** partition eu from etcd"), text);
        // One strip per cluster and track that has segments.
        assertEquals(3, text.lines().filter(l -> l.matches("  (eu|us|ap) +mode +\\|.{60}\\|")).count(), text);
    }

    @Test
    void theHtmlPageDrawsALanePerClusterWithItsSegmentsAndEscapesValues() {
        String html = HtmlReport.render(sample());
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\""), html);
        for (String c : List.of("eu", "us", "ap")) {
            assertTrue(html.contains("<g class=\"lane\" data-cluster=\"" + c + "\">"), c);
        }
        assertTrue(html.contains("V1 &lt;expanded&gt;"), "values are escaped");
        assertFalse(html.contains("V1 <expanded>"));
        assertTrue(html.contains("class=\"n lost0\">0<"), "lost shown as 0");
        assertTrue(html.contains("partition eu from etcd"));
        long rects = html.lines().filter(l -> l.startsWith("<rect class=\"segment\"")).count();
        assertEquals(sample().timeline().segments().size(), rects);
    }

    @Test
    void axisTicksStayReadable() {
        assertEquals(1_000, HtmlReport.tickStep(8_000));
        assertEquals(10_000, HtmlReport.tickStep(95_000));
        assertEquals(30_000, HtmlReport.tickStep(240_000));
    }
}
