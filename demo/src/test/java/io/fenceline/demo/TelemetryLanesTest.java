package io.fenceline.demo;

import io.fenceline.demo.report.TerminalReport;
import io.fenceline.demo.report.Timeline;
import io.fenceline.demo.report.TimelineRecorder;
import io.fenceline.demo.report.Track;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The versions-in-use lane's values, and the sequences the report's telemetry facts are made of. */
class TelemetryLanesTest {

    @Test
    void versionsInUseNameEveryVersionWithConnectionsOldestFirst() {
        assertEquals("?", Sampler.versions(false, null));
        assertEquals("none", Sampler.versions(true, null));
        assertEquals("none", Sampler.versions(true, Map.of(1, 0)));
        assertEquals("v1+v2", Sampler.versions(true, new TreeMap<>(Map.of(2, 3, 1, 5, 0, 0))));
        assertEquals("v2", Sampler.versions(true, Map.of(2, 7)));
    }

    @Test
    void aSequenceListsEachValueOnceInOrderAndTheStripsShowTheLane() {
        AtomicLong now = new AtomicLong();
        TimelineRecorder r = new TimelineRecorder(List.of("eu", "us"), now::get);
        r.observe("eu", Track.IN_USE, "v0");
        now.set(1_000);
        r.observe("eu", Track.IN_USE, "v0+v1");
        now.set(2_000);
        r.observe("eu", Track.IN_USE, "v1");
        now.set(3_000);
        r.observe("eu", Track.IN_USE, "v1");
        r.observe("eu", Track.IN_USE, "v2");
        now.set(4_000);
        Timeline t = r.snapshot();
        assertEquals("v0 -> v0+v1 -> v1 -> v2", Demo.sequence(t, "eu", Track.IN_USE));
        assertEquals("(not observed)", Demo.sequence(t, "us", Track.IN_USE));
        String strips = TerminalReport.render(new io.fenceline.demo.report.Report(t,
                new io.fenceline.demo.report.WriteCounts(0, 0, Map.of(), 0, 0, 0, 0, "eu"), List.of(), List.of(),
                java.time.Duration.ofSeconds(4)));
        assertTrue(strips.lines().anyMatch(l -> l.matches("  eu +in use \\|.{60}\\|")), strips);
        assertTrue(strips.contains("in use v0+v1"), strips);
    }
}
