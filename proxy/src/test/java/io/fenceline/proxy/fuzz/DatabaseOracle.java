package io.fenceline.proxy.fuzz;

import io.fenceline.testing.PostgresServer;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * PostgreSQL's own account of what the sessions wrote in one database, asked after each session once the
 * session's backend has gone:
 * <ul>
 *   <li>a logical replication slot ({@code test_decoding}, {@code skip-empty-xacts}) created after the setup:
 *       every row change any transaction committed since the last look, with nothing filtered out (the fence
 *       writes no rows, so a decoded change is a client's);</li>
 *   <li>what logical decoding does not see: the sequence's position ({@code nextval}, {@code setval}), the
 *       large objects ({@code pg_largeobject} is a catalog), and a fingerprint of the catalog (tables, columns,
 *       functions, triggers, role settings such as {@code ALTER ROLE … SET}, privileges);</li>
 *   <li>prepared transactions a session left behind are committed first, so their changes are decoded too
 *       (a client could commit them later).</li>
 * </ul>
 * After a session that wrote, {@link #reset} restores the rows (and the catalog if it changed) as the superuser
 * and consumes the slot up to that point; it first checks that no client backend is connected, so the changes
 * it skips can only be its own.
 */
final class DatabaseOracle implements AutoCloseable {

    private static final String SLOT = "fuzz_oracle";
    private static final String FLUSH_PREFIX = "fenceline-fuzz-oracle-flush";
    /** How test_decoding prints the oracle's own flush message: skipped only when it is exactly this. */
    private static final String FLUSH_LINE = "message: transactional: 1 prefix: " + FLUSH_PREFIX + ", sz: 0 content:";
    private static final String FINGERPRINT = """
            SELECT md5(string_agg(x, E'\\n' ORDER BY x)) FROM (
              SELECT 'class ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text || ' ' || coalesce(c.relacl::text, '')
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast%'
              UNION ALL
              SELECT 'column ' || a.attrelid::regclass || '.' || a.attname || ' ' || a.atttypid::text || ' ' || a.attisdropped::text
                FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE a.attnum > 0 AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                 AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast%'
              UNION ALL
              SELECT 'proc ' || p.oid::regprocedure || ' ' || md5(p.prosrc) || ' ' || p.prosecdef::text || ' ' || coalesce(p.proconfig::text, '')
                FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
               WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
              UNION ALL
              SELECT 'trigger ' || tgrelid::regclass || '.' || tgname || ' ' || tgenabled::text FROM pg_trigger
              UNION ALL
              SELECT 'rule ' || ev_class::regclass || '.' || rulename || ' ' || ev_enabled::text FROM pg_rewrite WHERE ev_class >= 16384
              UNION ALL
              SELECT 'policy ' || polrelid::regclass || '.' || polname FROM pg_policy
              UNION ALL
              SELECT 'setting ' || setdatabase::text || ' ' || setrole::text || ' ' || setconfig::text FROM pg_db_role_setting
              UNION ALL
              SELECT 'role ' || rolname || ' ' || rolsuper::text || rolcreaterole::text || rolcreatedb::text || rolreplication::text || rolbypassrls::text FROM pg_roles WHERE rolname = 'fuzz' OR rolsuper
              UNION ALL
              SELECT 'schema ' || nspname || ' ' || coalesce(nspacl::text, '') FROM pg_namespace
               WHERE nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast_temp%'
            ) f(x)
            """;

    private final PostgresServer pg;
    private final String database;
    private final Connection admin;
    private String baseSequence;
    private String baseLargeObjects;
    private String baseCatalog;
    private int catalogRebuilds;

    /** Makes the objects, seeds the rows, then creates the slot: nothing made before the slot is decoded. */
    DatabaseOracle(PostgresServer pg, String database) {
        this.pg = pg;
        this.database = database;
        try {
            pg.execute(FuzzDatabase.CREATE_ROLE);
            if (!"1".equals(pg.queryValue("postgres", "SELECT count(*) FROM pg_database WHERE datname = '" + database + "'"))) {
                pg.execute("CREATE DATABASE " + database);
            }
            admin = pg.connect(database);
            exec("SET default_transaction_read_only = off");
            // Ordinary triggers (a fence made of triggers included) do not fire for the oracle's own resets.
            exec("SET session_replication_role = replica");
            // The servers run with synchronous_commit off, and decoding reads only flushed WAL: the oracle's own
            // commits are synchronous, so flush() pushes every earlier commit to disk before a look.
            exec("SET synchronous_commit = on");
            exec(FuzzDatabase.DROP);
            exec(FuzzDatabase.SETUP);
            exec(FuzzDatabase.SEED);
            exec("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'");
            exec("SELECT pg_create_logical_replication_slot('" + SLOT + "', 'test_decoding')");
            baseline();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot set up the oracle in " + database + " of " + pg, e);
        }
    }

    String database() {
        return database;
    }

    int catalogRebuilds() {
        return catalogRebuilds;
    }

    /**
     * What reached the database since the last call: one line per decoded change and per other difference;
     * empty when nothing did. Waits (up to 30 s) until the session's backend has gone, so a commit still in flight
     * when the client hung up is counted.
     */
    List<String> writesSinceLastLook() {
        try {
            awaitNoClientBackend();
            for (String gid : column("SELECT gid FROM pg_prepared_xacts WHERE database = current_database()")) {
                exec("COMMIT PREPARED '" + gid.replace("'", "''") + "'");
            }
            flush();
            List<String> writes = new ArrayList<>();
            for (String change : column("SELECT data FROM pg_logical_slot_get_changes('" + SLOT
                    + "', NULL, NULL, 'skip-empty-xacts', '1')")) {
                if (!change.startsWith("BEGIN") && !change.startsWith("COMMIT") && !change.equals(FLUSH_LINE)) {
                    writes.add(change);
                }
            }
            String seq = value("SELECT last_value || '/' || is_called FROM s");
            if (!seq.equals(baseSequence)) {
                writes.add("sequence s moved: " + baseSequence + " -> " + seq);
            }
            String lo = value("SELECT count(*) FROM pg_largeobject_metadata");
            if (!lo.equals(baseLargeObjects)) {
                writes.add("large objects: " + baseLargeObjects + " -> " + lo);
            }
            String cat = value(FINGERPRINT);
            if (!cat.equals(baseCatalog)) {
                writes.add("the catalog changed (tables, columns, functions, triggers, role settings or privileges)");
            }
            return writes;
        } catch (SQLException e) {
            throw new IllegalStateException("the oracle cannot read " + database, e);
        }
    }

    /** Restores the seed rows (and the objects when the catalog changed) and skips the slot past them. */
    void reset() {
        try {
            awaitNoClientBackend();
            if (!value(FINGERPRINT).equals(baseCatalog)) {
                exec(FuzzDatabase.DROP);
                exec(FuzzDatabase.SETUP);
                catalogRebuilds++;
            }
            exec(FuzzDatabase.SEED);
            if (!"0".equals(value("SELECT count(*) FROM pg_stat_activity WHERE usename = '" + FuzzDatabase.ROLE + "'"))) {
                throw new IllegalStateException("a client connected during the reset of " + database);
            }
            flush();
            exec("SELECT count(*) FROM pg_logical_slot_get_changes('" + SLOT + "', NULL, NULL)");
            baseline();
        } catch (SQLException e) {
            throw new IllegalStateException("the oracle cannot reset " + database, e);
        }
    }

    /**
     * A transactional logical message committed synchronously: its commit record, and so all WAL before it
     * (every client commit so far, made with synchronous_commit off), is flushed, and decoding reads only flushed
     * WAL. (A transaction that only takes an xid writes no WAL before its commit record, so PostgreSQL commits it
     * asynchronously: that does not flush.) The message decodes as {@link #FLUSH_LINE}, the one line skipped.
     */
    private void flush() throws SQLException {
        admin.setAutoCommit(false);
        try {
            value("SELECT pg_logical_emit_message(true, '" + FLUSH_PREFIX + "', '')");
            admin.commit();
        } finally {
            admin.setAutoCommit(true);
        }
    }

    private void baseline() throws SQLException {
        baseSequence = value("SELECT last_value || '/' || is_called FROM s");
        baseLargeObjects = value("SELECT count(*) FROM pg_largeobject_metadata");
        baseCatalog = value(FINGERPRINT);
    }

    private void awaitNoClientBackend() throws SQLException {
        long end = System.nanoTime() + 30_000_000_000L;
        String q = "SELECT count(*) FROM pg_stat_activity WHERE usename = '" + FuzzDatabase.ROLE + "'";
        while (!"0".equals(value(q))) {
            if (System.nanoTime() - end > 0) {
                throw new IllegalStateException("a session's backend in " + database + " did not end within 30 s");
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private void exec(String sql) throws SQLException {
        try (Statement s = admin.createStatement()) {
            s.execute(sql);
        }
    }

    private String value(String sql) throws SQLException {
        List<String> c = column(sql);
        return c.isEmpty() ? "" : String.valueOf(c.get(0));
    }

    private List<String> column(String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = admin.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    @Override
    public void close() {
        try {
            exec("SELECT pg_drop_replication_slot('" + SLOT + "')");
            admin.close();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop the oracle's slot in " + database + " of " + pg, e);
        }
    }
}
