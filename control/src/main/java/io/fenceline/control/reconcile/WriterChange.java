package io.fenceline.control.reconcile;

import io.fenceline.config.records.WalPosition;

import java.util.Optional;

/**
 * The group's writer key changed hands: a new epoch (the key's create revision) after an automatic failover, a
 * planned handoff, or an operator's manual failover.
 *
 * @param fromCluster  the previous writer's cluster
 * @param fromEpoch    the previous writer's epoch
 * @param toCluster    the new writer's cluster
 * @param toEpoch      the new writer's epoch
 * @param lastPosition the last WAL position the previous writer published ({@code …/groups/{group}/wal} under its
 *                     epoch), if it published one while it was watched
 */
public record WriterChange(String fromCluster, long fromEpoch, String toCluster, long toEpoch,
                           Optional<WalPosition> lastPosition) {

    /** One line for people and audit records. */
    public String describe() {
        return fromCluster + " (epoch " + fromEpoch + ") -> " + toCluster + " (epoch " + toEpoch + ")";
    }
}
