package io.fenceline.proxy.schema;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Open client connections per schema version on this proxy: what {@code ProxyStatus.versionsInUse} publishes
 * and what control sums over the group before a contract step. Updated by the connections' event loops when
 * a connection starts, changes its version (a committed {@code SET}) or closes; thread-safe.
 */
public final class VersionCounts implements Supplier<Map<Integer, Integer>> {

    private final ConcurrentHashMap<Integer, AtomicInteger> counts = new ConcurrentHashMap<>();

    /** One more connection uses {@code version}. */
    void add(int version) {
        counts.computeIfAbsent(version, v -> new AtomicInteger()).incrementAndGet();
    }

    /** One connection fewer uses {@code version}. */
    void remove(int version) {
        AtomicInteger c = counts.get(version);
        if (c != null) {
            c.decrementAndGet();
        }
    }

    /** Version → connections now, versions with no connection left out; ordered by version. */
    @Override
    public Map<Integer, Integer> get() {
        Map<Integer, Integer> out = new TreeMap<>();
        counts.forEach((version, n) -> {
            int v = n.get();
            if (v > 0) {
                out.put(version, v);
            }
        });
        return Collections.unmodifiableMap(out);
    }

    /** Connections using {@code version} now. */
    public int connectionsUsing(int version) {
        AtomicInteger c = counts.get(version);
        return c == null ? 0 : Math.max(0, c.get());
    }
}
