package io.fenceline.control.reconcile;

import io.fenceline.config.records.WalPosition;
import io.fenceline.control.fleet.Fleet;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * Waits until every cluster but a previous writer has applied that writer's WAL up to the last position it
 * published, read on the subscribers themselves (the previous writer's database may be gone). The applied position
 * is the proxies' measure ({@code PostgresReplicationLag}): on the subscription whose slot is one of the slots the
 * position names, the greater of {@code pg_stat_subscription.latest_end_lsn} and its replication origin's
 * {@code remote_lsn}, unknown while a table of it is not {@code ready}.
 */
public final class ReplayedPast {

    private static final String APPLIED = "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_subscription_rel r"
            + " WHERE r.srsubid = s.oid AND r.srsubstate <> 'r') THEN NULL ELSE greatest("
            + "(SELECT max(latest_end_lsn) FROM pg_stat_subscription st WHERE st.subid = s.oid AND st.relid IS NULL),"
            + " (SELECT o.remote_lsn FROM pg_replication_origin_status o WHERE o.external_id = 'pg_' || s.oid))"
            + " - '0/0'::pg_lsn END FROM pg_subscription s"
            + " WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
            + " AND s.subslotname = ANY (?)";

    /** What the wait found. */
    public sealed interface Outcome {
        /** Every cluster applied the position. */
        record Replayed(List<String> clusters) implements Outcome {}

        /** Some cluster had not, or could not say, by the deadline: one line per cluster. */
        record Behind(List<String> lines) implements Outcome {}
    }

    private final Fleet fleet;

    public ReplayedPast(Fleet fleet) {
        this.fleet = fleet;
    }

    /**
     * Polls until every cluster of {@code clusters} other than the position's applied it, or {@code timeout};
     * {@code waiting} is told once, on the first poll that finds a cluster behind, which ones and why.
     */
    public Outcome await(WalPosition position, List<String> clusters, Duration timeout, Consumer<String> waiting)
            throws InterruptedException {
        List<String> others = clusters.stream().filter(c -> !c.equals(position.cluster())).toList();
        boolean told = false;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> behind = new ArrayList<>();
            for (String c : others) {
                String why = behind(c, position);
                if (why != null) {
                    behind.add(c + ": " + why);
                }
            }
            if (behind.isEmpty()) {
                return new Outcome.Replayed(others);
            }
            if (!told) {
                told = true;
                waiting.accept(String.join("; ", behind));
            }
            if (System.nanoTime() - deadline >= 0) {
                return new Outcome.Behind(behind);
            }
            Thread.sleep(50);
        }
    }

    /** Why {@code cluster} has not applied {@code position} yet, or null when it has. */
    private String behind(String cluster, WalPosition position) {
        if (position.slots().isEmpty()) {
            return "the position names no replication slot, so no subscription can be matched with it";
        }
        try (Connection c = fleet.connect(cluster); PreparedStatement st = c.prepareStatement(APPLIED)) {
            st.setArray(1, c.createArrayOf("text", position.slots().toArray()));
            OptionalLong applied = OptionalLong.empty();
            int subscriptions = 0;
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    subscriptions++;
                    BigDecimal v = rs.getBigDecimal(1);
                    applied = v == null ? OptionalLong.empty() : OptionalLong.of(v.longValueExact());
                }
            }
            if (subscriptions != 1) {
                return subscriptions + " subscription(s) use one of " + position.cluster() + "'s slots "
                        + position.slots() + " (exactly one is needed to know what it applied)";
            }
            if (applied.isEmpty()) {
                return "its subscription to " + position.cluster() + " has a table still syncing, or no position yet";
            }
            return applied.getAsLong() >= position.lsn() ? null : "applied " + lsn(applied.getAsLong()) + " of "
                    + position.cluster() + "'s WAL, short of " + lsn(position.lsn());
        } catch (SQLException e) {
            return "[" + e.getSQLState() + "] " + e.getMessage();
        }
    }

    /** An LSN as PostgreSQL prints it. */
    static String lsn(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xffffffffL).toUpperCase();
    }
}
