package io.fenceline.config.coordination;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * A campaign for one key (a group's writer key, control's leader key): the key is created only if absent,
 * bound to the {@link LeaseKeeper}'s current lease, and its create revision is the holder's epoch — a
 * fencing token that only grows. Authority is {@link #writable(long)}: the key was won with the lease the
 * keeper holds now, and that lease is before its deadline.
 */
public interface Campaign extends AutoCloseable {

    /** The outcome of one attempt. */
    sealed interface Result {
        /** We hold the key with lease {@code leaseId}; {@code epoch} is its create revision. */
        record Won(long epoch, long leaseId) implements Result {}

        /** Someone (possibly an older lease of ours) holds it. */
        record Occupied(String holderValue, long epoch, long holderLease) implements Result {}

        /** No lease is held at the moment, so no attempt was made. */
        record NoLease(LeaseState state) implements Result {}
    }

    /** Told about outcomes and losses of the campaign's standing; called on the campaign's thread. */
    interface Listener {
        /** Outcome of an attempt (automatic or asked for). */
        void onResult(Result result);

        /** The key we held is gone (lease lost or revoked, key deleted, resigned). */
        default void onVacated(long epoch, String why) {
        }
    }

    /** The key campaigned for. */
    String key();

    /** One attempt now with the keeper's current lease. Holding the key with that lease already counts as won. */
    CompletableFuture<Result> campaign();

    /**
     * Keeps campaigning: now, whenever the key disappears, and whenever the keeper holds a new lease — each
     * time only if {@code eligible} says so (a failover policy: manual, or a replication-lag bound).
     */
    void start(Listener listener, BooleanSupplier eligible);

    /** Re-evaluates eligibility and attempts if the key is free (e.g. after replication caught up). */
    void retry();

    /** The key as we hold it now, if we do. */
    Optional<Result.Won> won();

    /**
     * Whether the holder may write at {@code nowNanos}: won with the keeper's current lease and before its
     * deadline. Two volatile reads and a compare.
     */
    boolean writable(long nowNanos);

    /**
     * Stops campaigning and deletes the key if it still has our epoch as create revision (never someone
     * else's). True if the key was deleted.
     */
    CompletableFuture<Boolean> resign();

    /** Stops campaigning (without deleting the key: it goes with the lease). */
    @Override
    void close();
}
