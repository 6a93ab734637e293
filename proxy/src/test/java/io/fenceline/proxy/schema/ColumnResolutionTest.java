package io.fenceline.proxy.schema;

import io.fenceline.config.file.SchemaSettings;
import io.fenceline.config.records.Catalog;
import io.fenceline.config.records.Window;
import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.policy.Decision;
import io.fenceline.proxy.policy.SessionFacts;
import io.fenceline.proxy.policy.StatementPolicy;
import io.fenceline.proxy.sql.Inspector;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Column resolution for schema versions, statement by statement, with the fixture of the fuzz harness's schema
 * oracle: version 1 has {@code users(id, name)}; version 2 adds {@code users.email} and {@code orders(id,
 * user_id, total)}; the window is {1, 2}, so the live database holds both. Each row: a statement, the answer
 * for a version-1 client and for a version-2 client ({@code ok}, the SQLSTATE the proxy refuses with, or
 * {@code live}: valid on the version's own catalog, but the live database, which holds the other version's
 * columns too, would resolve a reference to a column outside the version, so the proxy refuses it with 42703).
 * {@code ColumnResolutionIT} checks the same table against PostgreSQL holding only each version's catalog.
 */
class ColumnResolutionTest {

    /** statement | version 1 | version 2. */
    static final String[][] CASES = {
            // plain references
            {"SELECT id, name FROM users", "ok", "ok"},
            {"SELECT email FROM users", "42703", "ok"},
            {"SELECT nope FROM users", "42703", "42703"},
            {"SELECT u.email FROM users u", "42703", "ok"},
            {"SELECT users.email FROM public.users", "42703", "ok"},
            // a subquery's, CTE's and TABLE's *: the version's columns, and nothing more
            {"SELECT email FROM (SELECT * FROM users) s", "42703", "ok"},
            {"SELECT s.email FROM (SELECT * FROM users) s", "42703", "ok"},
            {"SELECT name FROM (SELECT * FROM users) s", "ok", "ok"},
            {"SELECT s.email FROM (SELECT x.* FROM users x) s", "42703", "ok"},
            {"WITH w AS (SELECT * FROM users) SELECT email FROM w", "42703", "ok"},
            {"WITH w AS (TABLE users) SELECT w.email FROM w", "42703", "ok"},
            {"SELECT email FROM (TABLE users) s", "42703", "ok"},
            {"SELECT s.a, s.name FROM (SELECT * FROM users) s(a)", "ok", "ok"},
            {"SELECT s.id FROM (SELECT * FROM users) s(a)", "42703", "42703"},
            {"SELECT email FROM (SELECT *, 'x' AS email FROM users) s", "ok", "42702"},
            {"SELECT email FROM (SELECT * FROM (SELECT * FROM users) a) b", "42703", "ok"},
            {"SELECT t.email FROM (SELECT * FROM users UNION ALL SELECT * FROM users) t", "42703", "ok"},
            // whole rows and t.*: not narrowed, allowed
            {"SELECT row_to_json(x) FROM users x", "ok", "ok"},
            {"SELECT row_to_json(users) FROM users", "ok", "ok"},
            {"SELECT row_to_json(s) FROM (SELECT * FROM users) s", "ok", "ok"},
            {"SELECT x.* FROM users x", "ok", "ok"},
            {"SELECT (x).name FROM users x", "ok", "ok"},
            {"SELECT (x).email FROM users x", "42703", "ok"},
            {"SELECT (x).email FROM (SELECT * FROM users) x", "42703", "ok"},
            // correlated subqueries: outer columns, qualified and not
            {"SELECT id FROM users u WHERE EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id)", "42P01", "ok"},
            {"SELECT count(*) FROM users WHERE EXISTS (SELECT 1 FROM orders WHERE email IS NULL)", "42P01", "ok"},
            {"SELECT id FROM users u WHERE EXISTS (SELECT 1 FROM users v WHERE v.id = u.name::int)", "ok", "ok"},
            {"SELECT id FROM users u WHERE id IN (SELECT id FROM users WHERE name = u.name)", "ok", "ok"},
            {"SELECT 1 FROM (SELECT 1 AS email) e WHERE EXISTS (SELECT 1 FROM users WHERE email IS NULL)", "live", "ok"},
            {"SELECT 1 FROM (SELECT 1 AS name) e WHERE EXISTS (SELECT 1 FROM users WHERE name IS NULL)", "ok", "ok"},
            // NATURAL JOIN and USING join on columns by name
            {"SELECT id FROM users a JOIN users b USING (id)", "ok", "ok"},
            {"SELECT * FROM users a JOIN users b USING (email)", "42703", "ok"},
            {"SELECT count(*) FROM users a NATURAL JOIN users b", "live", "ok"},
            {"SELECT a.id FROM users a NATURAL JOIN (SELECT id, name FROM users) b", "ok", "ok"},
            // ORDER BY / GROUP BY: ordinals and output names
            // (positions are not known to the inspector, which parses the normalised text: a position over a *
            // that the live database expands further is refused, although PostgreSQL accepts ORDER BY 2 here)
            {"SELECT * FROM users ORDER BY 2", "live", "ok"},
            {"SELECT * FROM users ORDER BY 3", "live", "ok"},
            {"SELECT *, id FROM users ORDER BY 3", "live", "ok"},
            {"SELECT id, name FROM users ORDER BY 2", "ok", "ok"},
            {"SELECT count(*) FROM (SELECT * FROM users) s GROUP BY 1", "42803", "42803"},
            {"SELECT name AS email FROM users ORDER BY email", "ok", "ok"},
            {"SELECT * FROM users ORDER BY email", "42703", "ok"},
            {"SELECT name AS x FROM users GROUP BY x", "ok", "ok"},
            {"SELECT email AS x FROM users ORDER BY x", "42703", "ok"},
            // set operations fill the version's columns
            {"SELECT * FROM users UNION ALL SELECT 1, 'x'", "ok", "42601"},
            {"SELECT * FROM users UNION ALL SELECT 1, 'x', NULL", "42601", "ok"},
            // DML: targets, positional INSERT, RETURNING
            {"INSERT INTO users SELECT * FROM users WHERE false", "live", "ok"},
            {"INSERT INTO users VALUES (97, 'x', NULL)", "42601", "ok"},
            {"INSERT INTO users VALUES (97, 'x')", "ok", "ok"},
            {"INSERT INTO users (id, email) VALUES (97, NULL)", "42703", "ok"},
            {"INSERT INTO users (id) VALUES (96) RETURNING *", "ok", "ok"},
            {"INSERT INTO users (id) VALUES (96) RETURNING email", "42703", "ok"},
            {"INSERT INTO users (id) VALUES (96) ON CONFLICT (id) DO UPDATE SET name = excluded.email", "42703", "ok"},
            {"UPDATE users SET id = id WHERE id = 1 RETURNING *", "ok", "ok"},
            {"UPDATE users SET name = email", "42703", "ok"},
            {"DELETE FROM users WHERE false RETURNING users.*", "ok", "ok"},
            {"DELETE FROM users WHERE false RETURNING email", "42703", "ok"},
            {"WITH d AS (DELETE FROM users WHERE false RETURNING *) SELECT email FROM d", "42703", "ok"},
            // functions returning a table's row type
            {"SELECT email FROM jsonb_populate_record(NULL::users, '{}')", "42703", "ok"},
            {"SELECT name FROM jsonb_populate_record(NULL::users, '{}')", "ok", "ok"},
            {"SELECT (jsonb_populate_record(NULL::users, '{}')).email", "42703", "ok"},
            {"SELECT g FROM generate_series(1, 3) g", "ok", "ok"},
            {"SELECT g.n FROM generate_series(1, 3) AS g(n)", "ok", "ok"},
            {"SELECT x FROM users, generate_series(1, 3) x", "ok", "ok"},
            // lateral
            {"SELECT u.id FROM users u, LATERAL (SELECT u.email) l", "42703", "ok"},
            {"SELECT l.name FROM users u, LATERAL (SELECT u.*) l", "ok", "ok"},
            {"SELECT l.email FROM users u, LATERAL (SELECT u.*) l", "42703", "ok"},
            // wrappers classified without the parser keep the tree
            {"COPY (SELECT email FROM (SELECT * FROM users) s) TO STDOUT", "42703", "ok"},
            {"EXPLAIN SELECT email FROM (SELECT * FROM users) s", "42703", "ok"},
    };

