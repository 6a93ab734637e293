package io.fenceline.demo.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What every cluster was over one run: segments per cluster and track, and the scenario's markers. Built by
 * {@link TimelineRecorder}; times are milliseconds since the run began.
 */
public record Timeline(List<String> clusters, long endMillis, List<Segment> segments, List<Marker> markers) {

    public Timeline {
        clusters = List.copyOf(clusters);
        segments = List.copyOf(segments);
        markers = markers.stream().sorted(Comparator.comparingLong(Marker::atMillis)).toList();
    }

    /** The first instant anything was observed or marked (0 when nothing was). */
    public long startMillis() {
        long start = Long.MAX_VALUE;
        for (Segment s : segments) {
            start = Math.min(start, s.fromMillis());
        }
        for (Marker m : markers) {
            start = Math.min(start, m.atMillis());
        }
        return start == Long.MAX_VALUE ? 0 : Math.min(start, endMillis);
    }

    /** The segments of one track of one cluster, in time order. */
    public List<Segment> segments(String cluster, Track track) {
        return segments.stream().filter(s -> s.cluster().equals(cluster) && s.track() == track)
                .sorted(Comparator.comparingLong(Segment::fromMillis)).toList();
    }

    /** When {@code track} of {@code cluster} first took {@code value} at or after {@code fromMillis}. */
    public Optional<Long> firstAt(String cluster, Track track, String value, long fromMillis) {
        return segments(cluster, track).stream()
                .filter(s -> s.value().equals(value) && s.toMillis() > fromMillis)
                .map(s -> Math.max(s.fromMillis(), fromMillis))
                .findFirst();
    }

    /** The first marker whose label starts with {@code prefix}. */
    public Optional<Marker> marker(String prefix) {
        return markers.stream().filter(m -> m.label().startsWith(prefix)).findFirst();
    }

    /** Every change in time order: the first segment of each track and each later value change. */
    public List<Segment> changes() {
        List<Segment> all = new ArrayList<>(segments);
        all.sort(Comparator.comparingLong(Segment::fromMillis)
                .thenComparing(s -> clusters.indexOf(s.cluster()))
                .thenComparing(Segment::track));
        return all;
    }
}
