package io.fenceline.proxy.fuzz;

import io.fenceline.config.coordination.EtcdAccess;
import io.fenceline.config.coordination.EtcdSettings;
import io.fenceline.config.file.ProxySettings;
import io.fenceline.config.file.SchemaSettings;
import io.fenceline.config.records.Catalog;
import io.fenceline.config.records.Window;
import io.fenceline.proxy.ProxyProcess;
import io.fenceline.proxy.TestProxies;
import io.fenceline.testing.PostgresServer;
import org.postgresql.util.PSQLException;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Issue 13 item 6: schema-version enforcement against PostgreSQL's own catalog. Version 1 has {@code users(id,
 * name)}; version 2 adds {@code users.email} and {@code orders(id, user_id, total)}. The live database holds
 * version 2 (the state after expand); scratch databases {@code scratch_v1} and {@code scratch_v2} hold only one
 * version's tables. Each generated statement runs, in a transaction rolled back, through a proxy with a
 * {@code schema:} section as a client of version N, and directly on {@code scratch_vN}:
 * <ul>
 *   <li>let through by the proxy (it ran, or failed for another reason than the proxy's catalog check) while
 *       PostgreSQL on version N's catalog fails it with 42P01 or 42703: a statement of version N+1 reached the
 *       database — a disagreement, unless the live database refused it too with a class 42 error (syntax or
 *       name errors: nothing ran, no harm);</li>
 *   <li>refused by the proxy with 42P01/42703 while PostgreSQL on version N's catalog accepts it: the proxy
 *       refuses a valid statement of its version — a disagreement.</li>
 * </ul>
 */
final class SchemaOracle implements AutoCloseable {

    private static final String GROUP = "fuzz-schema";
    private static final String CONTROL = "migrator";
    private static final String V1 = "CREATE TABLE users (id int PRIMARY KEY, name text);";
    private static final String V2 = "CREATE TABLE users (id int PRIMARY KEY, name text, email text);"
            + "CREATE TABLE orders (id int PRIMARY KEY, user_id int, total numeric);";
    private static final String SEED = "INSERT INTO users VALUES (1, 'ada'), (2, 'bob');";

    /** One disagreement between the proxy and PostgreSQL on a version's catalog. */
    record Disagreement(int version, String protocol, String sql, String proxy, String scratch, String live) {
        /**
         * True when the proxy let through a statement that PostgreSQL on version N's catalog refuses: something
         * outside the version reached the database (the guarantee broken). False for the other kind, a valid
         * statement of the version refused by the proxy (an availability defect, not a safety one).
         */
        boolean leak() {
            return !proxy.contains("in schema version");
        }

        /**
         * A refusal on purpose: the text is valid on version N's catalog, but the live database, which holds the
         * other version's columns too, would resolve a reference (a NATURAL JOIN, a position over {@code *}, a
         * positional INSERT, an unqualified name a table gained) to a column outside version N.
         */
        boolean byDesign() {
            return proxy.contains("in the live database");
        }

        String describe() {
            return "SCHEMA disagreement, version " + version + " (" + protocol + "): " + sql
                    + "\n  through the proxy: " + proxy + "\n  PostgreSQL holding only version " + version + "'s catalog: "
                    + scratch + "\n  the live database (both versions): " + live;
        }
    }

    record Report(int statements, List<Disagreement> disagreements) {}

    private final PostgresServer pg;
    private final ProxyProcess proxy;

    SchemaOracle(FenceRig rig) {
        pg = rig.openPostgres();
        for (String db : List.of("live", "scratch_v1", "scratch_v2")) {
            pg.execute("DROP DATABASE IF EXISTS " + db);
            pg.execute("CREATE DATABASE " + db);
        }
        pg.execute("DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') THEN CREATE ROLE app LOGIN; END IF; END$$");
        pg.executeIn("live", V2 + SEED + "GRANT ALL ON users, orders TO app");
        pg.executeIn("scratch_v1", V1 + SEED + "GRANT ALL ON users TO app");
        pg.executeIn("scratch_v2", V2 + SEED + "GRANT ALL ON users, orders TO app");
        var control = rig.operator();
        control.store().put(control.keys().window(GROUP), new Window(1, 2)).join();
        control.store().put(control.keys().catalog(GROUP, 1), new Catalog(1, "c1",
                Map.of("users", List.of("id", "name")))).join();
        control.store().put(control.keys().catalog(GROUP, 2), new Catalog(2, "c2",
                Map.of("users", List.of("id", "name", "email"), "orders", List.of("id", "user_id", "total")))).join();
        ProxySettings base = TestProxies.settings(pg);
        proxy = ProxyProcess.start(new ProxySettings(base.listen(), base.upstream(), base.tls(), base.limits(),
                base.admin(), base.shutdownGrace(), base.inspection(),
                Optional.of(new ProxySettings.Etcd(EtcdSettings.defaults(rig.etcd().endpoints()), EtcdAccess.NONE)),
                Optional.empty(), Optional.of(SchemaSettings.of(GROUP, CONTROL))));
    }

    Report run(long seed, int statements, Consumer<String> log) {
        SplittableRandom r = new SplittableRandom(seed ^ 0x5CE3A);
        List<Disagreement> found = new ArrayList<>();
        try (Connection live = direct("live")) {
            Connection[][] through = new Connection[3][2];
            Connection[] scratch = new Connection[3];
            try {
                for (int v = 1; v <= 2; v++) {
                    through[v][0] = viaProxy(v, "simple");
                    through[v][1] = viaProxy(v, "extended");
                    scratch[v] = direct("scratch_v" + v);
                }
                for (int i = 0; i < statements; i++) {
                    String sql = SchemaStatements.next(r);
                    int v = 1 + r.nextInt(2);
                    int mode = r.nextInt(2);
                    String viaProxy = attempt(through[v][mode], sql);
                    String onScratch = attempt(scratch[v], sql);
                    boolean proxyRefused = viaProxy.contains("in schema version");
                    boolean scratchMissing = versionRefuses(onScratch);
                    String onLive = null;
                    if (!proxyRefused && scratchMissing) {
                        onLive = attempt(live, sql);
                        if (onLive.startsWith("42")) {
                            continue; // the server refuses it at analysis anyway: nothing of version N+1 runs
                        }
                    } else if (!(proxyRefused && onScratch.equals("ok"))) {
                        continue;
                    }
                    Disagreement d = new Disagreement(v, mode == 0 ? "simple" : "extended", sql, viaProxy, onScratch,
                            onLive == null ? attempt(live, sql) : onLive);
                    if (found.stream().noneMatch(x -> x.sql().equals(sql) && x.version() == d.version())) {
                        found.add(d);
                        log.accept(d.describe());
                    }
                }
            } finally {
                for (Connection[] cs : through) {
                    for (Connection c : cs) {
                        if (c != null) {
                            c.close();
                        }
                    }
                }
                for (Connection c : scratch) {
                    if (c != null) {
                        c.close();
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("the schema oracle failed: " + e.getMessage(), e);
        }
        return new Report(statements, found);
    }

    /**
     * Whether PostgreSQL's answer on version N's catalog is a refusal the catalog causes: an unknown relation
     * (42P01) or column (42703), and, since a {@code *} expands to the version's columns, a positional INSERT or
     * set operation whose column count does not fit (42601 "INSERT has more expressions than target columns",
     * "each UNION query must have the same number of columns") and an ORDER BY / GROUP BY position past the
     * select list (42P10).
     */
    static boolean versionRefuses(String answer) {
        return answer.startsWith("42P01") || answer.startsWith("42703") || answer.startsWith("42P10")
                || answer.startsWith("42601") && (answer.contains("more expressions than target columns")
                        || answer.contains("same number of columns"));
    }

    /** "ok", or the SQLSTATE and message of the failure; always rolled back. */
    private static String attempt(Connection c, String sql) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute(sql);
            return "ok";
        } catch (PSQLException e) {
            String m = e.getServerErrorMessage() == null ? e.getMessage() : e.getServerErrorMessage().getMessage();
            return e.getSQLState() + " " + m;
        } finally {
            c.rollback();
        }
    }

    private Connection viaProxy(int version, String mode) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "app");
        p.setProperty("options", "-c fenceline.schema_version=" + version);
        p.setProperty("preferQueryMode", mode);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.server().address().getPort() + "/live", p);
    }

    private Connection direct(String db) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "app");
        return DriverManager.getConnection(pg.jdbcUrl(db), p);
    }

    @Override
    public void close() {
        proxy.close();
    }
}
