package io.fenceline.proxy;

import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.LeaseState;
import io.fenceline.config.coordination.MonotonicClock;
import io.fenceline.config.file.ProxySettings;
import io.fenceline.config.records.Mode;
import io.fenceline.proxy.authority.SessionFence;
import io.fenceline.proxy.authority.WritePolicy;
import io.fenceline.proxy.authority.WriterAuthority;
import io.fenceline.proxy.fence.DatabaseFence;
import io.fenceline.proxy.fence.PostgresReplicationLag;
import io.fenceline.proxy.metrics.PrometheusMetrics;
import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.net.ProxyServer;
import io.fenceline.proxy.schema.MigrationFollower;
import io.fenceline.proxy.telemetry.GroupFollower;
import io.fenceline.proxy.telemetry.ReplicationProbe;

import java.util.Set;

/**
 * The write authority of a proxy configured with a {@code group:}: on the process's etcd {@link Coordinator}, the
 * {@link DatabaseFence} (its HikariCP pool to the local database), the {@link PostgresReplicationLag}, the
 * {@link WriterAuthority} and the {@link WritePolicy} the data path asks.
 *
 * <p>Start order, in two steps because the authority and the server need each other: the constructor
 * builds fence and authority — the gate is closed (25006) from the first instant — so
 * the server can start with {@link #policy()}; {@link #attach} then plugs the server's sessions in (fencing
 * steps 2 and 3, backend pids, re-deciding held writes at every gate change) and starts the authority, which
 * fences the local database first and opens the gate only after it confirmed the writer key. {@link #close}
 * runs in reverse: the authority fences the database and stops (bounded wait) and the pool closes; the owner
 * closes the coordinator only after that, which revokes the lease last, so another cluster can take over only
 * once this one cannot write.
 */
final class WriteAuthorityRuntime implements AutoCloseable {

    private static final int REPLICATION_QUERY_TIMEOUT_SECONDS = 2;

    private final LateSessionFence sessions = new LateSessionFence();
    private final Coordinator etcd;
    private final DatabaseFence fence;
    private final WriterAuthority authority;
    private final WritePolicy policy;
    private final MigrationFollower migration;
    private final ReplicationProbe replication;
    private final GroupFollower fleet;
    private volatile ProxyServer server;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /** @param etcd the process's etcd connection; the caller closes it after {@link #close()} */
    WriteAuthorityRuntime(Coordinator etcd, ProxySettings.Group group, PrometheusMetrics metrics,
                          java.util.function.Supplier<java.util.Map<Integer, Integer>> versionsInUse) {
        this.etcd = etcd;
        DatabaseFence f = null;
        try {
            f = new DatabaseFence(group.fenceDatabase(), guard(etcd, group), sessions::backendPids,
                    sessions::heldBackendPids, sessions::wroteInDatabase,
                    DatabaseFence.OpenWriters.CANCEL_AND_TERMINATE, group.fencePoolSize());
            PostgresReplicationLag lag = new PostgresReplicationLag(f.dataSource(),
                    group.fenceDatabase().subscription(), REPLICATION_QUERY_TIMEOUT_SECONDS);
            this.authority = new WriterAuthority(group.settings(), etcd, f, sessions, lag, new WriterAuthority.Sessions() {
                @Override
                public int connections() {
                    ProxyServer s = server;
                    return s == null ? 0 : s.activeConnections();
                }

                @Override
                public java.util.Map<Integer, Integer> versionsInUse() {
                    return versionsInUse.get();
                }

                @Override
                public long statements() {
                    return metrics.statements();
                }

                @Override
                public long errors() {
                    return metrics.errors();
                }
            });
            this.fence = f;
        } catch (RuntimeException e) {
            if (f != null) {
                f.close();
            }
            throw e;
        }
        this.policy = new WritePolicy(authority.gate(), metrics);
        metrics.authority(new View());
        // For the metrics only: the group's migration journal and this cluster's acks.
        this.migration = new MigrationFollower(etcd, group.settings().group(), group.settings().cluster());
        metrics.migration(migration);
        // Telemetry (off the data path): lag in seconds and apply latency on a connection of their own, and the
        // group-wide versions, connections and migration steps.
        this.replication = new ReplicationProbe(group.settings(), group.fenceDatabase(), etcd, metrics,
                telemetryPoll(group.settings().statusInterval()));
        metrics.replication(replication);
        this.fleet = new GroupFollower(etcd, group.settings().group());
        metrics.fleet(fleet);
    }

