package io.fenceline.control.reconcile;

import io.fenceline.control.fleet.Fleet;
import io.fenceline.control.verify.Difference;
import io.fenceline.control.verify.Key;
import io.fenceline.control.verify.Sql;
import io.fenceline.control.verify.TableShape;
import io.fenceline.control.verify.VerifyReport;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Copies the source cluster's rows over the diverged rows of the others, from a {@link VerifyReport} whose
 * reference is the source. Per target cluster, one transaction that:
 * <ol>
 *   <li>sets {@code session_replication_role = replica}, as logical replication's apply worker does: the
 *       target's ordinary triggers and foreign-key triggers do not fire, so the copy is the source's row and
 *       nothing else. (It does <em>not</em> keep the change out of the target's WAL or its publications: see
 *       {@link #published});</li>
 *   <li>locks the target's rows ({@code FOR UPDATE}), so the apply worker cannot change them meanwhile, then reads
 *       the source's rows as they are now: a newer update of the source either is already applied on the
 *       target (and read from the source too) or waits for the lock and lands after the copy;</li>
 *   <li>skips rows that agree by now, refuses rows whose change one of the target's publications would send on
 *       to its subscribers, keeps each row it overwrites in {@code fenceline.overwritten_rows}, and writes.</li>
 * </ol>
 * A dry run does all of that except the writes and rolls back: what it prints is what a run would change, as
 * the rows stand at that moment.
 */
public final class Reconciler {

    /**
     * @param runId   the verify run the changes come from
     * @param source  the cluster whose rows won
     * @param changes every row changed (or to change), and the refused ones
     * @param dryRun  whether nothing was written
     */
    public record Result(String runId, String source, List<Change> changes, boolean dryRun) {

        public long applied() {
            return changes.stream().filter(c -> c.refused() == null).count();
        }

        public long refused() {
            return changes.stream().filter(c -> c.refused() != null).count();
        }
    }

    private final Fleet fleet;

    public Reconciler(Fleet fleet) {
        this.fleet = fleet;
    }

    /** Reconciles (or with {@code dryRun} plans) every diverged row of {@code report} from its writer. */
    public Result reconcile(VerifyReport report, boolean dryRun) throws SQLException {
        String source = report.writer();
        Map<String, List<VerifyReport.TableReport>> byTarget = new LinkedHashMap<>();
        for (VerifyReport.TableReport t : report.tables()) {
            for (VerifyReport.PairReport p : t.pairs()) {
                if (!p.diverged().isEmpty()) {
                    byTarget.computeIfAbsent(p.cluster(), k -> new ArrayList<>()).add(t);
                }
            }
        }
        List<Change> changes = new ArrayList<>();
        for (Map.Entry<String, List<VerifyReport.TableReport>> e : byTarget.entrySet()) {
            changes.addAll(target(report.runId(), source, e.getKey(), e.getValue(), dryRun));
        }
        return new Result(report.runId(), source, changes, dryRun);
    }

    private List<Change> target(String runId, String source, String target, List<VerifyReport.TableReport> tables,
                                boolean dryRun) throws SQLException {
        List<Change> changes = new ArrayList<>();
        try (Connection src = fleet.connect(source); Connection tgt = fleet.connect(target)) {
            if (!dryRun) {
                OverwrittenRows.ensure(tgt);
            }
            // The same settings verify hashed under, so that "agrees by now" means what verify means.
            Sql.pin(src);
            Sql.pin(tgt);
            tgt.setAutoCommit(false);
            try {
                try (Statement st = tgt.createStatement()) {
                    st.execute("SET LOCAL session_replication_role = replica");
                }
                for (VerifyReport.TableReport t : tables) {
                    List<Key> keys = t.pairs().stream().filter(p -> p.cluster().equals(target))
                            .flatMap(p -> p.diverged().stream()).map(Difference::key).toList();
                    changes.addAll(table(runId, source, src, target, tgt, t.shape(), keys, dryRun));
                }
                if (dryRun) {
                    tgt.rollback();
                } else {
                    tgt.commit();
                }
            } catch (SQLException e) {
                tgt.rollback();
                throw new SQLException("reconcile on " + target + " rolled back: " + e.getMessage(), e.getSQLState(), e);
            } finally {
                tgt.setAutoCommit(true);
                Sql.unpin(tgt);
                Sql.unpin(src);
            }
        }
        return changes;
    }

    private List<Change> table(String runId, String source, Connection src, String target, Connection tgt,
                               TableShape t, List<Key> keys, boolean dryRun) throws SQLException {
        List<Change> changes = new ArrayList<>();
        List<Publication> publications = publications(tgt, t);
        for (int from = 0; from < keys.size(); from += 500) {
            List<Key> batch = keys.subList(from, Math.min(keys.size(), from + 500));
            try (PreparedStatement lock = tgt.prepareStatement("SELECT 1 FROM " + t.sqlName() + " WHERE "
                    + Sql.keyIn(t, batch.size()) + " FOR UPDATE")) {
                Sql.bindAll(lock, batch);
                lock.executeQuery().close();
            }
            Map<Key, String[]> theirs = rows(src, t, batch);
            Map<Key, String[]> ours = rows(tgt, t, batch);
            for (Key k : batch) {
                String[] s = theirs.get(k);
                String[] o = ours.get(k);
                if (s == null && o == null || s != null && o != null && s[1].equals(o[1])) {
                    continue; // agrees by now
                }
                String action = o == null ? "insert" : s == null ? "delete" : "update";
                Change c = new Change(target, t.display(), k, action, o == null ? null : o[0], s == null ? null : s[0],
                        null);
                String why = published(tgt, t, publications, c);
                if (why != null) {
                    changes.add(new Change(c.cluster(), c.table(), k, action, c.oldRow(), c.newRow(), why));
                    continue;
                }
                changes.add(c);
                if (!dryRun) {
                    OverwrittenRows.keep(tgt, runId, c, source);
                    write(tgt, t, c);
                }
            }
        }
        return changes;
    }

    /** Rows by key: {@code [to_jsonb(row), hash of the compared columns]}. */
    private static Map<Key, String[]> rows(Connection c, TableShape t, List<Key> keys) throws SQLException {
        Map<Key, String[]> rows = new HashMap<>();
        try (PreparedStatement st = c.prepareStatement("SELECT " + Sql.keyText(t) + ", to_jsonb(x)::text, "
                + Sql.rowHash(t) + " FROM " + t.sqlName()
                + " x WHERE " + Sql.keyIn(t, keys.size()))) {
            Sql.bindAll(st, keys);
            try (ResultSet rs = st.executeQuery()) {
                int n = t.key().size();
                while (rs.next()) {
                    rows.put(Sql.key(rs, t), new String[]{rs.getString(n + 1), rs.getString(n + 2)});
                }
            }
        }
        return rows;
    }

    private static void write(Connection c, TableShape t, Change change) throws SQLException {
        String record = "jsonb_populate_record(NULL::" + t.sqlName() + ", ?::jsonb)";
        List<String> values = t.compared().stream()
                .filter(col -> t.key().stream().noneMatch(k -> k.name().equals(col))).toList();
        String sql = switch (change.action()) {
            case "insert" -> {
                StringJoiner cols = new StringJoiner(", ");
                t.compared().forEach(col -> cols.add(Sql.quote(col)));
                yield "INSERT INTO " + t.sqlName() + " (" + cols + ") SELECT " + cols + " FROM " + record;
            }
            case "delete" -> "DELETE FROM " + t.sqlName() + " WHERE (" + Sql.keyList(t) + ") = " + Sql.keyParams(t);
            default -> {
                StringJoiner cols = new StringJoiner(", ");
                values.forEach(col -> cols.add(Sql.quote(col)));
                String set = values.size() == 1 ? cols + " = (SELECT " + cols + " FROM " + record + ")"
                        : "(" + cols + ") = (SELECT " + cols + " FROM " + record + ")";
                yield "UPDATE " + t.sqlName() + " SET " + set + " WHERE (" + Sql.keyList(t) + ") = " + Sql.keyParams(t);
            }
        };
        try (PreparedStatement st = c.prepareStatement(sql)) {
            int i = 1;
            if (!change.action().equals("delete")) {
                st.setString(i++, change.newRow());
            }
            if (!change.action().equals("insert")) {
                Sql.bind(st, i, change.key());
            }
            if (st.executeUpdate() != 1) {
                throw new SQLException("reconcile: " + change.action() + " of " + t.display() + " " + change.key()
                        + " on " + change.cluster() + " changed no row", "55000");
            }
        }
    }

    /** A publication of the target that carries the table, with its row filter (null: every row). */
    private record Publication(String name, boolean insert, boolean update, boolean delete, String rowFilter) {
    }

    private static List<Publication> publications(Connection c, TableShape t) throws SQLException {
        List<Publication> list = new ArrayList<>();
        try (PreparedStatement has = c.prepareStatement("SELECT count(*) FROM pg_replication_slots"
                + " WHERE slot_type = 'logical' AND database = current_database()");
             ResultSet rs = has.executeQuery()) {
            rs.next();
            if (rs.getLong(1) == 0) {
                return list; // nobody subscribes to this database: nothing is sent on
            }
        }
        try (PreparedStatement st = c.prepareStatement("SELECT p.pubname, p.pubinsert, p.pubupdate, p.pubdelete,"
                + " pt.rowfilter FROM pg_publication_tables pt JOIN pg_publication p ON p.pubname = pt.pubname"
                + " WHERE pt.schemaname = ? AND pt.tablename = ?")) {
            st.setString(1, t.schema());
            st.setString(2, t.name());
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    list.add(new Publication(rs.getString(1), rs.getBoolean(2), rs.getBoolean(3), rs.getBoolean(4),
                            rs.getString(5)));
                }
            }
        }
        return list;
    }

    /**
     * Why the target would send {@code change} on to its subscribers, or null. A write in a
     * {@code session_replication_role = replica} session is decoded and published like any other (PostgreSQL 15's
     * publications filter by row, not by origin), so a copied row its own publication carries would reach that
     * publication's subscribers — the writer among them, where an insert of a row it has stops the apply worker
     * with a duplicate key. Such rows are left for the operator; rows the target's row filters exclude (the demo's
     * mesh publishes only the rows a cluster wrote itself) are copied.
     */
    static String published(Connection c, TableShape t, List<Publication> publications, Change change)
            throws SQLException {
        for (Publication p : publications) {
            boolean carries = switch (change.action()) {
                case "insert" -> p.insert() && matches(c, t, p, change.newRow());
                case "delete" -> p.delete() && matches(c, t, p, change.oldRow());
                default -> p.update() && (matches(c, t, p, change.oldRow()) || matches(c, t, p, change.newRow()));
            };
            if (carries) {
                return change.cluster() + " publishes " + t.display() + " (publication " + p.name()
                        + (p.rowFilter() == null ? "" : " WHERE " + p.rowFilter()) + ") and has logical subscribers:"
                        + " the copy would be replicated on to them";
            }
        }
        return null;
    }

    private static boolean matches(Connection c, TableShape t, Publication p, String rowJson) throws SQLException {
        if (p.rowFilter() == null) {
            return true;
        }
        try (PreparedStatement st = c.prepareStatement("SELECT coalesce((" + p.rowFilter() + "), false) FROM"
                + " jsonb_populate_record(NULL::" + t.sqlName() + ", ?::jsonb) AS x")) {
            st.setString(1, rowJson);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
