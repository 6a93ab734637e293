package io.fenceline.demo.report;

/**
 * A value a track of one cluster held over {@code [fromMillis, toMillis)}, in milliseconds since the run began.
 */
public record Segment(String cluster, Track track, long fromMillis, long toMillis, String value) {

    public Segment {
        if (toMillis < fromMillis) {
            throw new IllegalArgumentException("segment " + cluster + "/" + track + " '" + value + "' ends at "
                    + toMillis + " ms before it starts at " + fromMillis + " ms");
        }
    }
}
