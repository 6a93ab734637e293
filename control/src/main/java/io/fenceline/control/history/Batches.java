package io.fenceline.control.history;

import java.util.regex.Pattern;

/**
 * Backfill statements that run in batches. A statement that names the placeholder {@value #PLACEHOLDER}
 * (psql's variable syntax; not a {@code ::batch_size} cast) is run with the manifest's
 * {@code backfill_batch_size} in its place, again and again, each run in its own transaction, until a run
 * affects 0 rows. The statement itself must make its own condition false for the rows it changed (for
 * example {@code UPDATE accounts SET email_lower = lower(email) WHERE id IN (SELECT id FROM accounts WHERE
 * email_lower IS NULL LIMIT :batch_size)}), or it would never reach 0 rows; {@link #MAX_BATCHES} bounds that
 * mistake.
 */
public final class Batches {

    /** What a batched statement names where the batch size goes. */
    public static final String PLACEHOLDER = ":batch_size";
    /** A statement still changing rows after this many batches is taken to never converge. */
    public static final int MAX_BATCHES = 1_000_000;

    private static final Pattern NAMED = Pattern.compile("(?<!:):batch_size\\b");

    private Batches() {
    }

    /** Whether {@code sql} runs in batches. */
    public static boolean batched(String sql) {
        return NAMED.matcher(sql).find();
    }

    /** {@code sql} with the batch size in place of every {@value #PLACEHOLDER}. */
    public static String withBatchSize(String sql, int batchSize) {
        return NAMED.matcher(sql).replaceAll(Integer.toString(batchSize));
    }

    /** Observes each committed batch (for progress lines). */
    @FunctionalInterface
    public interface Observer {
        /** Nothing to observe. */
        Observer NONE = (statement, batch, rows) -> { };

        /**
         * @param statement index of the statement in its phase
         * @param batch     the batch's number, from 1, continuing across resumes
         * @param rows      rows the batch changed (0 for the last one)
         */
        void committed(int statement, int batch, long rows);
    }
}
