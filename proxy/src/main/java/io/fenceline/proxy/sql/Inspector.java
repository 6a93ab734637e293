package io.fenceline.proxy.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives every statement of an SQL text a {@link Verdict}. Thread-safe; one instance is shared by
 * all connections of a proxy.
 *
 * <p>How: the text is split into statements by a PostgreSQL-aware lexer ({@link StatementSplitter}),
 * each statement is normalised (literals replaced, see {@link Normaliser}) and looked up in a shared
 * bounded cache keyed by the normalised text; on a miss it is classified from its key words or parsed
 * by Fenceline's PostgreSQL dialect of Calcite's parser, and the verdict is cached. A statement that
 * is not fully understood gets a fail-closed verdict ({@link Verdict#mayWrite()} and
 * {@link Verdict#mayBeDdl()} true), is reported to the {@link InspectionListener} and logged at
 * debug level with a sample of its normalised text (never with its literal values).
 *
 * <p>Intended call sites (not wired here): the proxy's frontend handler calls
 * {@link #inspectAsync(String, Executor)} for a {@code Query} message and
 * {@link #inspectStatement(String)} for a {@code Parse} message, then hands
 * the verdicts to the policy before forwarding.
 *
 * <p>Cost: a cache hit costs one lexer pass over the text and a hash lookup (about a microsecond
 * for pgbench's statements); a miss of a short statement costs tens of microseconds; a 5 KB catalog
 * query about a millisecond (figures in {@code docs/benchmarks.md}). Texts longer than
 * {@link #offloadThreshold()} characters that miss the cache should be inspected off the event
 * loop; {@link #inspectAsync(String, Executor)} does exactly that, so one connection's long
 * statement never stalls the other connections of its event loop.
 */
public final class Inspector {

    private static final Logger LOG = LoggerFactory.getLogger(Inspector.class);

    /** Default maximum total length, in characters, of the normalised texts the cache keeps. */
    public static final long DEFAULT_CACHE_CHARACTERS = 32L * 1024 * 1024;

    /** Default length above which {@link #inspectAsync} parses cache misses on the executor. */
    public static final int DEFAULT_OFFLOAD_THRESHOLD = 2048;

    private static final int SAMPLE_LENGTH = 160;

    private final Cache<String, Verdict> cache;
    private final InspectionListener listener;
    private final int offloadThreshold;

    /**
     * @param cacheCharacters  bound of the shared verdict cache, as total characters of its keys
     *                         (each entry also weighs a fixed 256 for the verdict)
     * @param offloadThreshold texts at least this long are parsed on the executor by
     *                         {@link #inspectAsync} when they miss the cache
     * @param listener         metrics hooks
     */
    public Inspector(long cacheCharacters, int offloadThreshold, InspectionListener listener) {
        if (cacheCharacters < 0 || offloadThreshold < 0) {
            throw new IllegalArgumentException("cacheCharacters (" + cacheCharacters
                    + ") and offloadThreshold (" + offloadThreshold + ") must not be negative");
        }
        this.listener = Objects.requireNonNull(listener, "listener");
        this.offloadThreshold = offloadThreshold;
        // Maintenance (replaying reads into the eviction policy) runs on the calling thread, amortised,
        // instead of as tasks on the common pool: on the event loop that saves a thread hand-off and a
        // wake-up per drained read buffer, which an oversubscribed machine pays in scheduling latency.
        this.cache = Caffeine.newBuilder()
                .maximumWeight(cacheCharacters)
                .weigher((String key, Verdict v) -> key.length() + 256)
                .executor(Runnable::run)
                .build();
    }

    /** An inspector with the default cache size and offload threshold and no metrics. */
    public static Inspector create() {
        return new Inspector(DEFAULT_CACHE_CHARACTERS, DEFAULT_OFFLOAD_THRESHOLD, InspectionListener.NONE);
    }

    public int offloadThreshold() {
        return offloadThreshold;
    }

    /** Verdicts for the statements of a simple-protocol {@code Query} text, in order. An empty or
     * comment-only text has no statements. */
    public List<Verdict> inspect(String sql) {
        return verdicts(StatementSplitter.pieces(sql));
    }

    private List<Verdict> verdicts(List<StatementSplitter.Piece> pieces) {
        List<Verdict> out = new ArrayList<>(pieces.size());
        for (StatementSplitter.Piece p : pieces) {
            out.add(verdict(Normaliser.normalise(p.tokens())));
        }
        return out;
    }

    /**
     * {@link #inspect(String)} for one connection's simple-protocol texts: when {@code sql} differs from one of
     * the connection's recent texts only in its integer and plain string constants, that text's verdicts are
     * returned without lexing (see {@link LastText}); otherwise {@code sql} is inspected and remembered (when
     * every statement of it was understood).
     */
    public List<Verdict> inspect(String sql, LastText last) {
        List<Verdict> remembered = last.verdicts(sql);
        if (remembered != null) {
            for (int k = 0; k < remembered.size(); k++) {
                listener.cacheHit();
            }
            return remembered;
        }
        List<StatementSplitter.Piece> pieces = StatementSplitter.pieces(sql);
        List<Verdict> out = verdicts(pieces);
        if (out.stream().allMatch(Verdict::understood)) {
            last.remember(sql, pieces, out);
        }
        return out;
    }

    /**
     * Verdict for the text of an extended-protocol {@code Parse}, which PostgreSQL allows to hold at
     * most one statement: several statements give a not-understood verdict (PostgreSQL will reject
     * the message anyway), none gives an empty-statement SESSION verdict.
     */
    public Verdict inspectStatement(String sql) {
        List<StatementSplitter.Piece> pieces = StatementSplitter.pieces(sql);
        if (pieces.isEmpty()) {
            return Verdict.of(StatementKind.SESSION);
        }
        if (pieces.size() > 1) {
            return notUnderstood(sql.length() > SAMPLE_LENGTH ? sql.substring(0, SAMPLE_LENGTH) : "",
                    "several statements in one prepared statement (" + pieces.size() + ")");
        }
        return verdict(Normaliser.normalise(pieces.get(0).tokens()));
    }

    /**
     * Like {@link #inspect(String)}, but a text of at least {@link #offloadThreshold()} characters
     * that is not entirely in the cache is parsed on {@code executor}. Short or cached texts complete
     * at once, on the calling thread. Lexing and normalising (linear, cheap) always run on the
     * calling thread.
     */
    public CompletableFuture<List<Verdict>> inspectAsync(String sql, Executor executor) {
        if (sql.length() < offloadThreshold) {
            return CompletableFuture.completedFuture(inspect(sql));
        }
        List<StatementSplitter.Piece> pieces = StatementSplitter.pieces(sql);
        List<Normaliser.Normalised> normalised = new ArrayList<>(pieces.size());
        List<Verdict> cached = new ArrayList<>(pieces.size());
        boolean allCached = true;
        for (StatementSplitter.Piece p : pieces) {
            Normaliser.Normalised n = Normaliser.normalise(p.tokens());
            normalised.add(n);
            Verdict v = cache.getIfPresent(n.text());
            cached.add(v);
            allCached &= v != null;
        }
        if (allCached) {
            for (int k = 0; k < cached.size(); k++) {
                listener.cacheHit();
            }
            return CompletableFuture.completedFuture(cached);
        }
        return CompletableFuture.supplyAsync(() -> {
            List<Verdict> out = new ArrayList<>(normalised.size());
            for (Normaliser.Normalised n : normalised) {
                out.add(verdict(n));
            }
            return out;
        }, executor);
    }

    /** Number of verdicts in the shared cache (approximate). */
    public long cachedStatements() {
        return cache.estimatedSize();
    }

    private Verdict verdict(Normaliser.Normalised n) {
        Verdict v = cache.getIfPresent(n.text());
        if (v != null) {
            listener.cacheHit();
            if (!v.understood()) {
                // Every occurrence counts in the metric; the debug log sampled it on the miss.
                listener.notUnderstood(sample(n.text()), v.detail());
            }
            return v;
        }
        listener.cacheMiss();
        long start = System.nanoTime();
        v = Classifier.classify(n.tokens());
        listener.parsed(n.text().length(), System.nanoTime() - start);
        if (!v.understood()) {
            notUnderstood(sample(n.text()), v.detail());
        }
        cache.put(n.text(), v);
        return v;
    }

    private static String sample(String normalised) {
        return normalised.length() > SAMPLE_LENGTH ? normalised.substring(0, SAMPLE_LENGTH) : normalised;
    }

    private Verdict notUnderstood(String sample, String reason) {
        listener.notUnderstood(sample, reason);
        LOG.debug("statement not understood, treated as a possible write and DDL ({}): {}", reason, sample);
        return Verdict.notUnderstood(reason);
    }
}
