package io.fenceline.proxy.sql;

/**
 * Observes the inspector for metrics. Every method does nothing by default; the proxy's metrics
 * package implements the ones it exports. Called on the thread that inspects, so implementations
 * must be cheap and thread-safe.
 */
public interface InspectionListener {

    /** A listener that records nothing. */
    InspectionListener NONE = new InspectionListener() { };

    /** A verdict came from the shared cache (by normalised text) or a connection's prepared cache. */
    default void cacheHit() {
    }

    /** No cached verdict: the statement was classified (and, if needed, parsed). */
    default void cacheMiss() {
    }

    /** A full Calcite parse of {@code length} characters took {@code nanos}. */
    default void parsed(int length, long nanos) {
    }

    /**
     * A statement was not fully understood and will be treated as a possible write and possible DDL.
     *
     * @param sample the first characters of the statement's normalised text (literals removed)
     * @param reason why, e.g. the parser's message
     */
    default void notUnderstood(String sample, String reason) {
    }
}
