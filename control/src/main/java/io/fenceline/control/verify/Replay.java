package io.fenceline.control.verify;

import io.fenceline.config.wal.WalEnd;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Waits until every subscriber of a cluster has applied its WAL up to a position: every logical replication slot
 * of the cluster's database has {@code confirmed_flush_lsn} at or past it (what the rollout's gate reads too). A
 * subscriber confirms a position only once the transactions before it are applied and committed, so rows read
 * on the publisher before that position are then visible on the subscriber.
 */
final class Replay {

    private Replay() {
    }

    /**
     * The end of the WAL the cluster has inserted so far: past the commit record of every transaction committed
     * before the call ({@link WalEnd}: not the write position, which with {@code synchronous_commit = off} can lie
     * before acknowledged commits; {@code VerifyIT} saw exactly that).
     */
    static String currentLsn(String cluster, Connection c) {
        try {
            return WalEnd.readText(c);
        } catch (SQLException e) {
            throw new VerifyException("reading the WAL position of " + cluster, e);
        }
    }

    /**
     * Returns once every logical slot of {@code cluster}'s database confirmed {@code lsn}; throws naming the slots
     * still behind after {@code timeout}.
     */
    static void await(String cluster, Connection c, String lsn, Duration timeout) {
        await(cluster, c, lsn, timeout, false);
    }

    /**
     * As {@link #await(String, Connection, String, Duration)}; with {@code activeOnly}, slots no subscriber is
     * connected to are left out (for clusters other than the writer, whose abandoned slots carry nothing now).
     */
    static void await(String cluster, Connection c, String lsn, Duration timeout, boolean activeOnly) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> behind = behind(cluster, c, lsn, activeOnly);
            if (behind.isEmpty()) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new VerifyException("the subscribers of " + cluster + " did not replay up to " + lsn + " within "
                        + timeout.toMillis() + " ms: " + String.join("; ", behind)
                        + " (replication lag is not divergence, so verify does not judge without it)");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VerifyException("interrupted while waiting for replication on " + cluster);
            }
        }
    }

    private static List<String> behind(String cluster, Connection c, String lsn, boolean activeOnly) {
        List<String> behind = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement("SELECT slot_name, active,"
                + " coalesce(confirmed_flush_lsn::text, 'none'), coalesce(confirmed_flush_lsn >= ?::pg_lsn, false)"
                + " FROM pg_replication_slots WHERE slot_type = 'logical' AND database = current_database()"
                + (activeOnly ? " AND active" : ""))) {
            st.setString(1, lsn);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    if (!rs.getBoolean(4)) {
                        behind.add("slot " + rs.getString(1) + (rs.getBoolean(2) ? "" : " (inactive)")
                                + " confirmed " + rs.getString(3));
                    }
                }
            }
        } catch (SQLException e) {
            throw new VerifyException("reading pg_replication_slots on " + cluster, e);
        }
        return behind;
    }
}
