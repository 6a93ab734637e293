package io.fenceline.control.cli;

import io.fenceline.config.coordination.CoordinationException;
import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.MonotonicClock;
import io.fenceline.config.manifest.AppliedManifest;
import io.fenceline.config.manifest.ManifestSet;
import io.fenceline.control.fleet.Fleet;
import io.fenceline.control.fleet.FleetConfig;
import io.fenceline.control.fleet.FleetConfigLoader;
import io.fenceline.control.history.Direction;
import io.fenceline.control.history.HistoryRow;
import io.fenceline.control.history.HistoryTable;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the fleet verbs share: the validated configuration, the pools, the etcd connection, and the manifests
 * validated against what the clusters' history tables say was applied (so an edited manifest is refused
 * before anything runs).
 */
final class ControlSession implements AutoCloseable {

    /** The bound of the warm-up read before a verb's first request (see {@link Coordinator#warmUp}). */
    private static final java.time.Duration WARM_UP = java.time.Duration.ofSeconds(5);

    final FleetConfig config;
    final Fleet fleet;
    final Coordinator etcd;

    private ControlSession(FleetConfig config) {
        this.config = config;
        this.fleet = new Fleet(config);
        try {
            this.etcd = Coordinator.connect(config.etcd(), config.etcdAccess(), MonotonicClock.system());
        } catch (RuntimeException e) {
            fleet.close();
            throw e;
        }
    }

    /** Loads the configuration; on problems prints every one and returns null. */
    static ControlSession open(Path configFile, PrintWriter err, String verb) {
        FleetConfigLoader.Result result = FleetConfigLoader.load(configFile);
        if (result instanceof FleetConfigLoader.Result.Invalid invalid) {
            err.println("fenceline " + verb + ": the configuration is invalid (" + invalid.problems().size()
                    + " problem(s)):");
            invalid.problems().forEach(p -> err.println("  " + p));
            return null;
        }
        FleetConfig config = ((FleetConfigLoader.Result.Loaded) result).config();
        try {
            ControlSession session = new ControlSession(config);
            // The verbs' requests are bounded by request_timeout; the first would also carry the connection's set-up
            // and the just-started JVM's class loading. Its outcome is ignored: the verb's own first request reports.
            session.etcd.warmUp(WARM_UP).handle((r, e) -> null).join();
            return session;
        } catch (CoordinationException e) {
            err.println("fenceline " + verb + ": cannot set up the etcd client for " + config.etcd().endpoints()
                    + " from " + config.source() + ": " + e.getMessage());
            return null;
        }
    }

    /** History rows of every cluster, in rollout order. */
    Map<String, List<HistoryRow>> history() throws SQLException {
        Map<String, List<HistoryRow>> rows = new LinkedHashMap<>();
        for (String cluster : config.rolloutOrder()) {
            try (Connection c = fleet.connect(cluster)) {
                rows.put(cluster, HistoryTable.rows(c));
            }
        }
        return rows;
    }

    /** The manifests validated against the versions the history tables record as applied. */
    ManifestSet manifests(Path folder) throws SQLException {
        Map<Integer, String> applied = new LinkedHashMap<>();
        for (List<HistoryRow> rows : history().values()) {
            for (HistoryRow r : rows) {
                if (r.direction() == Direction.UP && HistoryTable.netApplied(rows, r.version(), r.phase()) > 0) {
                    applied.putIfAbsent(r.version(), r.checksum());
                }
            }
        }
        List<AppliedManifest> list = new ArrayList<>();
        applied.forEach((v, sum) -> list.add(new AppliedManifest(v, sum)));
        return ManifestSet.load(folder, list);
    }

    @Override
    public void close() {
        try {
            etcd.close();
        } finally {
            fleet.close();
        }
    }
}
