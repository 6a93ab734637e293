package io.fenceline.proxy.metrics;

/** A migration journal seen by a proxy, fixed for the metrics tests. */
record FixedMigrationView(String group, String cluster, String state, double version, double updatedEpochSeconds,
                          int appliedVersion) implements ProxyMetrics.MigrationView {
}
