package io.fenceline.proxy.fence;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The database fence for large objects: PostgreSQL 15 lets every large-object writer commit inside a READ ONLY
 * transaction, and {@code pg_largeobject} is a system catalog no trigger can guard, so the fence takes {@code
 * EXECUTE} on the writers away from everybody but their owner (the bootstrap superuser) while the database is
 * fenced, and gives back exactly what was granted before when it is unfenced.
 *
 * <h2>The record</h2>
 * Before the first revoke, each writer's grants (its ACL, PostgreSQL's default of {@code EXECUTE} to {@code
 * PUBLIC} made explicit, owner left out) are stored in {@value #RECORD}, one row per function, keyed by its
 * signature, in the same transaction as the revoke. A row that exists is never overwritten: fencing again (a
 * repeated request, a proxy restarted on a fenced database, a crash between two fences) finds the original and
 * only revokes whatever is granted now. Unfencing grants back each recorded grant (by its original grantor:
 * {@code SET ROLE} to it when it is not the owner), revokes anything granted meanwhile, checks that the ACL now
 * holds exactly the recorded grants, and deletes the row — in one transaction. A crash at any point leaves
 * either the fenced ACL with its record or the original ACL without one; the catalog survives a restart, so a
 * fenced database restarted stays fenced. Grants are stored as role OIDs (stable across renames and
 * {@code pg_upgrade}) in {@code jsonb} ({@code aclitem} and {@code reg*} columns block {@code pg_upgrade}).
 *
 * <h2>Who is not stopped</h2>
 * Superusers (privileges do not apply to them), and so {@code SECURITY DEFINER} functions a superuser owns.
 * Only a superuser can revoke {@code EXECUTE} on {@code pg_catalog}'s functions from {@code PUBLIC}: when the
 * fence's role is not one, this layer logs at ERROR that large objects are not guarded and does nothing (the
 * rest of the fence works as before). {@code lo_open}, {@code loread}, {@code lo_get} and the others that only
 * read stay granted: a non-writer serves reads. Unlike the table triggers this layer is not bounded by the lease:
 * a writer that dies leaves the writers granted until the next fence of that database.
 */
final class LargeObjectGrants {

    private static final Logger LOG = LoggerFactory.getLogger(LargeObjectGrants.class);
    /** The table of recorded grants. */
    static final String RECORD = TableTriggers.SCHEMA + ".large_object_grants";
    /** Every function that creates, writes, truncates or removes a large object (PostgreSQL 15). */
    static final List<String> WRITERS = List.of("pg_catalog.lo_creat(integer)", "pg_catalog.lo_create(oid)",
            "pg_catalog.lo_import(text)", "pg_catalog.lo_import(text,oid)", "pg_catalog.lo_from_bytea(oid,bytea)",
            "pg_catalog.lowrite(integer,bytea)", "pg_catalog.lo_put(oid,bigint,bytea)",
            "pg_catalog.lo_truncate(integer,integer)", "pg_catalog.lo_truncate64(integer,bigint)",
            "pg_catalog.lo_unlink(oid)");

    /** The grants of one function, owner left out: one row per (grantor, grantee, grant option). */
    private static final String GRANTS = """
            SELECT a.grantor, a.grantee, a.is_grantable,
                   pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantor)),
                   CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                        ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END,
                   a.grantor = p.proowner
              FROM pg_catalog.pg_proc p,
                   pg_catalog.aclexplode(COALESCE(p.proacl, pg_catalog.acldefault('f', p.proowner))) a
             WHERE p.oid = ?::pg_catalog.regprocedure AND a.grantee <> p.proowner
             ORDER BY 6 DESC, 1, 2
            """;

    private boolean warnedNotSuperuser;

    /** A grant of EXECUTE, as {@code aclexplode} shows it. */
    record Grant(long grantor, long grantee, boolean grantable) {}

