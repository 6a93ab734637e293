package io.fenceline.control.rollout;

import io.fenceline.config.wal.WalEnd;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * The rollout gate's replica check: the position a wave's cluster had reached after the step, and which of its
 * replicas have not yet applied up to it. A logically replicated fleet needs this before the next wave: a
 * subscriber that drops a column while rows carrying it are still on their way can never apply them.
 */
final class ReplicasCaughtUp {

    private ReplicasCaughtUp() {
    }

    /**
     * The cluster's position after the step: the end of its inserted WAL ({@link WalEnd}). Not
     * {@code pg_current_wal_lsn()}: with {@code synchronous_commit = off} the step's commit, and any commit
     * acknowledged before it, can lie past the write position, and a subscriber that confirmed the write position
     * may lack them ({@code ReplicasCaughtUpIT}).
     */
    static String position(Connection c) throws SQLException {
        return WalEnd.readText(c);
    }

    /**
     * Adds a problem for every replica (physical standby or logical subscriber, as {@code pg_stat_replication}
     * lists them) of {@code cluster} that has not replayed up to {@code lsn}, and for every logical slot whose
     * subscriber has not confirmed it.
     */
    static void behind(String cluster, Connection c, String lsn, List<String> problems) {
        try (PreparedStatement st = c.prepareStatement(
                "SELECT application_name, coalesce(replay_lsn::text, 'none'),"
                        + " coalesce(replay_lsn >= ?::pg_lsn, false) FROM pg_stat_replication")) {
            st.setString(1, lsn);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    if (!rs.getBoolean(3)) {
                        problems.add("replica " + rs.getString(1) + " of " + cluster + " has replayed up to "
                                + rs.getString(2) + ", not yet " + lsn + " (the position after the step)");
                    }
                }
            }
        } catch (SQLException e) {
            problems.add("cannot read pg_stat_replication on " + cluster + ": [" + e.getSQLState() + "] "
                    + e.getMessage());
        }
        logicalSlotsBehind(cluster, c, lsn, problems);
    }

    /**
     * A subscriber whose apply worker fails (a column it cannot apply, a conflict) drops out of
     * {@code pg_stat_replication} while it restarts, so that view alone would let the gate pass; its slot stays,
     * with {@code confirmed_flush_lsn} stuck. A slot nobody uses any more blocks the gate too, until it times
     * out naming the slot: it also holds back WAL, and the operator should drop it.
     */
    private static void logicalSlotsBehind(String cluster, Connection c, String lsn, List<String> problems) {
        try (PreparedStatement st = c.prepareStatement(
                "SELECT slot_name, active, coalesce(confirmed_flush_lsn::text, 'none'),"
                        + " coalesce(confirmed_flush_lsn >= ?::pg_lsn, false) FROM pg_replication_slots"
                        + " WHERE slot_type = 'logical' AND database = current_database()")) {
            st.setString(1, lsn);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    if (!rs.getBoolean(4)) {
                        problems.add("logical slot " + rs.getString(1) + " of " + cluster + " ("
                                + (rs.getBoolean(2) ? "active" : "inactive: its subscriber is not connected")
                                + ") has confirmed up to " + rs.getString(3) + ", not yet " + lsn);
                    }
                }
            }
        } catch (SQLException e) {
            problems.add("cannot read pg_replication_slots on " + cluster + ": [" + e.getSQLState() + "] "
                    + e.getMessage());
        }
    }
}
