package io.fenceline.control.history;

import java.time.Instant;

/** One row of {@code fenceline.history}. */
public record HistoryRow(long id, int version, String phase, String checksum, long epoch, Instant appliedAt,
                         Direction direction) {
}
