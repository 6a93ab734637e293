package io.fenceline.demo.report;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Collects observations while the scenario runs and turns them into a {@link Timeline}. An observation that
 * repeats a track's current value extends its segment; a different value closes it and opens the next one.
 * Thread-safe: the sampler and the scenario record from different threads.
 */
public final class TimelineRecorder {

    private final List<String> clusters;
    private final LongSupplier millisSinceStart;
    private final List<Segment> closed = new ArrayList<>();
    private final Map<String, Open> open = new HashMap<>();
    private final List<Marker> markers = new ArrayList<>();

    private record Open(long fromMillis, String value) {
    }

    /**
     * @param clusters         the lanes, in display order
     * @param millisSinceStart the clock: milliseconds since the run began (monotonic)
     */
    public TimelineRecorder(List<String> clusters, LongSupplier millisSinceStart) {
        this.clusters = List.copyOf(clusters);
        this.millisSinceStart = millisSinceStart;
    }

    /** Records that {@code track} of {@code cluster} is {@code value} now. */
    public void observe(String cluster, Track track, String value) {
        observeAt(millisSinceStart.getAsLong(), cluster, track, value);
    }

    /** Records that {@code track} of {@code cluster} is {@code value} from {@code atMillis} on. */
    public synchronized void observeAt(long atMillis, String cluster, Track track, String value) {
        if (!clusters.contains(cluster)) {
            throw new IllegalArgumentException("unknown cluster '" + cluster + "'; the lanes are " + clusters);
        }
        String key = cluster + "/" + track;
        Open current = open.get(key);
        if (current != null && current.value().equals(value)) {
            return;
        }
        if (current != null) {
            long to = Math.max(current.fromMillis(), atMillis);
            closed.add(new Segment(cluster, track, current.fromMillis(), to, current.value()));
            atMillis = to;
        }
        open.put(key, new Open(atMillis, value));
    }

    /** Records a scenario event now and returns its time. */
    public long mark(String label) {
        long at = millisSinceStart.getAsLong();
        synchronized (this) {
            markers.add(new Marker(at, label));
        }
        return at;
    }

    /** Milliseconds since the run began. */
    public long now() {
        return millisSinceStart.getAsLong();
    }

    /** The timeline so far; open segments end now. */
    public synchronized Timeline snapshot() {
        long end = millisSinceStart.getAsLong();
        List<Segment> all = new ArrayList<>(closed);
        open.forEach((key, o) -> {
            int slash = key.indexOf('/');
            all.add(new Segment(key.substring(0, slash), Track.valueOf(key.substring(slash + 1)), o.fromMillis(),
                    Math.max(o.fromMillis(), end), o.value()));
        });
        return new Timeline(clusters, end, all, markers);
    }
}
