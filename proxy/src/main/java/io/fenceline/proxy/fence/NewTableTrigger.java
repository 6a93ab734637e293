package io.fenceline.proxy.fence;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Young tables: a table is guarded from the transaction that creates it, not from the fence's next cover a
 * second later. An event trigger ({@value #EVENT_TRIGGER}) on {@code ddl_command_end} for {@code CREATE TABLE},
 * {@code CREATE TABLE AS} and {@code SELECT INTO} calls {@value #FUNCTION}, which puts {@link
 * TableTriggers#TRIGGER} on every new table of the group in the creating transaction, so no other session ever
 * sees the table without its trigger. (Rows a {@code CREATE TABLE AS} writes are the creator's, who owns the
 * table and is trusted anyway.)
 *
 * <p>Only a superuser may create an event trigger. The function is {@code SECURITY DEFINER} (the creator of a
 * table may lack {@code USAGE} on schema {@code fenceline}), owned by the fence's role, with {@code search_path}
 * fixed to {@code pg_catalog, pg_temp}; an event-trigger function cannot be called directly, and {@code PUBLIC}
 * has no {@code EXECUTE} on it. When the fence's role is not a superuser this is logged once at ERROR and new
 * tables wait for the cover, as before. Installed and repaired (re-enabled, re-pointed) with the table
 * triggers, every 10 s and at every fence and unfence.
 */
final class NewTableTrigger {

    private static final Logger LOG = LoggerFactory.getLogger(NewTableTrigger.class);
    static final String EVENT_TRIGGER = "fenceline_fence_new_tables";
    static final String FUNCTION = TableTriggers.SCHEMA + ".fence_new_tables()";

    static final String BODY = """

            DECLARE
              r record;
            BEGIN
              FOR r IN SELECT c.oid::pg_catalog.regclass AS rel
                         FROM pg_catalog.pg_event_trigger_ddl_commands() d
                         JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) d.objid
                         JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
                        WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                          AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p}'::"char"[])
                          AND c.relpersistence OPERATOR(pg_catalog.<>) 't'
                          AND n.nspname OPERATOR(pg_catalog.<>) ALL ('{pg_catalog,information_schema,fenceline}'::pg_catalog.name[])
                          AND n.nspname::pg_catalog.text NOT LIKE 'pg\\_toast%'
                          AND n.nspname::pg_catalog.text NOT LIKE 'pg\\_temp\\_%'
                          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                                           WHERE t.tgrelid OPERATOR(pg_catalog.=) c.oid
                                             AND t.tgname OPERATOR(pg_catalog.=) 'fenceline_fence')
              LOOP
                EXECUTE pg_catalog.format('CREATE TRIGGER fenceline_fence BEFORE INSERT OR UPDATE OR DELETE OR'
                    ' TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION fenceline.fence_guard()', r.rel);
              END LOOP;
            END
            """;

    private boolean warnedNotSuperuser;

    /**
     * Creates or repairs the function and the event trigger (needs {@link TableTriggers#FUNCTION} to exist).
     *
     * @return whether new tables are guarded at creation (false: the fence's role is not a superuser)
     */
    boolean install(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user")) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    if (!warnedNotSuperuser) {
                        warnedNotSuperuser = true;
                        LOG.error("database fence: a new table is guarded only at the next cover (within a second),"
                                + " not from its creation: the fence's role is not a superuser and cannot create the"
                                + " event trigger {}", EVENT_TRIGGER);
                    }
                    return false;
                }
            }
            String current = null;
            try (ResultSet rs = s.executeQuery("SELECT p.prosrc FROM pg_catalog.pg_proc p WHERE p.oid ="
                    + " pg_catalog.to_regprocedure('" + FUNCTION + "')")) {
                if (rs.next()) {
                    current = rs.getString(1);
                }
            }
            if (!BODY.equals(current)) {
                s.execute("CREATE OR REPLACE FUNCTION " + FUNCTION + " RETURNS event_trigger LANGUAGE plpgsql"
                        + " SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fl$" + BODY + "$fl$");
                s.execute("REVOKE ALL ON FUNCTION " + FUNCTION + " FROM PUBLIC");
            }
            String enabled = null;
            boolean ours = false;
            try (ResultSet rs = s.executeQuery("SELECT e.evtenabled, e.evtfoid = pg_catalog.to_regprocedure('"
                    + FUNCTION + "') AND e.evtevent = 'ddl_command_end' FROM pg_catalog.pg_event_trigger e"
                    + " WHERE e.evtname = '" + EVENT_TRIGGER + "'")) {
                if (rs.next()) {
                    enabled = rs.getString(1);
                    ours = rs.getBoolean(2);
                }
            }
            if (enabled != null && !ours) {
                s.execute("DROP EVENT TRIGGER " + EVENT_TRIGGER);
                enabled = null;
            }
            if (enabled == null) {
                s.execute("CREATE EVENT TRIGGER " + EVENT_TRIGGER + " ON ddl_command_end WHEN TAG IN ('CREATE TABLE',"
                        + " 'CREATE TABLE AS', 'SELECT INTO') EXECUTE FUNCTION " + FUNCTION);
                LOG.info("database fence: event trigger {} puts {} on every new table in the transaction that creates"
                        + " it", EVENT_TRIGGER, TableTriggers.TRIGGER);
            } else if (!"O".equals(enabled) && !"A".equals(enabled)) {
                s.execute("ALTER EVENT TRIGGER " + EVENT_TRIGGER + " ENABLE");
                LOG.error("database fence: event trigger {} was disabled or set to '{}': enabled again", EVENT_TRIGGER,
                        enabled);
            }
        }
        return true;
    }
}
