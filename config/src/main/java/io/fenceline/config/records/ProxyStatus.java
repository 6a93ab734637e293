package io.fenceline.config.records;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Value of {@code …/clusters/{cluster}/proxies/{id}}, bound to the proxy's lease (it disappears with it).
 *
 * @param lease               the proxy's etcd lease id
 * @param mode                the mode the proxy is enforcing now
 * @param writer              whether it holds the group's writer key and is before its deadline
 * @param epoch               the writer epoch it holds, 0 when not the writer
 * @param deadlineSlackMillis time left before its local deadline (negative or 0 when not the writer)
 * @param versionsInUse       schema version → number of open connections declaring it
 * @param connections         open client connections
 * @param statements          statements relayed since the proxy started (a counter; it restarts at 0 with the
 *                            process, so a reader comparing two readings treats a decrease as a restart)
 * @param errors              ErrorResponses sent to clients since the proxy started, whether from the database
 *                            or from the proxy's own refusals (same counter rules as {@code statements})
 * @param lagBytes            replication lag behind the writer in bytes, or null when unknown / writer
 * @param at                  when this status was published (wall clock, informational)
 */
public record ProxyStatus(long lease, Mode mode, boolean writer, long epoch, long deadlineSlackMillis,
                          Map<Integer, Integer> versionsInUse, int connections, long statements, long errors,
                          Long lagBytes, Instant at) {

    /** Validates and copies {@code versionsInUse} (ordered by version). */
    public ProxyStatus {
        Checks.atLeast("lease", lease, 1);
        Checks.notNull("mode", mode);
        Checks.atLeast("epoch", epoch, 0);
        Checks.notNull("versionsInUse", versionsInUse);
        Map<Integer, Integer> copy = new TreeMap<>();
        for (Map.Entry<Integer, Integer> e : versionsInUse.entrySet()) {
            if (e.getKey() == null || e.getKey() < 0) {
                throw new InvalidRecordException("versionsInUse", "version " + e.getKey() + " must be >= 0");
            }
            if (e.getValue() == null || e.getValue() < 0) {
                throw new InvalidRecordException("versionsInUse." + e.getKey(),
                        "count must be >= 0, got " + e.getValue());
            }
            copy.put(e.getKey(), e.getValue());
        }
        versionsInUse = Collections.unmodifiableMap(copy);
        Checks.atLeast("connections", connections, 0);
        Checks.atLeast("statements", statements, 0);
        Checks.atLeast("errors", errors, 0);
        if (lagBytes != null) {
            Checks.atLeast("lagBytes", lagBytes, 0);
        }
        Checks.notNull("at", at);
    }

    /** Connections per schema version summed over {@code statuses} (e.g. every proxy of a group). */
    public static Map<Integer, Integer> sumVersions(java.util.Collection<ProxyStatus> statuses) {
        Map<Integer, Integer> sum = new TreeMap<>();
        for (ProxyStatus s : statuses) {
            s.versionsInUse().forEach((version, count) -> sum.merge(version, count, Integer::sum));
        }
        return Collections.unmodifiableMap(sum);
    }

    /** Connections declaring {@code version} (0 when none). */
    public int connectionsUsing(int version) {
        return versionsInUse.getOrDefault(version, 0);
    }
}
