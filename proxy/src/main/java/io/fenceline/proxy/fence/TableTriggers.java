package io.fenceline.proxy.fence;

import io.fenceline.config.group.FenceTriggers;
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
 * The layer of the database fence that no session can lift: a statement-level {@code BEFORE INSERT OR UPDATE
 * OR DELETE OR TRUNCATE} trigger ({@value #TRIGGER}) on every table of the group, calling {@code
 * fenceline.fence_guard()}, which raises 25006 unless the database is open.
 *
 * <h2>Open until</h2>
 * "Open" is {@code clock_timestamp() < open_until}, where {@code open_until} (ms since 1970 on the server's
 * clock) is the value of the sequence {@code fenceline.fence_open_until}. A sequence is read outside any
 * snapshot and {@code setval} is not transactional, so a transaction that began (REPEATABLE READ included)
 * before the fence sees it at its next statement; {@code clock_timestamp()} is the time of the statement, not of
 * the transaction. The fence's role owns the sequence; everybody else may only read it ({@code SELECT}: not
 * {@code USAGE}, which would allow {@code nextval}, nor {@code UPDATE}, which would allow {@code setval}). The
 * proxy, while it is the writer, advances it to its lease deadline ({@link OpenUntil}) at every renewal and sets
 * it to 1970 when it fences; a proxy that dies, hangs or loses its database leaves it to run out by itself.
 *
 * <h2>Who is not stopped</h2>
 * Logical-replication apply workers ({@code session_replication_role = replica}: ordinary triggers do not fire,
 * and only a superuser can change that role), the roles in {@link FenceTriggers#exemptRoles} (by {@code
 * session_user}, which only a superuser can change), a table's owner and superusers (they can disable or drop
 * the trigger). Trigger and function are written to be safe under any {@code search_path}: every name is
 * qualified, operators included, and the sequence is named by its OID.
 */
final class TableTriggers {

    private static final Logger LOG = LoggerFactory.getLogger(TableTriggers.class);
    /** The trigger's name on every table. */
    static final String TRIGGER = "fenceline_fence";
    static final String SCHEMA = "fenceline";
    static final String SEQUENCE = "fenceline.fence_open_until";
    static final String FUNCTION = "fenceline.fence_guard()";
    /** How long creating a trigger may wait for its table's lock (writes queue behind the waiting request). */
    private static final String LOCK_TIMEOUT = "200ms";

    /** Tables of the group: ordinary and partitioned tables outside the system schemas and our own. */
    private static final String UNCOVERED = """
            SELECT c.oid::pg_catalog.regclass::text,
                   EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = ?)
              FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't'
               AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'fenceline')
               AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                                WHERE t.tgrelid = c.oid AND t.tgname = ? AND t.tgenabled = 'O'
                                  AND t.tgfoid = 'fenceline.fence_guard()'::pg_catalog.regprocedure)
             ORDER BY 1
            """;

    private final FenceTriggers settings;
    private final String hint;
    private final NewTableTrigger newTables = new NewTableTrigger();
    private long sequenceOid;

    /** @param hint what the 25006 of a fenced write says to do (names group and cluster) */
    TableTriggers(FenceTriggers settings, String hint) {
        this.settings = settings;
        this.hint = hint;
    }

    /** Whether the triggers are on at all. */
    boolean enabled() {
        return settings.enabled();
    }

