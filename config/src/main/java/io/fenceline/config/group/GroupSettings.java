package io.fenceline.config.group;

import io.fenceline.config.keys.EtcdKeys;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * How one proxy takes part in the write authority of one group.
 *
 * @param group          the group ({@code …/groups/{group}/writer})
 * @param cluster        the cluster this proxy fronts
 * @param proxyId        this proxy's id among the cluster's proxies
 * @param preferred      the cluster that becomes writer when none was ever recorded (must be a candidate)
 * @param candidates     clusters that may ever hold the writer key (this cluster campaigns only if listed)
 * @param failover       whether a candidate takes over by itself after the writer's lease is gone
 * @param maxLagBytes    a candidate takes over only if its applied position is at most this far behind the
 *                       last writer's published WAL position
 * @param pauseBound     how long a write may wait while the cluster is paused before it fails with 57014
 * @param handoffTimeout default bound on a planned handoff when the request names none
 * @param statusInterval how often the proxy status and the writer's WAL position are published
 */
public record GroupSettings(String group, String cluster, String proxyId, String preferred, List<String> candidates,
                            Failover failover, long maxLagBytes, Duration pauseBound, Duration handoffTimeout,
                            Duration statusInterval) {

    /** Default bound on a paused write. */
    public static final Duration DEFAULT_PAUSE_BOUND = Duration.ofSeconds(10);
    /** Default bound on a planned handoff. */
    public static final Duration DEFAULT_HANDOFF_TIMEOUT = Duration.ofSeconds(30);
    /** Default status publishing interval. */
    public static final Duration DEFAULT_STATUS_INTERVAL = Duration.ofSeconds(1);
    /** Default replication-lag bound for automatic failover (16 MiB of WAL). */
    public static final long DEFAULT_MAX_LAG_BYTES = 16L * 1024 * 1024;

    /**
     * Validates everything at once.
     *
     * @throws IllegalArgumentException listing every problem, each with its setting name ({@code group.*})
     */
    public GroupSettings {
        List<String> problems = problems(group, cluster, proxyId, preferred, candidates, failover, maxLagBytes,
                pauseBound, handoffTimeout, statusInterval);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid group settings (" + problems.size() + " problem"
                    + (problems.size() == 1 ? "" : "s") + "): " + String.join("; ", problems));
        }
        candidates = List.copyOf(candidates);
    }

    /** Settings with the defaults for the bounds. */
    public static GroupSettings of(String group, String cluster, String proxyId, String preferred,
                                   List<String> candidates, Failover failover) {
        return new GroupSettings(group, cluster, proxyId, preferred, candidates, failover, DEFAULT_MAX_LAG_BYTES,
                DEFAULT_PAUSE_BOUND, DEFAULT_HANDOFF_TIMEOUT, DEFAULT_STATUS_INTERVAL);
    }

    /** A copy with other bounds. */
    public GroupSettings withBounds(long newMaxLagBytes, Duration newPauseBound, Duration newHandoffTimeout,
                                    Duration newStatusInterval) {
        return new GroupSettings(group, cluster, proxyId, preferred, candidates, failover, newMaxLagBytes,
                newPauseBound, newHandoffTimeout, newStatusInterval);
    }

    /** Whether this proxy's cluster may ever hold the writer key. */
    public boolean isCandidate() {
        return candidates.contains(cluster);
    }

    /** Whether {@code other} may ever hold the writer key. */
    public boolean isCandidate(String other) {
        return candidates.contains(other);
    }

    /**
     * Every problem with these values (empty when valid); each names its setting. Used by the configuration
     * loader to report all problems of a file at once.
     */
    public static List<String> problems(String group, String cluster, String proxyId, String preferred,
                                        List<String> candidates, Failover failover, long maxLagBytes,
                                        Duration pauseBound, Duration handoffTimeout, Duration statusInterval) {
        List<String> p = new ArrayList<>();
        name(p, "group.name", group);
        name(p, "group.cluster", cluster);
        name(p, "group.proxy_id", proxyId);
        if (candidates == null || candidates.isEmpty()) {
            p.add("group.candidates: at least one candidate cluster is required");
        } else {
            for (int i = 0; i < candidates.size(); i++) {
                name(p, "group.candidates[" + i + "]", candidates.get(i));
            }
            if (new LinkedHashSet<>(candidates).size() != candidates.size()) {
                p.add("group.candidates: " + candidates + " lists a cluster more than once");
            }
        }
        if (preferred == null) {
            p.add("group.preferred: is required (the cluster that becomes writer when none was ever recorded)");
        } else {
            name(p, "group.preferred", preferred);
            if (candidates != null && !candidates.contains(preferred)) {
                p.add("group.preferred: '" + preferred + "' is not one of group.candidates " + candidates);
            }
        }
        if (failover == null) {
            p.add("group.failover: is required (manual or automatic)");
        }
        if (maxLagBytes < 0) {
            p.add("group.max_lag_bytes: " + maxLagBytes + " must be >= 0");
        }
        positive(p, "group.pause_bound", pauseBound, Duration.ofMillis(1));
        positive(p, "group.handoff_timeout", handoffTimeout, Duration.ofMillis(100));
        positive(p, "group.status_interval", statusInterval, Duration.ofMillis(50));
        return p;
    }

    private static void name(List<String> p, String setting, String value) {
        if (!EtcdKeys.isValidName(value)) {
            p.add(setting + ": '" + value + "' must match " + EtcdKeys.NAME_PATTERN);
        }
    }

    private static void positive(List<String> p, String setting, Duration value, Duration min) {
        if (value == null) {
            p.add(setting + ": is required");
        } else if (value.compareTo(min) < 0) {
            p.add(setting + ": " + value + " must be at least " + min);
        }
    }
}
