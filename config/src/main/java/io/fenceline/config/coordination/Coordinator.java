package io.fenceline.config.coordination;

import io.fenceline.config.keys.EtcdKeys;

import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * Entry point to etcd for proxy and control: one client connection, the key layout, typed record storage,
 * a lease keeper, campaigns and resumable watches. Nothing here exposes jetcd types.
 *
 * <pre>
 * try (Coordinator etcd = Coordinator.connect(settings)) {
 *     LeaseKeeper lease = etcd.leaseKeeper();              // started; grants and keeps a lease
 *     Campaign writer = etcd.campaign(etcd.keys().writer("main"), new WriterRecord(...));
 *     writer.start(listener, () -> policyAllows());
 *     ... if (writer.writable(etcd.clock().nanoTime())) forward the write ...
 * }
 * </pre>
 */
public interface Coordinator extends AutoCloseable {

    /** Connects with the system monotonic clock. */
    static Coordinator connect(EtcdSettings settings) {
        return connect(settings, MonotonicClock.system());
    }

    /**
     * Connects with {@code clock} for deadlines. The keeper's timers wait in real time, so the clock must
     * advance with real time (the system clock, or a wrapper of it); a {@link ManualClock} is for tests of
     * the deadline arithmetic, not for a live keeper.
     */
    static Coordinator connect(EtcdSettings settings, MonotonicClock clock) {
        return connect(settings, EtcdAccess.NONE, clock);
    }

    /** Connects with authentication and/or TLS ({@code https://} endpoints) as {@code access} says. */
    static Coordinator connect(EtcdSettings settings, EtcdAccess access, MonotonicClock clock) {
        return new EtcdCoordinator(settings, access, clock);
    }

    /** The settings connected with. */
    EtcdSettings settings();

    /** The key layout under the configured prefix. */
    EtcdKeys keys();

    /** The clock deadlines are measured on. */
    MonotonicClock clock();

    /** Typed record storage. */
    RecordStore store();

    /** This coordinator's lease keeper (one lease per coordinator), started on first use. */
    LeaseKeeper leaseKeeper();

    /**
     * A campaign for {@code key} with {@code record} (JSON-encoded by the codec) as value, bound to
     * {@link #leaseKeeper()}. Not started: call {@link Campaign#campaign()} or {@link Campaign#start}.
     */
    Campaign campaign(String key, Object record);

    /**
     * Watches {@code key} (or every key under it when {@code prefix}) from {@code fromRevision}; with
     * {@code fromRevision <= 0} the listener first gets a snapshot of the current state.
     */
    ResumableWatch watch(String key, boolean prefix, long fromRevision, WatchListener listener);

    /**
     * What etcd says is left of {@code leaseId}'s TTL, in whole seconds (etcd's own view, for operators:
     * safety never reads it); empty when the lease expired or never existed.
     */
    CompletableFuture<OptionalLong> leaseRemainingTtl(long leaseId);

    /**
     * One read bounded by {@code bound} instead of the request timeout, for a short-lived command before its
     * first request: the first request also sets the connection up (channel, TLS and HTTP/2 handshakes,
     * authentication) and, in a JVM that just started, loads and interprets the client's classes, which on a busy
     * machine or a distant etcd alone exceeds a request timeout meant for one round trip. Completes exceptionally
     * like any request; callers that only warm up may ignore the outcome (the next request reports the problem).
     */
    default CompletableFuture<Void> warmUp(java.time.Duration bound) {
        return CompletableFuture.completedFuture(null);
    }

    /** Closes campaigns' and watches' threads it created, the keeper (revoking its lease) and the client. */
    @Override
    void close();
}
