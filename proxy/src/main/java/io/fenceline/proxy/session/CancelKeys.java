package io.fenceline.proxy.session;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Which database issued each live cancel key, so that a CancelRequest arriving on a new connection is
 * sent to the server that can act on it. Shared by all event loops; entries live as long as their session.
 *
 * @param <T> how an upstream database is addressed
 */
public final class CancelKeys<T> {

    private final ConcurrentMap<CancelKey, T> issuers = new ConcurrentHashMap<>();

    /** Records that {@code issuer} issued {@code key}. */
    public void register(CancelKey key, T issuer) {
        issuers.put(key, issuer);
    }

    /** Forgets {@code key} when its session ends (only if still mapped to {@code issuer}). */
    public void unregister(CancelKey key, T issuer) {
        issuers.remove(key, issuer);
    }

    /** The database that issued {@code key}, if a live session holds it. */
    public Optional<T> issuerOf(CancelKey key) {
        return Optional.ofNullable(issuers.get(key));
    }

    /** The process ids of the live keys' backends (a snapshot). */
    public java.util.Set<Integer> processIds() {
        java.util.Set<Integer> pids = new java.util.HashSet<>();
        for (CancelKey k : issuers.keySet()) {
            pids.add(k.processId());
        }
        return java.util.Set.copyOf(pids);
    }

    /** Number of live keys. */
    public int size() {
        return issuers.size();
    }
}
