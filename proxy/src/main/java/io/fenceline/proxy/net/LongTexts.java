package io.fenceline.proxy.net;

import io.fenceline.proxy.sql.Inspector;
import io.fenceline.proxy.sql.StatementSplitter;
import io.fenceline.proxy.sql.Verdict;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Inspection of long Query and Parse texts entirely off the event loop (issue 15). {@link Inspector#inspectAsync}
 * offloads the parse of a long text but lexes and normalises it on the calling thread, which for a bulk INSERT of
 * megabytes stalls every other session of the event loop; a text of at least {@link #OFF_LOOP_CHARS} characters is
 * instead lexed, split and classified on the inspection executor, with the start of each statement (which the
 * simple path needs to cut a text before a refused statement) computed there too.
 *
 * <p>The statement path gives the same message again once the future completes; the finished inspection is
 * kept for it, matched by the text itself. One per connection, used on its event loop.
 */
final class LongTexts {

    /** Texts at least this long are inspected on the executor from their first character. */
    static final int OFF_LOOP_CHARS = 64 << 10;

    /** The verdicts of a text's statements and where each starts (null when not asked for). */
    record Inspected(List<Verdict> verdicts, int[] starts) {
    }

    private final Inspector inspector;
    private final Executor executor;
    private String text;
    private CompletableFuture<Inspected> pending;

    LongTexts(Inspector inspector, Executor executor) {
        this.inspector = inspector;
        this.executor = executor;
    }

    /**
     * The inspection of {@code sql}: the one started for the same text and now finished (then forgotten), or a
     * new one on the executor. Inline only when the executor refuses the task (its queue is full).
     */
    CompletableFuture<Inspected> inspect(String sql, boolean withStarts) {
        if (pending != null && sql.equals(text)) {
            CompletableFuture<Inspected> f = pending;
            if (f.isDone()) {
                pending = null;
                text = null;
            }
            return f;
        }
        CompletableFuture<Inspected> f;
        try {
            f = CompletableFuture.supplyAsync(() -> inspect(inspector, sql, withStarts), executor);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(inspect(inspector, sql, withStarts));
        }
        text = sql;
        pending = f;
        return f;
    }

    private static Inspected inspect(Inspector inspector, String sql, boolean withStarts) {
        return new Inspected(inspector.inspect(sql), withStarts ? StatementSplitter.starts(sql) : null);
    }
}