    private static final Inspector INSPECTOR = new Inspector(1 << 20, 1 << 20, ProxyMetrics.NOOP);
    static final Catalog V1 = new Catalog(1, "c1", Map.of("users", List.of("id", "name")));
    static final Catalog V2 = new Catalog(2, "c2", Map.of("users", List.of("id", "name", "email"),
            "orders", List.of("id", "user_id", "total")));

    /** The proxy's answer: "ok", or the SQLSTATE it refuses with. */
    static String proxy(String sql, int version) {
        SchemaView view = SchemaView.of(new Window(1, 2), List.of(V1, V2));
        StatementPolicy policy = new SchemaEnforcement(SchemaSettings.of("main", "fenceline"), () -> view,
                ProxyMetrics.NOOP).policy();
        Decision d = policy.decide(StatementPolicy.Point.QUERY, INSPECTOR.inspectStatement(sql), facts(version));
        return d instanceof Decision.Deny deny ? deny.sqlState() + " " + deny.message() : "ok";
    }

    /**
     * The answer a row expects from the proxy: PostgreSQL's own code where the proxy refuses; where PostgreSQL
     * itself refuses for a reason the proxy does not check (42702 ambiguous, 42803 grouping), the proxy lets it
     * through.
     */
    static boolean agrees(String expected, String proxy) {
        if (expected.equals("live")) {
            return proxy.startsWith("42703 ") && proxy.contains("live database");
        }
        if (expected.equals("42702") || expected.equals("42803")) {
            return proxy.equals("ok");
        }
        return expected.equals("ok") ? proxy.equals("ok") : proxy.startsWith(expected + " ");
    }

