/**
 * Telemetry measured off the data path: replication lag in seconds and the writer-to-subscriber apply latency, from
 * the writer's published WAL positions and the local database ({@link io.fenceline.proxy.telemetry.ReplicationProbe}),
 * and the group-wide view of versions, connections and migration steps followed from etcd
 * ({@link io.fenceline.proxy.telemetry.GroupFollower}). Nothing here runs per message; values are read by the metrics
 * on scrape. May import config, the authority's {@code ReplicationLag} and the fence's PostgreSQL implementation of
 * it; never Micrometer (only the metrics package does).
 */
package io.fenceline.proxy.telemetry;
