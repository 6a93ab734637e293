package io.fenceline.proxy.metrics;

import io.fenceline.proxy.sql.InspectionListener;

import java.util.Map;

/**
 * What the data path reports, statement inspection included ({@link InspectionListener}). Every method does nothing by default, so a session can call it
 * unconditionally; implementations must be cheap and thread-safe (called on event loops).
 */
public interface ProxyMetrics extends InspectionListener {

    /** Does nothing. */
    ProxyMetrics NOOP = new ProxyMetrics() {
    };

    /** A client connection was accepted. */
    default void connectionOpened() {
    }

    /** A client connection closed. */
    default void connectionClosed() {
    }

    /** A client connection was refused before startup (connection limit, shutting down). */
    default void connectionRefused() {
    }

    /** {@code count} frontend messages were relayed to the database. */
    default void frontendMessages(int count) {
    }

    /** Bytes relayed from clients to the database. */
    default void frontendBytes(long bytes) {
    }

    /** Bytes relayed from the database to clients. */
    default void backendBytes(long bytes) {
    }

    /** An error with {@code sqlState} reached a client (from the database or from the proxy). */
    default void error(String sqlState) {
    }

    /**
     * A request round trip through the proxy: from forwarding a Query or Sync to relaying the
     * ReadyForQuery that answers it.
     */
    default void relayLatency(long nanos) {
    }

    /** A long statement missed the verdict cache and its connection waits while it is parsed off the event loop. */
    default void inspectionOffloaded() {
    }

    /** A statement (Query, Execute or FunctionCall) was relayed to the database. */
    default void statement() {
    }

    /** The write authority refused a write with {@code sqlState} (25006, or 57014 after a pause). */
    default void writeRejected(String sqlState) {
    }

    /** A write started to wait because the cluster is paused. */
    default void writeHeld() {
    }

    /** The commit of a transaction that wrote was turned into a rollback. */
    default void commitRolledBack() {
    }

    /** A CancelRequest was sent for a write still running when the cluster was fenced. */
    default void cancelSent() {
    }

    /**
     * The database fence found a session's open transaction holding a transaction id (a write the proxy may not
     * have seen, such as a function's): its COMMIT will roll back.
     */
    default void wroteInDatabase() {
    }

    /** A write decided earlier was not sent because the lease lapsed before the bytes were flushed. */
    default void staleWriteDropped() {
    }

    /** Registers the write authority's gauges (once, at start). */
    default void authority(AuthorityView view) {
    }

    /** What the write-authority gauges read; every method is called on the scraping thread and must be cheap. */
    interface AuthorityView {
        /** The group's name (a tag). */
        String group();

        /** 1 while the lease is held and its deadline is ahead, else 0. */
        boolean leaseHeld();

        /** Seconds until the lease's deadline; 0 without a lease. */
        double deadlineSlackSeconds();

        /** 1 while writes would be allowed now. */
        boolean writable();

        /** The operator's mode ({@code writable}, {@code read-only}, {@code paused}) or {@code unknown}. */
        String mode();

        /** The epoch of the writer key this proxy's cluster holds (confirmed by this proxy); 0 when it holds none. */
        default long writerEpoch() {
            return 0;
        }

        /** Bytes this cluster's replica is behind the last writer's published WAL position (0 on the writer); NaN unknown. */
        default double replicationLagBytes() {
            return Double.NaN;
        }

        /** The group's {@code maxLagBytes}: a candidate further behind does not take over. */
        default double replicationLagBoundBytes() {
            return Double.NaN;
        }
    }

    /** Registers the migration gauges (once, at start, with a {@code group:} section). */
    default void migration(MigrationView view) {
    }

    /**
     * What the migration gauges read: the group's migration journal and this cluster's acks, as followed from
     * etcd. Every method is called on the scraping thread and must be cheap.
     */
    interface MigrationView {
        /** The group's name (a tag). */
        String group();

        /** This proxy's cluster (a tag of the applied-version gauge). */
        String cluster();

        /** The journal's state ({@code expanding}, {@code halted}, ...), or {@code none} without a journal. */
        String state();

        /** The version the journal rolls out; NaN without a journal. */
        double version();

        /** When control last wrote the journal (its {@code updatedAt}), in seconds since the epoch; NaN without one. */
        double updatedEpochSeconds();

        /** The highest version this cluster acked the {@code expand} step of (0 when none). */
        int appliedVersion();
    }

    /** Registers the replication-telemetry gauges (once, at start, with a {@code group:} section). */
    default void replication(ReplicationView view) {
    }

    /**
     * What the replication-telemetry gauges read (measured off the data path by the telemetry probe); every method
     * is called on the scraping thread and must be cheap.
     */
    interface ReplicationView {
        /** The group's name (a tag). */
        String group();

        /** This proxy's cluster (a tag). */
        String cluster();

        /** At most this old is what this cluster shows of the writer's commits (0 on the writer; NaN unknown). */
        double lagSeconds();

        /** Bytes of the writer's newest published position not applied here (0 on the writer; NaN unknown). */
        double lagBytes();
    }

    /**
     * One apply-latency sample of the cluster pair {@code upstream} (the writer) → {@code cluster} (this proxy's):
     * how long a position the writer published took to be seen applied here. Called by the telemetry probe, a few
     * times per status interval, never on the data path.
     */
    default void applyLatency(String group, String cluster, String upstream, double seconds) {
    }

    /** Registers the group-wide gauges (once, at start, with a {@code group:} section). */
    default void fleet(FleetView view) {
    }

    /**
     * The whole group as followed from etcd: every cluster's applied version, connections per version and migration
     * steps. Read on scrape; maps are copies, keyed by cluster.
     */
    interface FleetView {
        /** The group's name (a tag). */
        String group();

        /** Every known cluster's applied schema version (its highest expand ack; 0 without one). */
        Map<String, Integer> appliedVersions();

        /** Per cluster, open connections per declared schema version, summed over its proxies' status records. */
        Map<String, Map<Integer, Integer>> connections();

        /** Per cluster, migration steps per outcome ({@code applied}, {@code failed}, {@code rolled_back}). */
        Map<String, Map<String, Long>> steps();

        /** Seconds the current run has waited for {@code kind} ({@code gate}, {@code cooldown}, {@code window}). */
        double waitSeconds(String kind);
    }

    /** The schema policy refused a connection or a statement, for {@code reason} (outside_window, table, column, ddl, ...). */
    default void schemaRefused(String reason) {
    }

    /** The schema policy let a statement through without checking it, for {@code reason} (not_understood, no_catalog, ...). */
    default void schemaUnchecked(String reason) {
    }
}