    /**
     * Revokes {@code EXECUTE} on every writer from everybody but the owner, recording the grants first (unless a
     * record exists). Does nothing when everything is revoked already and recorded.
     *
     * @return whether large objects are guarded (false: the role is not a superuser; logged)
     */
    boolean revoke(Connection c) throws SQLException {
        if (!superuser(c)) {
            return false;
        }
        if (revokedAndRecorded(c)) {
            return true;
        }
        inTransaction(c, () -> {
            ensureRecordTable(c);
            try (Statement s = c.createStatement()) {
                s.execute("LOCK TABLE " + RECORD + " IN EXCLUSIVE MODE");
            }
            List<String> revoked = new ArrayList<>();
            for (String function : WRITERS) {
                List<String> grantees = new ArrayList<>();
                try (PreparedStatement s = c.prepareStatement(GRANTS)) {
                    s.setString(1, function);
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            if (!grantees.contains(rs.getString(5))) {
                                grantees.add(rs.getString(5));
                            }
                        }
                    }
                }
                try (PreparedStatement s = c.prepareStatement("INSERT INTO " + RECORD + " (writer, grants)"
                        + " SELECT ?, COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('grantor', g.grantor,"
                        + " 'grantee', g.grantee, 'grantable', g.is_grantable)), '[]'::pg_catalog.jsonb)"
                        + " FROM (" + GRANTS.replace("ORDER BY 6 DESC, 1, 2", "") + ") g (grantor, grantee,"
                        + " is_grantable, grantor_name, grantee_name, by_owner) ON CONFLICT (writer) DO NOTHING")) {
                    s.setString(1, function);
                    s.setString(2, function);
                    s.executeUpdate();
                }
                if (!grantees.isEmpty()) {
                    try (Statement s = c.createStatement()) {
                        s.execute("REVOKE EXECUTE ON FUNCTION " + function + " FROM " + String.join(", ", grantees)
                                + " CASCADE");
                    }
                    revoked.add(function + " from " + grantees);
                }
            }
            if (!revokedAndRecorded(c)) {
                throw new SQLException("large-object writers still granted after REVOKE: " + granted(c), "42501");
            }
            LOG.warn("database fence: EXECUTE on the large-object writers revoked ({}); grants recorded in {}",
                    revoked.isEmpty() ? "none was granted" : String.join("; ", revoked), RECORD);
        });
        return true;
    }

    /**
     * Gives back exactly the recorded grants and deletes the record; nothing when there is no record.
     *
     * @return whether large objects are under this layer at all (false: the role is not a superuser; logged)
     */
    boolean restore(Connection c) throws SQLException {
        if (!superuser(c)) {
            return false;
        }
        if (!recordTableExists(c)) {
            return true;
        }
        inTransaction(c, () -> {
            try (Statement s = c.createStatement()) {
                s.execute("LOCK TABLE " + RECORD + " IN EXCLUSIVE MODE");
            }
            List<String> restored = new ArrayList<>();
            List<String> functions = new ArrayList<>();
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT writer FROM " + RECORD + " ORDER BY 1")) {
                while (rs.next()) {
                    functions.add(rs.getString(1));
                }
            }
            for (String function : functions) {
                List<Grant> wanted = recorded(c, function);
                // Anything granted while fenced goes (only a superuser could have granted it).
                List<String> extra = new ArrayList<>();
                for (Object[] g : current(c, function)) {
                    if (!wanted.contains((Grant) g[0]) && !extra.contains((String) g[2])) {
                        extra.add((String) g[2]);
                    }
                }
                try (Statement s = c.createStatement()) {
                    if (!extra.isEmpty()) {
                        s.execute("REVOKE EXECUTE ON FUNCTION " + function + " FROM " + String.join(", ", extra)
                                + " CASCADE");
                        LOG.error("database fence: {} was granted to {} while fenced: revoked, the grants from"
                                + " before the fence restored", function, extra);
                    }
                    // The owner's grants first: a grant by another grantor needs its grant option.
                    for (boolean byOwner : new boolean[] {true, false}) {
                        for (Grant g : wanted) {
                            String grantor = name(c, g.grantor());
                            String grantee = g.grantee() == 0 ? "PUBLIC" : name(c, g.grantee());
                            if (grantee == null || grantor == null) {
                                LOG.error("database fence: the grant of {} recorded for role {} (by {}) is not"
                                        + " restored: the role no longer exists", function, g.grantee(), g.grantor());
                                continue;
                            }
                            if (isOwner(c, function, g.grantor()) != byOwner) {
                                continue;
                            }
                            String grant = "GRANT EXECUTE ON FUNCTION " + function + " TO " + grantee
                                    + (g.grantable() ? " WITH GRANT OPTION" : "");
                            if (byOwner) {
                                s.execute(grant);
                            } else {
                                s.execute("SET LOCAL ROLE " + grantor);
                                s.execute(grant);
                                s.execute("RESET ROLE");
                            }
                        }
                    }
                }
                List<Grant> now = new ArrayList<>();
                for (Object[] g : current(c, function)) {
                    now.add((Grant) g[0]);
                }
                List<Grant> expected = new ArrayList<>();
                for (Grant g : wanted) {
                    if (name(c, g.grantee()) != null && name(c, g.grantor()) != null) {
                        expected.add(g);
                    }
                }
                if (!(now.containsAll(expected) && expected.containsAll(now))) {
                    throw new SQLException("restoring EXECUTE on " + function + " gave " + now + ", recorded "
                            + expected, "XX000");
                }
                try (PreparedStatement s = c.prepareStatement("DELETE FROM " + RECORD + " WHERE writer = ?")) {
                    s.setString(1, function);
                    s.executeUpdate();
                }
                restored.add(function);
            }
            if (!restored.isEmpty()) {
                LOG.warn("database fence: EXECUTE on the large-object writers restored as recorded ({})", restored);
            }
        });
        return true;
    }

    /** Whether every writer is revoked from all but its owner and has its record (nothing to do). */
    boolean revokedAndRecorded(Connection c) throws SQLException {
        if (!recordTableExists(c) || !granted(c).isEmpty()) {
            return false;
        }
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + RECORD)) {
            rs.next();
            return rs.getInt(1) == WRITERS.size();
        }
    }

    /** The writers granted to anybody but their owner now ("function to grantee"). */
    List<String> granted(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        for (String function : WRITERS) {
            for (Object[] g : current(c, function)) {
                out.add(function + " to " + g[2]);
            }
        }
        return out;
    }

    /** Current grants of a function, owner left out: {Grant, grantor name, grantee name}. */
    private static List<Object[]> current(Connection c, String function) throws SQLException {
        List<Object[]> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(GRANTS)) {
            s.setString(1, function);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new Object[] {new Grant(rs.getLong(1), rs.getLong(2), rs.getBoolean(3)), rs.getString(4),
                            rs.getString(5)});
                }
            }
        }
        return out;
    }

    private boolean superuser(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user")) {
            if (rs.next() && rs.getBoolean(1)) {
                return true;
            }
        }
        if (!warnedNotSuperuser) {
            warnedNotSuperuser = true;
            LOG.error("database fence: large objects are NOT guarded against writes: the fence's role is not a"
                    + " superuser, and only a superuser can revoke EXECUTE on lo_create, lowrite, lo_put, ... from"
                    + " PUBLIC (every large-object writer commits in a read-only transaction)");
        }
        return false;
    }

    private static boolean recordTableExists(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_catalog.to_regclass('" + RECORD + "') IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static void ensureRecordTable(Connection c) throws SQLException {
        if (recordTableExists(c)) {
            return;
        }
        try (Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS " + TableTriggers.SCHEMA);
            s.execute("CREATE TABLE IF NOT EXISTS " + RECORD + " (writer text PRIMARY KEY, grants jsonb NOT NULL,"
                    + " fenced_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp())");
            s.execute("REVOKE ALL ON " + RECORD + " FROM PUBLIC");
            s.execute("COMMENT ON TABLE " + RECORD + " IS 'EXECUTE grants of the large-object writers before the"
                    + " database fence revoked them; restored and deleted when the fence opens'");
        }
    }

    private static boolean isOwner(Connection c, String function, long role) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT proowner = ? FROM pg_catalog.pg_proc WHERE oid ="
                + " ?::pg_catalog.regprocedure")) {
            s.setLong(1, role);
            s.setString(2, function);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** A role's quoted name, or null when no role has that OID. */
    private static String name(Connection c, long oid) throws SQLException {
        if (oid == 0) {
            return "PUBLIC";
        }
        try (PreparedStatement s = c.prepareStatement("SELECT pg_catalog.quote_ident(rolname) FROM"
                + " pg_catalog.pg_roles WHERE oid = ?")) {
            s.setLong(1, oid);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** The grants recorded for a function before the fence revoked them. */
    private static List<Grant> recorded(Connection c, String function) throws SQLException {
        List<Grant> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT (e ->> 'grantor')::pg_catalog.oid,"
                + " (e ->> 'grantee')::pg_catalog.oid, (e ->> 'grantable')::boolean FROM " + RECORD
                + " r, pg_catalog.jsonb_array_elements(r.grants) e WHERE r.writer = ?")) {
            s.setString(1, function);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new Grant(rs.getLong(1), rs.getLong(2), rs.getBoolean(3)));
                }
            }
        }
        return out;
    }

    private interface Work {
        void run() throws SQLException;
    }

    private static void inTransaction(Connection c, Work work) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            work.run();
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }
}
