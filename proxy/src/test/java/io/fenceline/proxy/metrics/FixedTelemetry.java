package io.fenceline.proxy.metrics;

import java.util.Map;

/** Replication and group-wide views reading fixed values, for the tests of the scrape. */
final class FixedTelemetry {

    private FixedTelemetry() {
    }

    record Replication(String group, String cluster, double lagSeconds, double lagBytes)
            implements ProxyMetrics.ReplicationView {
    }

    record Fleet(String group, Map<String, Integer> appliedVersions, Map<String, Map<Integer, Integer>> connections,
                 Map<String, Map<String, Long>> steps, double gateWaitSeconds) implements ProxyMetrics.FleetView {
        @Override
        public double waitSeconds(String kind) {
            return kind.equals("gate") ? gateWaitSeconds : 0;
        }
    }

    /** Registers both views and one apply-latency sample on {@code metrics}: eu the writer, us 3 s behind at V2. */
    static void register(PrometheusMetrics metrics) {
        metrics.replication(new Replication("main", "us", 3.0, 1234));
        metrics.applyLatency("main", "us", "eu", 0.25);
        metrics.fleet(new Fleet("main", Map.of("eu", 3, "us", 2, "ap", 3), Map.of("eu", Map.of(3, 4), "us", Map.of(2, 1, 3, 2)),
                Map.of("eu", Map.of("applied", 3L, "failed", 0L, "rolled_back", 0L),
                        "us", Map.of("applied", 2L, "failed", 1L, "rolled_back", 1L)), 42));
    }
}
