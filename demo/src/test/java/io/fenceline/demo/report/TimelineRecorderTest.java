package io.fenceline.demo.report;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimelineRecorderTest {

    private final AtomicLong now = new AtomicLong();
    private final TimelineRecorder recorder = new TimelineRecorder(List.of("eu", "us"), now::get);

    @Test
    void repeatedValuesExtendASegmentAndAChangeStartsTheNext() {
        recorder.observe("eu", Track.MODE, "writable");
        now.set(500);
        recorder.observe("eu", Track.MODE, "writable");
        now.set(1200);
        recorder.observe("eu", Track.MODE, "read-only");
        now.set(2000);
        Timeline t = recorder.snapshot();
        assertEquals(List.of(new Segment("eu", Track.MODE, 0, 1200, "writable"),
                new Segment("eu", Track.MODE, 1200, 2000, "read-only")), t.segments("eu", Track.MODE));
        assertEquals(2000, t.endMillis());
    }

    @Test
    void firstAtFindsWhenAValueBeganAfterAnInstant() {
        recorder.observe("us", Track.LEASE, "-");
        now.set(3000);
        recorder.observe("us", Track.LEASE, "writer");
        now.set(4000);
        recorder.observe("us", Track.LEASE, "-");
        now.set(6000);
        recorder.observe("us", Track.LEASE, "writer");
        Timeline t = recorder.snapshot();
        assertEquals(3000L, t.firstAt("us", Track.LEASE, "writer", 0).orElseThrow());
        assertEquals(3500L, t.firstAt("us", Track.LEASE, "writer", 3500).orElseThrow());
        assertEquals(6000L, t.firstAt("us", Track.LEASE, "writer", 4500).orElseThrow());
        assertTrue(t.firstAt("eu", Track.LEASE, "writer", 0).isEmpty());
    }

    @Test
    void markersAreKeptInTimeOrderAndFoundByPrefix() {
        now.set(700);
        recorder.mark("partition eu from etcd");
        now.set(100);
        recorder.observeAt(100, "eu", Track.SCHEMA, "V0");
        recorder.mark("migration V1 started");
        Timeline t = recorder.snapshot();
        assertEquals("migration V1 started", t.markers().get(0).label());
        assertEquals(700, t.marker("partition").orElseThrow().atMillis());
    }

    @Test
    void anUnknownClusterIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> recorder.observe("ap", Track.MODE, "writable"));
        assertTrue(e.getMessage().contains("'ap'") && e.getMessage().contains("[eu, us]"), e.getMessage());
    }
}
