package io.fenceline.config.coordination;

import java.util.List;

/**
 * Receives what a {@link ResumableWatch} sees, in revision order, on the watch's own thread, each change
 * exactly once. Must not block for long: the next delivery waits.
 */
public interface WatchListener {

    /** Why a snapshot is delivered. */
    enum Snapshot {
        /** The watch started without a revision: here is the current state. */
        INITIAL,
        /**
         * The revisions after the last delivered one were compacted away, so individual changes are lost:
         * here is the current state instead; anything derived from earlier events must be rebuilt from it.
         */
        RESYNC_AFTER_COMPACTION
    }

    /**
     * The current state of the watched key or prefix at {@code revision}; events that follow are newer.
     *
     * @param entries every existing key (empty when none)
     */
    void onSnapshot(Snapshot why, List<StoredEntry> entries, long revision);

    /** Changes of one or more revisions, oldest first, none delivered before. */
    void onEvents(List<KeyEvent> events);
}
