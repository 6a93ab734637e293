package io.fenceline.control.verify;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Decides which candidate rows are divergence, under a concurrent workload. One round, for the candidates of
 * every other cluster at once:
 * <ol>
 *   <li>on the writer, in one REPEATABLE READ snapshot {@code S1}: each candidate's {@code xmin} and hash, then
 *       the WAL insert position {@code L} (past the commit of everything {@code S1} sees: {@link Replay#currentLsn});</li>
 *   <li>wait until every subscriber of the writer confirmed {@code L};</li>
 *   <li>on each other cluster: the candidates' hashes;</li>
 *   <li>on the writer again, snapshot {@code S2}: the same rows.</li>
 * </ol>
 * A row whose version (presence, {@code xmin}, hash) is the same in {@code S1} and {@code S2} was not changed by
 * any transaction that committed between them, and the other cluster, read in between and past {@code L}, has
 * applied everything {@code S1} saw: so it must hold exactly {@code S1}'s row, and any difference is divergence.
 * A row the writer changed between {@code S1} and {@code S2} is judged again in the next round. A row is reported
 * once {@code confirmations} rounds judged it different (the second round also clears a row that was inserted and
 * deleted on the writer within one round, which {@code xmin} cannot show); one judged equal is dropped; rows still
 * undecided after {@code maxRounds} get one last round with the writer's rows locked ({@link #locked}), and are
 * reported as unsettled only if that lock is not granted in time.
 */
final class Confirmation {

    /** A row version on one cluster: {@code xmin} (writer only) and the hash of its compared columns. */
    private record Version(String xmin, String hash) {
    }

    /** The verdict for one other cluster. */
    record Verdict(List<Difference> diverged, List<Key> unsettled) {
    }

    private static final int BATCH = 500;
    private static final Duration LOCK_TIMEOUT = Duration.ofMillis(250);
    private static final Duration LOCKED_REPLAY = Duration.ofSeconds(1);

    private Confirmation() {
    }

    static List<Verdict> run(String writerName, Connection writer, TableShape t, List<String> otherNames,
                             List<Connection> others, List<List<Difference>> candidates, Duration replayTimeout,
                             int maxRounds, int confirmations) {
        List<Map<Key, Integer>> pending = new ArrayList<>();
        List<List<Difference>> diverged = new ArrayList<>();
        for (List<Difference> c : candidates) {
            Map<Key, Integer> p = new LinkedHashMap<>();
            c.forEach(d -> p.put(d.key(), 0));
            pending.add(p);
            diverged.add(new ArrayList<>());
        }
        for (int round = 0; round < maxRounds && pending.stream().anyMatch(p -> !p.isEmpty()); round++) {
            Set<Key> keys = new LinkedHashSet<>();
            pending.forEach(p -> keys.addAll(p.keySet()));
            Map<Key, Version> s1 = new HashMap<>();
            String lsn = snapshot(writerName, writer, t, keys, s1);
            Replay.await(writerName, writer, lsn, replayTimeout);
            List<Map<Key, Version>> seen = new ArrayList<>();
            for (int i = 0; i < others.size(); i++) {
                Map<Key, Version> rows = new HashMap<>();
                read(otherNames.get(i), others.get(i), t, pending.get(i).keySet(), rows);
                seen.add(rows);
            }
            Map<Key, Version> s2 = new HashMap<>();
            read(writerName, writer, t, keys, s2);
            for (int i = 0; i < others.size(); i++) {
                var it = pending.get(i).entrySet().iterator();
                while (it.hasNext()) {
                    var e = it.next();
                    Key k = e.getKey();
                    Version first = s1.get(k);
                    if (!Objects.equals(first, s2.get(k))) {
                        continue; // the writer changed the row meanwhile: judge it next round
                    }
                    Version theirs = seen.get(i).get(k);
                    Difference.Kind kind = kind(first, theirs);
                    if (kind == null) {
                        it.remove();
                    } else if (e.getValue() + 1 >= confirmations) {
                        diverged.get(i).add(new Difference(k, kind));
                        it.remove();
                    } else {
                        e.setValue(e.getValue() + 1);
                    }
                }
            }
        }
        if (pending.stream().anyMatch(p -> !p.isEmpty())) {
            locked(writerName, writer, t, otherNames, others, pending, diverged, replayTimeout);
        }
        List<Verdict> verdicts = new ArrayList<>();
        for (int i = 0; i < others.size(); i++) {
            verdicts.add(new Verdict(List.copyOf(diverged.get(i)), List.copyOf(pending.get(i).keySet())));
        }
        return verdicts;
    }

    /**
     * The last round, for rows the writer kept changing: they are locked on the writer ({@code FOR SHARE}, within
     * {@link #LOCK_TIMEOUT}) while the others replay and are read, so they cannot change in between and one
     * comparison decides. Writes of those rows wait meanwhile, so the replay wait is bounded by
     * {@link #LOCKED_REPLAY}: rows that cannot be locked in time, or whose subscribers lag more than that, stay
     * unsettled.
     */
    private static void locked(String writerName, Connection writer, TableShape t, List<String> otherNames,
                               List<Connection> others, List<Map<Key, Integer>> pending, List<List<Difference>> diverged,
                               Duration replayTimeout) {
        Set<Key> keys = new LinkedHashSet<>();
        pending.forEach(p -> keys.addAll(p.keySet()));
        try {
            writer.setAutoCommit(false);
            try {
                try (java.sql.Statement st = writer.createStatement()) {
                    st.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT.toMillis() + "ms'");
                }
                Map<Key, Version> ours = new HashMap<>();
                read(writerName, writer, t, keys, ours, " FOR SHARE");
                // The writer's transactions on these rows wait while the lock is held: a bounded wait, not the
                // replay timeout (a subscriber lagging by seconds would stall them that long).
                try {
                    Replay.await(writerName, writer, Replay.currentLsn(writerName, writer),
                            replayTimeout.compareTo(LOCKED_REPLAY) < 0 ? replayTimeout : LOCKED_REPLAY);
                } catch (VerifyException lagging) {
                    return; // not replayed within the bound: the rows stay unsettled (the rollback unlocks them)
                }
                for (int i = 0; i < others.size(); i++) {
                    Map<Key, Version> theirs = new HashMap<>();
                    read(otherNames.get(i), others.get(i), t, pending.get(i).keySet(), theirs, "");
                    var it = pending.get(i).keySet().iterator();
                    while (it.hasNext()) {
                        Key k = it.next();
                        Difference.Kind kind = kind(ours.get(k), theirs.get(k));
                        if (kind != null) {
                            diverged.get(i).add(new Difference(k, kind));
                        }
                        it.remove();
                    }
                }
                writer.commit();
            } finally {
                writer.rollback();
                writer.setAutoCommit(true);
            }
        } catch (VerifyException e) {
            if (!(e.getCause() instanceof SQLException s && "55P03".equals(s.getSQLState()))) {
                throw e;
            }
            // Not locked within the timeout: the rows stay unsettled.
        } catch (SQLException e) {
            throw new VerifyException("locking candidate rows of " + t.display() + " on " + writerName, e);
        }
    }

    /** How {@code theirs} differs from the writer's {@code ours}, or null when they hold the same row. */
    private static Difference.Kind kind(Version ours, Version theirs) {
        if (ours == null) {
            return theirs == null ? null : Difference.Kind.EXTRA;
        }
        if (theirs == null) {
            return Difference.Kind.MISSING;
        }
        return ours.hash().equals(theirs.hash()) ? null : Difference.Kind.DIFFERENT;
    }

    /** Reads {@code keys} in one REPEATABLE READ snapshot and returns the WAL position read after it. */
    private static String snapshot(String cluster, Connection c, TableShape t, Set<Key> keys, Map<Key, Version> into) {
        try {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try {
                read(cluster, c, t, keys, into);
                String lsn = Replay.currentLsn(cluster, c);
                c.commit();
                return lsn;
            } finally {
                c.rollback();
                c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new VerifyException("reading candidate rows of " + t.display() + " on " + cluster, e);
        }
    }

    private static void read(String cluster, Connection c, TableShape t, Set<Key> keys, Map<Key, Version> into) {
        read(cluster, c, t, keys, into, "");
    }

    private static void read(String cluster, Connection c, TableShape t, Set<Key> keys, Map<Key, Version> into,
                             String lock) {
        List<Key> all = new ArrayList<>(keys);
        for (int from = 0; from < all.size(); from += BATCH) {
            List<Key> batch = all.subList(from, Math.min(all.size(), from + BATCH));
            String sql = "SELECT " + Sql.keyText(t) + ", xmin::text, " + Sql.rowHash(t) + " FROM " + t.sqlName()
                    + " WHERE " + Sql.keyIn(t, batch.size()) + lock;
            try (PreparedStatement st = c.prepareStatement(sql)) {
                Sql.bindAll(st, batch);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        int n = t.key().size();
                        into.put(Sql.key(rs, t), new Version(rs.getString(n + 1), rs.getString(n + 2)));
                    }
                }
            } catch (SQLException e) {
                throw new VerifyException("reading candidate rows of " + t.display() + " on " + cluster, e);
            }
        }
    }
}