    /**
     * Creates (idempotently) the schema, the sequence (closed), the trigger function and the event trigger that
     * guards new tables at their creation ({@link NewTableTrigger}); checks that the sequence belongs to the
     * fence's role, so that nobody else can open the database.
     */
    void install(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS " + SCHEMA);
            boolean created = false;
            try (ResultSet rs = s.executeQuery("SELECT pg_catalog.to_regclass('" + SEQUENCE + "')::pg_catalog.oid")) {
                rs.next();
                created = rs.getObject(1) == null;
            }
            if (created) {
                // Created closed: is_called is false until the first setval, which the guard reads as NULL.
                s.execute("CREATE SEQUENCE " + SEQUENCE + " MINVALUE 0 START 0 NO CYCLE");
                s.execute("SELECT pg_catalog.setval('" + SEQUENCE + "', 0, true)");
            }
            try (ResultSet rs = s.executeQuery("SELECT c.oid, pg_catalog.pg_get_userbyid(c.relowner), current_user,"
                    + " c.relkind FROM pg_catalog.pg_class c WHERE c.oid = '" + SEQUENCE + "'::pg_catalog.regclass")) {
                rs.next();
                if (!rs.getString(2).equals(rs.getString(3)) || !"S".equals(rs.getString(4))) {
                    throw new SQLException(SEQUENCE + " is a relation of kind '" + rs.getString(4) + "' owned by "
                            + rs.getString(2) + ", not a sequence of the fence's role " + rs.getString(3)
                            + ": whoever owns it can open the database; drop it and let the fence create it", "42501");
                }
                sequenceOid = rs.getLong(1);
            }
            // Only the owner may setval (UPDATE) or nextval (USAGE); every role may read it (the guard does).
            // Granted only when the ACL differs: a GRANT rewrites the catalog row even when nothing changes.
            List<String> others = new ArrayList<>();
            boolean publicReads = false;
            try (ResultSet rs = s.executeQuery("SELECT a.grantee, a.privilege_type,"
                    + " CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END"
                    + " FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a"
                    + " WHERE c.oid = " + sequenceOid + " AND a.grantee <> c.relowner")) {
                while (rs.next()) {
                    if (rs.getLong(1) == 0 && rs.getString(2).equals("SELECT")) {
                        publicReads = true;
                    } else if (!rs.getString(2).equals("SELECT")) {
                        others.add(rs.getString(3));
                    }
                }
            }
            if (created || !publicReads || !others.isEmpty()) {
                s.execute("REVOKE ALL ON SEQUENCE " + SEQUENCE + " FROM PUBLIC");
                for (String grantee : others) {
                    s.execute("REVOKE ALL ON SEQUENCE " + SEQUENCE + " FROM " + grantee);
                }
                s.execute("GRANT SELECT ON SEQUENCE " + SEQUENCE + " TO PUBLIC");
                if (!others.isEmpty()) {
                    LOG.error("database fence: {} granted more than SELECT to {}: revoked (they could open the"
                            + " database)", SEQUENCE, others);
                }
            }
            String body = guardBody(sequenceOid, settings.exemptRoles(), hint);
            String current = null;
            try (ResultSet rs = s.executeQuery("SELECT p.prosrc FROM pg_catalog.pg_proc p WHERE p.oid ="
                    + " pg_catalog.to_regprocedure('" + FUNCTION + "')")) {
                if (rs.next()) {
                    current = rs.getString(1);
                }
            }
            if (!body.equals(current)) {
                // Replaced only when it differs: a replacement makes every session plan the guard again.
                s.execute("CREATE OR REPLACE FUNCTION " + FUNCTION + " RETURNS trigger LANGUAGE plpgsql AS $fl$"
                        + body + "$fl$");
            }
        }
        newTables.install(c);
    }

    /**
     * The guard: returns at once while open (one sequence read, one clock read, a compare); otherwise lets
     * exempt roles through and raises PostgreSQL's own read-only error. NULL (a sequence never set) is closed.
     */
    static String guardBody(long sequenceOid, List<String> exemptRoles, String hint) {
        String open = "pg_catalog.clock_timestamp() OPERATOR(pg_catalog.<) pg_catalog.to_timestamp("
                + "pg_catalog.pg_sequence_last_value(" + sequenceOid + "::pg_catalog.oid::pg_catalog.regclass)"
                + "::pg_catalog.float8 OPERATOR(pg_catalog./) 1000::pg_catalog.float8)";
        return "\nBEGIN\n"
                + "  IF " + open + " THEN\n    RETURN NULL;\n  END IF;\n"
                + "  IF session_user OPERATOR(pg_catalog.=) ANY ('{" + String.join(",", exemptRoles)
                + "}'::pg_catalog.name[]) THEN\n    RETURN NULL;\n  END IF;\n"
                + "  RAISE EXCEPTION 'cannot execute % in a read-only transaction', TG_OP\n"
                + "    USING ERRCODE = '25006', HINT = '" + hint.replace("'", "''") + "';\n"
                + "END\n";
    }

    /**
     * Puts the trigger on every table of the group that lacks it (or has it disabled), each with a short lock
     * timeout; a table whose lock is not granted in time, or that the role may not put a trigger on, is
     * reported and tried again next time.
     *
     * @return the tables still not covered
     */
    List<String> cover(Connection c) throws SQLException {
        List<String> missing = new ArrayList<>();
        List<String> disabled = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(UNCOVERED)) {
            s.setString(1, TRIGGER);
            s.setString(2, TRIGGER);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    (rs.getBoolean(2) ? disabled : missing).add(rs.getString(1));
                }
            }
        }
        List<String> left = new ArrayList<>();
        for (String table : missing) {
            if (!ddl(c, table, "CREATE TRIGGER " + TRIGGER + " BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "
                    + table + " FOR EACH STATEMENT EXECUTE FUNCTION " + FUNCTION)) {
                left.add(table);
            }
        }
        for (String table : disabled) {
            // Disabled (only an owner can), set to fire always, or calling another function: repaired if we may.
            if (!ddl(c, table, "DROP TRIGGER " + TRIGGER + " ON " + table) || !ddl(c, table, "CREATE TRIGGER "
                    + TRIGGER + " BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON " + table
                    + " FOR EACH STATEMENT EXECUTE FUNCTION " + FUNCTION)) {
                left.add(table);
            }
        }
        return left;
    }

    private boolean ddl(Connection c, String table, String sql) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
            s.execute(sql);
            c.commit();
            LOG.info("database fence: {} ({})", sql.startsWith("DROP") ? "replacing the trigger of " + table
                    : "trigger " + TRIGGER + " now guards " + table, sql.startsWith("DROP") ? "it was disabled or"
                    + " not the guard" : "a session cannot lift it");
            return true;
        } catch (SQLException e) {
            c.rollback();
            if ("42501".equals(e.getSQLState()) || "55P03".equals(e.getSQLState()) || "42P01".equals(e.getSQLState())
                    || "42704".equals(e.getSQLState())) {
                LOG.error("database fence: table {} is NOT guarded against writes that bypass the proxy: [{}] {}"
                        + " (retried at the next check)", table, e.getSQLState(), e.getMessage());
                return false;
            }
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /**
     * Opens the database until the server-clock instant that corresponds to {@code deadlineNanos} (see {@link
     * OpenUntil}); closes it instead when that deadline has passed.
     *
     * @return the value set (ms since 1970 on the server's clock), {@link OpenUntil#CLOSED} when closed
     */
    long openUntil(Connection c, long deadlineNanos, io.fenceline.config.coordination.MonotonicClock clock,
                   double rho) throws SQLException {
        long dbMillis;
        long replied;
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_catalog.floor(EXTRACT(EPOCH FROM pg_catalog.clock_timestamp())"
                     + " * 1000)::bigint")) {
            rs.next();
            dbMillis = rs.getLong(1);
            replied = clock.nanoTime();
        }
        long value = OpenUntil.of(dbMillis, replied, deadlineNanos, rho);
        set(c, value);
        return value;
    }

    /** Closes the database: open until 1970. */
    void close(Connection c) throws SQLException {
        set(c, OpenUntil.CLOSED);
    }

    private void set(Connection c, long value) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_catalog.setval(?::pg_catalog.oid::pg_catalog.regclass,"
                + " ?, true)")) {
            s.setLong(1, sequenceOid);
            s.setLong(2, value);
            s.execute();
        }
    }

    /** Whether {@link #install} ran on this database (the sequence's OID is known). */
    boolean installed() {
        return sequenceOid != 0;
    }
}
