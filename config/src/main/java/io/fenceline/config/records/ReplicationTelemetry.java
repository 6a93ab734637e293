package io.fenceline.config.records;

import java.time.Instant;

/**
 * Value of {@code …/clusters/{cluster}/telemetry/{id}}, bound to the proxy's lease: how far this proxy's cluster is
 * behind the group's writer, as the proxy measures it from the writer's published WAL positions
 * ({@code …/groups/{group}/wal}). {@code fenceline status} shows it per subscriber; the proxy exports the same
 * values on {@code /metrics}.
 *
 * @param upstream            the writer cluster whose WAL positions were compared (null before any was published)
 * @param lagBytes            bytes of the latest published position not applied here (0 on the writer; null unknown)
 * @param lagSeconds          at most this old is what this cluster shows: now minus the writer's time ({@code at}) of
 *                            the newest published position applied here (0 on the writer; null unknown)
 * @param applyLatencySeconds the last sample of "published on the writer" to "seen applied here" (null before the
 *                            first, and on the writer)
 * @param at                  when this record was written (the proxy's wall clock)
 */
public record ReplicationTelemetry(String upstream, Long lagBytes, Double lagSeconds, Double applyLatencySeconds,
                                   Instant at) {

    /** Validates: names, non-negative values. */
    public ReplicationTelemetry {
        if (upstream != null) {
            Checks.name("upstream", upstream);
        }
        if (lagBytes != null) {
            Checks.atLeast("lagBytes", lagBytes, 0);
        }
        nonNegative("lagSeconds", lagSeconds);
        nonNegative("applyLatencySeconds", applyLatencySeconds);
        Checks.notNull("at", at);
    }

    private static void nonNegative(String field, Double value) {
        if (value != null && !(value >= 0)) {
            throw new InvalidRecordException(field, "must be a number >= 0, got " + value);
        }
    }
}
