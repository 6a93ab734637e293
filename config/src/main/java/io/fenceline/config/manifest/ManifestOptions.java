package io.fenceline.config.manifest;

import java.time.Duration;
import java.util.Optional;

/**
 * Per-manifest execution options. Absent values mean "the cluster's own setting" for the timeouts and
 * {@link #DEFAULT_BACKFILL_BATCH_SIZE} for the batch size.
 *
 * @param statementTimeout  {@code statement_timeout} set for every statement of the migration, or null
 * @param lockTimeout       {@code lock_timeout} set for every statement of the migration, or null
 * @param backfillBatchSize rows per backfill batch, or null
 */
public record ManifestOptions(Duration statementTimeout, Duration lockTimeout, Integer backfillBatchSize) {

    /** Rows per backfill batch when a manifest does not say. */
    public static final int DEFAULT_BACKFILL_BATCH_SIZE = 1000;

    /** No options set. */
    public static final ManifestOptions NONE = new ManifestOptions(null, null, null);

    public Optional<Duration> statementTimeoutOption() {
        return Optional.ofNullable(statementTimeout);
    }

    public Optional<Duration> lockTimeoutOption() {
        return Optional.ofNullable(lockTimeout);
    }

    /** The batch size to use: the manifest's, or {@link #DEFAULT_BACKFILL_BATCH_SIZE}. */
    public int effectiveBackfillBatchSize() {
        return backfillBatchSize == null ? DEFAULT_BACKFILL_BATCH_SIZE : backfillBatchSize;
    }
}
