package io.fenceline.proxy.telemetry;

import io.fenceline.config.records.AuditRecord;
import io.fenceline.config.records.Step;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The group as {@link GroupFollower} last saw it in etcd: the clusters named by any key, each cluster's expand acks
 * (its applied version is the highest), its proxies' connections per schema version, and per cluster the migration
 * steps the audit log records as applied ({@code ack} with outcome {@code applied}), failed ({@code step-failed})
 * and rolled back ({@code rolled-back-step}). Guarded by its own monitor (the follower mutates it holding it); readers get copies (on scrape).
 */
final class FleetState {

    /** The step outcomes counted, as metric label values. */
    static final java.util.List<String> OUTCOMES = java.util.List.of("applied", "failed", "rolled_back");

    private final TreeSet<String> clusters = new TreeSet<>();
    private final Map<String, TreeSet<Integer>> expanded = new HashMap<>();
    private final Map<String, Map<String, Map<Integer, Integer>>> proxies = new HashMap<>();
    /** Audit sequence → (cluster, outcome) of the step records seen, so a re-delivered record counts once. */
    private final Map<Long, String[]> stepRecords = new HashMap<>();

    void clearClusters() {
        clusters.clear();
        expanded.clear();
        proxies.clear();
    }

    void clearSteps() {
        stepRecords.clear();
    }

    void known(String cluster) {
        clusters.add(cluster);
    }

    void ack(String cluster, int version, Step step, boolean present) {
        known(cluster);
        if (step != Step.EXPAND) {
            return;
        }
        TreeSet<Integer> versions = expanded.computeIfAbsent(cluster, c -> new TreeSet<>());
        if (present) {
            versions.add(version);
        } else {
            versions.remove(version);
        }
    }

    /** A proxy's versions in use ({@code null}: its status record is gone). */
    void proxy(String cluster, String proxyId, Map<Integer, Integer> versionsInUse) {
        known(cluster);
        Map<String, Map<Integer, Integer>> of = proxies.computeIfAbsent(cluster, c -> new HashMap<>());
        if (versionsInUse == null) {
            of.remove(proxyId);
        } else {
            of.put(proxyId, versionsInUse);
        }
    }

    void audit(long seq, AuditRecord r) {
        if (r.cluster() == null) {
            return;
        }
        String outcome = switch (r.action()) {
            case "ack" -> "already-applied".equals(r.details().get("outcome")) ? null : "applied";
            case "step-failed" -> "failed";
            case "rolled-back-step" -> "rolled_back";
            default -> null;
        };
        if (outcome != null) {
            clusters.add(r.cluster());
            stepRecords.put(seq, new String[]{r.cluster(), outcome});
        }
    }

    /** Every known cluster's applied version: the highest expand ack (0 without one). */
    synchronized Map<String, Integer> applied() {
        Map<String, Integer> out = new TreeMap<>();
        for (String c : clusters) {
            TreeSet<Integer> v = expanded.get(c);
            out.put(c, v == null || v.isEmpty() ? 0 : v.last());
        }
        return out;
    }

    /** Per known cluster, open connections per declared version summed over its proxies. */
    synchronized Map<String, Map<Integer, Integer>> connections() {
        Map<String, Map<Integer, Integer>> out = new TreeMap<>();
        for (String c : clusters) {
            Map<Integer, Integer> sum = new TreeMap<>();
            proxies.getOrDefault(c, Map.of()).values().forEach(m -> m.forEach((v, n) -> sum.merge(v, n, Integer::sum)));
            out.put(c, sum);
        }
        return out;
    }

    /** Per known cluster, the step counts per outcome (every outcome present, 0 when none). */
    synchronized Map<String, Map<String, Long>> steps() {
        Map<String, Map<String, Long>> out = new TreeMap<>();
        for (String c : clusters) {
            Map<String, Long> counts = new TreeMap<>();
            OUTCOMES.forEach(o -> counts.put(o, 0L));
            out.put(c, counts);
        }
        for (String[] r : stepRecords.values()) {
            out.computeIfAbsent(r[0], c -> new TreeMap<>()).merge(r[1], 1L, Long::sum);
        }
        return out;
    }
}
