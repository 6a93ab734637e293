package io.fenceline.proxy.session;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Which database issued each live cancel key, and which session of this proxy holds it, so that a CancelRequest
 * arriving on a new connection reaches the session (which may hold the statement itself) and the server that can
 * act on it. Shared by all event loops; entries live as long as their session.
 *
 * @param <T> how an upstream database is addressed
 * @param <S> the session holding a key
 */
public final class CancelKeys<T, S> {

    /** The issuer of a key and the session holding it (null when registered without one). */
    public record Entry<T, S>(T issuer, S holder) {
    }

    private final ConcurrentMap<CancelKey, Entry<T, S>> entries = new ConcurrentHashMap<>();

    /** Records that {@code issuer} issued {@code key}, held by no session of this proxy's in particular. */
    public void register(CancelKey key, T issuer) {
        register(key, issuer, null);
    }

    /** Records that {@code issuer} issued {@code key} to {@code holder}. */
    public void register(CancelKey key, T issuer, S holder) {
        entries.put(key, new Entry<>(issuer, holder));
    }

    /** Forgets {@code key} when its session ends (only if still mapped to {@code issuer}). */
    public void unregister(CancelKey key, T issuer) {
        entries.computeIfPresent(key, (k, e) -> e.issuer().equals(issuer) ? null : e);
    }

    /** The database that issued {@code key}, if a live session holds it. */
    public Optional<T> issuerOf(CancelKey key) {
        Entry<T, S> e = entries.get(key);
        return e == null ? Optional.empty() : Optional.of(e.issuer());
    }

    /** The issuer and holder of {@code key}, if a live session holds it. */
    public Optional<Entry<T, S>> entry(CancelKey key) {
        return Optional.ofNullable(entries.get(key));
    }

    /** The process ids of the live keys' backends (a snapshot). */
    public java.util.Set<Integer> processIds() {
        java.util.Set<Integer> pids = new java.util.HashSet<>();
        for (CancelKey k : entries.keySet()) {
            pids.add(k.processId());
        }
        return java.util.Set.copyOf(pids);
    }

    /** Number of live keys. */
    public int size() {
        return entries.size();
    }
}