    private static SessionFacts facts(int version) {
        return new SessionFacts() {
            @Override
            public byte transactionStatus() {
                return 'I';
            }

            @Override
            public String startupParameter(String name) {
                return name.equals("user") ? "app" : null;
            }

            @Override
            public OptionalInt schemaVersion() {
                return OptionalInt.of(version);
            }
        };
    }

    @Test
    void eachShapeGetsTheVerdictOfTheVersionsCatalog() {
        List<String> wrong = new ArrayList<>();
        for (String[] c : CASES) {
            for (int v = 1; v <= 2; v++) {
                String got = proxy(c[0], v);
                if (!agrees(c[v], got)) {
                    wrong.add("version " + v + ": " + c[0] + "\n    expected " + c[v] + ", got " + got);
                }
            }
        }
        assertTrue(wrong.isEmpty(), wrong.size() + " of " + CASES.length * 2 + " wrong:\n" + String.join("\n", wrong));
    }

    @Test
    void aReferenceTheLiveDatabaseResolvesToAnotherColumnIsRefused() {
        // Version 1 resolves "email" to the outer derived table; the live database to users.email, which version
        // 1 does not have: the text is valid in both, the meaning is not.
        String got = proxy("SELECT 1 FROM (SELECT 1 AS email) e WHERE EXISTS (SELECT 1 FROM users WHERE email IS NULL)", 1);
        assertTrue(got.startsWith("42703 ") && got.contains("live database") && got.contains("in schema version 1"), got);
        // ORDER BY 3 of "*, id" is id in version 1 and email in the live database.
        got = proxy("SELECT *, id FROM users ORDER BY 3", 1);
        assertTrue(got.startsWith("42703 ") && got.contains("ORDER BY position"), got);
    }
}
