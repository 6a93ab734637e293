package io.fenceline.config.coordination;

/**
 * A watch of a key or a prefix that survives disconnects (it resumes from the last delivered revision + 1)
 * and compaction (it re-reads the current state, tells the listener, and resumes from there), and never
 * delivers a change twice.
 */
public interface ResumableWatch extends AutoCloseable {

    /** Revision of the last change or snapshot delivered to the listener (0 before the first). */
    long lastRevision();

    /** Number of times the watch re-read the state because of compaction. */
    long resyncs();

    /** Stops the watch; no delivery starts after this returns. */
    @Override
    void close();
}
