package io.fenceline.proxy.net;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the write authority and the sessions of a server share: the fence generation, and which backends'
 * sessions are held by a policy now. Each
 * {@code rollbackWritingCommits} starts a new generation; a transaction that forwarded its first write in an
 * earlier generation may not commit any more (its COMMIT becomes ROLLBACK with 25006), even after authority
 * came back — its writes were made under a lease that has been lost since. Read on the event loops
 * (a volatile read per commit), written by the authority's thread.
 */
final class SessionControl {

    private final AtomicLong generation = new AtomicLong();
    private final java.util.Set<Integer> held = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile String reason = "";

    /** The current generation. */
    long generation() {
        return generation.get();
    }

    /** Why the latest generation began (the fencing reason), empty before the first fence. */
    String reason() {
        return reason;
    }

    /** The session of backend {@code pid} is held by a policy. */
    void held(int pid) {
        held.add(pid);
    }

    /** The session of backend {@code pid} is no longer held. */
    void released(int pid) {
        held.remove(pid);
    }

    /** Backends whose sessions are held now (a snapshot). */
    java.util.Set<Integer> heldPids() {
        return java.util.Set.copyOf(held);
    }

    /** Starts a new generation because of {@code why}. */
    void fence(String why) {
        reason = why;
        generation.incrementAndGet();
    }
}