    /** The telemetry probe reads the applied position five times per status interval, every 50 to 250 ms. */
    static java.time.Duration telemetryPoll(java.time.Duration statusInterval) {
        return java.time.Duration.ofMillis(Math.max(50, Math.min(250, statusInterval.toMillis() / 5)));
    }

    /**
     * The fence's table triggers follow this process's lease (its keeper and clock, etcd's rho); a backend whose
     * client vanished is checked every half margin (100 ms to 1 s), so its statement is aborted within the margin.
     */
    private static DatabaseFence.Guard guard(Coordinator etcd, ProxySettings.Group group) {
        String g = group.settings().group();
        String c = group.settings().cluster();
        long check = Math.max(100, Math.min(1000, etcd.settings().margin().toMillis() / 2));
        return new DatabaseFence.Guard(group.fenceTriggers(), "the writer fence of group " + g + " holds cluster " + c
                + "'s database read-only (it is not the writer, or its lease ran out): write through the group's writer",
                etcd.leaseKeeper()::state, etcd.clock(), etcd.settings().rho(), java.time.Duration.ofMillis(check));
    }

    /** The policy the data path asks about every possible write. */
    WritePolicy policy() {
        return policy;
    }

    WriterAuthority authority() {
        return authority;
    }

    /** Plugs {@code proxy}'s sessions into the fencing sequence and starts campaigning. */
    void attach(ProxyServer proxy) {
        this.server = proxy;
        sessions.attach(proxy.sessionFence());
        authority.gate().addListener((from, to, at) -> proxy.recheckHeld());
        authority.start();
    }

    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        try {
            authority.close();
        } finally {
            try {
                fence.close();
            } finally {
                closeTelemetry();
            }
        }
    }

    private void closeTelemetry() {
        try {
            migration.close();
        } finally {
            try {
                replication.close();
            } finally {
                fleet.close();
            }
        }
    }

    /** The server's {@link SessionFence}, once it exists; before that there are no sessions to fence. */
    private static final class LateSessionFence implements SessionFence {
        private volatile SessionFence target = SessionFence.NONE;

        void attach(SessionFence fence) {
            target = fence;
        }

        @Override
        public void rollbackWritingCommits(String reason) {
            target.rollbackWritingCommits(reason);
        }

        @Override
        public void cancelRunningWrites(String reason) {
            target.cancelRunningWrites(reason);
        }

        @Override
        public void resume() {
            target.resume();
        }

        @Override
        public Set<Integer> backendPids() {
            return target.backendPids();
        }

        @Override
        public Set<Integer> heldBackendPids() {
            return target.heldBackendPids();
        }

        @Override
        public void wroteInDatabase(Set<Integer> pids) {
            target.wroteInDatabase(pids);
        }
    }

    /** What the write-authority gauges read. */
    private final class View implements ProxyMetrics.AuthorityView {
        @Override
        public String group() {
            return authority.settings().group();
        }

        @Override
        public boolean leaseHeld() {
            return etcd.leaseKeeper().state() instanceof LeaseState.Held h
                    && etcd.clock().nanoTime() < h.deadlineNanos();
        }

        @Override
        public double deadlineSlackSeconds() {
            if (etcd.leaseKeeper().state() instanceof LeaseState.Held h) {
                return Math.max(0, h.deadlineNanos() - etcd.clock().nanoTime()) / 1e9;
            }
            return 0;
        }

        @Override
        public boolean writable() {
            return authority.gate().allows(etcd.clock().nanoTime());
        }

        @Override
        public String mode() {
            return authority.mode().map(Mode::text).orElse("unknown");
        }

        @Override
        public long writerEpoch() {
            return authority.writerEpoch().orElse(0);
        }

        @Override
        public double replicationLagBytes() {
            java.util.OptionalLong lag = authority.replicationLagBytes();
            return lag.isPresent() ? lag.getAsLong() : Double.NaN;
        }

        @Override
        public double replicationLagBoundBytes() {
            return authority.settings().maxLagBytes();
        }
    }
}
