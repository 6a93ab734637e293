package io.fenceline.config.records;

import com.fasterxml.jackson.annotation.JsonCreator;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Value of {@code …/groups/{group}/wal} (not lease-bound, so it outlives the writer): the WAL position the
 * writer's database had reached, published periodically, before the writer opens its gate, and at a handoff's
 * pause. A candidate compares its applied position of <em>that cluster's</em> WAL with {@code lsn} before taking
 * over. Only a writer with an epoch at least {@code epoch} may replace it.
 *
 * <p>WAL positions of two clusters are not comparable, so the record names the logical replication slots of the
 * writer's database: a subscriber measures the position only with the subscription whose slot is one of them
 * (slot names must be unique across the fleet, e.g. {@code c_from_a}). A record without slots (written by an
 * older proxy) matches no subscription.
 *
 * @param cluster the writer cluster whose WAL this is
 * @param epoch   the writer epoch under which it was published
 * @param lsn     {@code pg_current_wal_insert_lsn()} as a byte position: every commit acknowledged before it
 *                was read lies at or before it
 * @param at      when it was read (the writer's wall clock): a position older than the writer's last writes
 *                says nothing about them (see {@link #isOlderThan})
 * @param slots   the logical replication slots of the writer's database (never null)
 */
public record WalPosition(String cluster, long epoch, long lsn, Instant at, List<String> slots) {

    /** Validates every field. */
    public WalPosition {
        Checks.name("cluster", cluster);
        Checks.atLeast("epoch", epoch, 1);
        Checks.atLeast("lsn", lsn, 0);
        Checks.notNull("at", at);
        slots = slots == null ? List.of() : List.copyOf(slots);
    }

    /** A position without slot names (a physical standby compares its replay position, not a subscription's). */
    public WalPosition(String cluster, long epoch, long lsn, Instant at) {
        this(cluster, epoch, lsn, at, List.of());
    }

    /** The JSON form, where {@code slots} may be missing (a record of an older proxy). */
    static final class Json {
        public String cluster;
        public Long epoch;
        public Long lsn;
        public Instant at;
        public List<String> slots;
    }

    @JsonCreator
    static WalPosition fromJson(Json j) {
        return new WalPosition(j.cluster, Checks.notNull("epoch", j.epoch), Checks.notNull("lsn", j.lsn), j.at, j.slots);
    }

    /** Whether this position was read more than {@code age} before {@code instant}. */
    public boolean isOlderThan(Duration age, Instant instant) {
        return at.plus(age).isBefore(instant);
    }
}
