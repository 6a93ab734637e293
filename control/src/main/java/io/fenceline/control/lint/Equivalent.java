package io.fenceline.control.lint;

import io.fenceline.control.history.Batches;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The statement lint runs for one the manifest gives: the same statement, or for statements that cannot
 * run in a transaction block, an equivalent without {@code CONCURRENTLY} that changes the catalog in the
 * same way. The concurrent forms take at most SHARE UPDATE EXCLUSIVE on the relations involved
 * (PostgreSQL documentation, "Explicit Locking"), which is what lint reports for them. A batched backfill
 * statement ({@link Batches}) runs once with the largest batch size, so lint sees the whole backfill's effect
 * (its locks are the same for any batch size).
 *
 * @param executed   what to run
 * @param concurrent true if {@code executed} is the non-concurrent equivalent
 */
record Equivalent(String executed, boolean concurrent) {

    /** The strongest lock the concurrent forms take on an existing relation. */
    static final LockMode CONCURRENT_LOCK = LockMode.SHARE_UPDATE_EXCLUSIVE;

    private static final Pattern LEADING = Pattern.compile("(?s)^(\\s|--[^\\n]*(\\n|$)|/\\*.*?\\*/)*");
    private static final Pattern CONCURRENTLY = Pattern.compile(
            "(?is)^((?:CREATE\\s+(?:UNIQUE\\s+)?INDEX|DROP\\s+INDEX|REINDEX\\s+(?:\\([^)]*\\)\\s*)?"
                    + "(?:INDEX|TABLE|SCHEMA|DATABASE|SYSTEM))\\s+)CONCURRENTLY\\b\\s*");

    static Equivalent of(String raw) {
        String sql = Batches.batched(raw) ? Batches.withBatchSize(raw, Integer.MAX_VALUE) : raw;
        String body = LEADING.matcher(sql).replaceFirst("");
        Matcher m = CONCURRENTLY.matcher(body);
        if (m.find()) {
            return new Equivalent(m.group(1) + body.substring(m.end()), true);
        }
        return new Equivalent(sql, false);
    }
}
