package io.fenceline.proxy.net;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the write authority tells every session of a server at once: the fence generation. Each
 * {@code rollbackWritingCommits} starts a new generation; a transaction that forwarded its first write in an
 * earlier generation may not commit any more (its COMMIT becomes ROLLBACK with 25006), even after authority
 * came back — its writes were made under a lease that has been lost since. Read on the event loops
 * (a volatile read per commit), written by the authority's thread.
 */
final class SessionControl {

    private final AtomicLong generation = new AtomicLong();
    private volatile String reason = "";

    /** The current generation. */
    long generation() {
        return generation.get();
    }

    /** Why the latest generation began (the fencing reason), empty before the first fence. */
    String reason() {
        return reason;
    }

    /** Starts a new generation because of {@code why}. */
    void fence(String why) {
        reason = why;
        generation.incrementAndGet();
    }
}
