package io.fenceline.proxy.authority;

import io.fenceline.config.group.Failover;
import io.fenceline.config.group.GroupSettings;
import io.fenceline.config.records.Mode;
import io.fenceline.config.records.WalPosition;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Whether a proxy may campaign for its group's writer key, why (a fixed phrase, compared between rounds so a
 * change of reason is logged once), and the why with its figures. The rules, in order:
 * <ol>
 *   <li>only a candidate cluster, once its mode is read, and not in {@code read-only};</li>
 *   <li>during a handoff, only its target (see {@link Handoff#eligibility});</li>
 *   <li>with no published WAL position, only the preferred cluster;</li>
 *   <li>the cluster that published the last position. That position names the last writer: a new writer
 *       publishes one before its gate opens, and a proxy that wins the key re-reads it before it writes;</li>
 *   <li>others only with {@code failover: automatic}, a position that is {@linkplain #fresh fresh}, and an
 *       applied position of <em>that cluster's</em> WAL within the lag bound of it.</li>
 * </ol>
 */
record Eligibility(boolean eligible, String why, String detail) {

    /**
     * Allowance for the wall clocks of two machines ({@link WalPosition#at} is the writer's), on top of the
     * freshness bound.
     */
    static final Duration CLOCK_ALLOWANCE = Duration.ofSeconds(1);

    /** The applied position of one cluster's WAL as last measured here, and whose WAL it was. */
    record Applied(String cluster, long epoch, OptionalLong lsn) {
        static final Applied UNKNOWN = new Applied("", 0, OptionalLong.empty());

        /** The applied position if it was measured against {@code position}'s cluster and epoch. */
        OptionalLong of(WalPosition position) {
            return position != null && cluster.equals(position.cluster()) && epoch == position.epoch() ? lsn
                    : OptionalLong.empty();
        }
    }

    static Eligibility of(boolean eligible, String why) {
        return new Eligibility(eligible, why, why);
    }

    /**
     * How old a published position may be, measured at {@code reference}, to describe the writer's last writes:
     * a writer publishes every status interval and writes at most until its lease's deadline, a TTL after its
     * last keepalive; the reference is the instant the writer key was seen gone (or now, while it exists). A
     * position older than that was published before writes it does not cover (its publishes failed, or its
     * database query did), so the lag measured against it means nothing.
     */
    static Duration freshness(GroupSettings settings, Duration ttl) {
        return ttl.plus(settings.statusInterval().multipliedBy(2)).plus(CLOCK_ALLOWANCE);
    }

    /** Whether {@code position} is fresh at {@code reference}. */
    static boolean fresh(WalPosition position, Duration freshness, Instant reference) {
        return !position.isOlderThan(freshness, reference);
    }

    /**
     * Whether a candidate's applied position is within {@code bound} bytes of {@code position}: measured against
     * that very cluster's WAL, and the position fresh at {@code reference}.
     */
    static boolean lagWithin(WalPosition position, Applied applied, long bound, Duration freshness,
                             Instant reference) {
        OptionalLong a = applied.of(position);
        return a.isPresent() && fresh(position, freshness, reference) && position.lsn() - a.getAsLong() <= bound;
    }

    /**
     * @param duringHandoff the handoff's answer, empty when none is pending
     * @param last          the last published WAL position, or null
     * @param reference     when the writer key was seen gone, or now while it exists
     */
    static Eligibility evaluate(GroupSettings settings, Mode mode, Optional<Boolean> duringHandoff, WalPosition last,
                                Applied applied, Duration freshness, Instant reference) {
        if (!settings.isCandidate()) {
            return of(false, "cluster " + settings.cluster() + " is not a candidate");
        }
        if (mode == null) {
            return of(false, "its mode has not been read yet");
        }
        if (mode == Mode.READ_ONLY) {
            return of(false, "its mode is read-only");
        }
        if (duringHandoff.isPresent()) {
            return of(duringHandoff.get(), duringHandoff.get() ? "it is the target of a handoff"
                    : "a handoff is in progress to another cluster");
        }
        if (last == null) {
            boolean preferred = settings.cluster().equals(settings.preferred());
            return of(preferred, "no writer has published a WAL position yet, so only the preferred cluster "
                    + settings.preferred() + " campaigns");
        }
        if (last.cluster().equals(settings.cluster())) {
            return of(true, "it published the last WAL position");
        }
        if (settings.failover() != Failover.AUTOMATIC) {
            return of(false, "failover is manual and cluster " + last.cluster() + " was the last writer");
        }
        if (!fresh(last, freshness, reference)) {
            String why = "the last published WAL position is stale";
            return new Eligibility(false, why, why + " (cluster " + last.cluster() + " epoch " + last.epoch()
                    + " read it at " + last.at() + ", more than " + freshness.toMillis() + " ms before " + reference
                    + "): writes after it are not measured");
        }
        OptionalLong a = applied.of(last);
        if (a.isEmpty()) {
            return of(false, "its applied position of cluster " + last.cluster() + "'s WAL is unknown"
                    + " (no subscription using one of its slots " + last.slots() + ", a table still synchronising,"
                    + " or the query failed)");
        }
        long lag = last.lsn() - a.getAsLong();
        boolean within = lag <= settings.maxLagBytes();
        String why = within ? "its replication lag is within the bound" : "its replication lag is above the bound";
        return new Eligibility(within, why, why + " (" + Math.max(0, lag) + " bytes behind " + last.cluster()
                + "'s last published position, bound " + settings.maxLagBytes() + ")");
    }
}
