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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The schema policy on real verdicts: version 1 has users(id, name); version 2 adds email and orders. */
class SchemaPolicyTest {

    private static final Inspector INSPECTOR = new Inspector(1 << 20, 1 << 20, ProxyMetrics.NOOP);
    private static final Catalog V1 = new Catalog(1, "c1", Map.of("users", List.of("id", "name"),
            "audit.events", List.of("id", "at")));
    private static final Catalog V2 = new Catalog(2, "c2", Map.of("users", List.of("id", "name", "email"),
            "orders", List.of("id", "user_id", "total"), "audit.events", List.of("id", "at")));

    private SchemaView view = SchemaView.of(new Window(1, 2), List.of(V1, V2));
    private SchemaSettings settings = SchemaSettings.of("main", "fenceline");
    private final List<String> refused = new ArrayList<>();
    private final List<String> unchecked = new ArrayList<>();
    private final ProxyMetrics metrics = new ProxyMetrics() {
        @Override
        public void schemaRefused(String reason) {
            refused.add(reason);
        }

        @Override
        public void schemaUnchecked(String reason) {
            unchecked.add(reason);
        }
    };

    private StatementPolicy policy() {
        return new SchemaEnforcement(settings, () -> view, metrics).policy();
    }

    private Decision decide(String sql, int version) {
        return decide(sql, version, "app", (byte) 'I');
    }

    private Decision decide(String sql, int version, String user, byte status) {
        return policy().decide(StatementPolicy.Point.QUERY, INSPECTOR.inspectStatement(sql), facts(version, user, status));
    }

    private static SessionFacts facts(int version, String user, byte status) {
        return new SessionFacts() {
            @Override
            public byte transactionStatus() {
                return status;
            }

            @Override
            public String startupParameter(String name) {
                return name.equals("user") ? user : null;
            }

            @Override
            public OptionalInt schemaVersion() {
                return version < 0 ? OptionalInt.empty() : OptionalInt.of(version);
            }
        };
    }

    private Decision.Deny denied(String sql, int version, String sqlState) {
        Decision.Deny d = assertInstanceOf(Decision.Deny.class, decide(sql, version), sql);
        assertEquals(sqlState, d.sqlState(), d.message());
        return d;
    }

    @Test
    void eachVersionSeesExactlyItsCatalog() {
        assertEquals(Decision.ALLOW, decide("SELECT id, name FROM users", 1));
        assertEquals(Decision.ALLOW, decide("SELECT u.email FROM users u", 2));
        assertEquals(Decision.ALLOW, decide("INSERT INTO orders (user_id, total) VALUES (1, 2)", 2));
        assertEquals(Decision.ALLOW, decide("SELECT * FROM public.users WHERE id = 1", 1));
        assertEquals(Decision.ALLOW, decide("SELECT at FROM audit.events", 1));
        assertEquals(Decision.ALLOW, decide("SELECT at FROM events", 1), "search_path may reach another schema");
        Decision.Deny table = denied("SELECT total FROM orders", 1, "42P01");
        assertTrue(table.message().contains("\"orders\"") && table.message().contains("version 1"), table.message());
        assertTrue(table.hint().contains("schema version 2"), table.hint());
        Decision.Deny column = denied("SELECT email FROM users WHERE id = 1", 1, "42703");
        assertTrue(column.message().contains("\"email\" of relation \"users\""), column.message());
        assertTrue(column.hint().contains("schema version 2"), column.hint());
        denied("UPDATE users SET email = 'x' WHERE id = 1", 1, "42703");
        Decision.Deny nowhere = denied("SELECT * FROM invoices", 2, "42P01");
        assertTrue(nowhere.hint().startsWith("no published schema version"), nowhere.hint());
        assertEquals(List.of("table", "column", "column", "table"), refused);
    }

    @Test
    void aStatementThatPassedIsCheckedAgainWhenItsCatalogIsRepublished() {
        assertEquals(Decision.ALLOW, decide("SELECT email FROM users WHERE id = 1", 2));
        assertEquals(Decision.ALLOW, decide("SELECT email FROM users WHERE id = 1", 2), "remembered");
        view = SchemaView.of(new Window(1, 2), List.of(V1, new Catalog(2, "c2b", Map.of("users", List.of("id", "name")))));
        denied("SELECT email FROM users WHERE id = 1", 2, "42703");
    }

    @Test
    void systemRelationsCtesAndSystemColumnsAreNotChecked() {
        assertEquals(Decision.ALLOW, decide("SELECT oid, typname FROM pg_catalog.pg_type", 1));
        assertEquals(Decision.ALLOW, decide("SELECT relname FROM pg_class", 1));
        assertEquals(Decision.ALLOW, decide("SELECT table_name FROM information_schema.tables", 1));
        assertEquals(Decision.ALLOW, decide("WITH recent AS (SELECT id FROM users) SELECT id FROM recent", 1));
        assertEquals(Decision.ALLOW, decide("SELECT ctid, xmin FROM users", 1));
        assertEquals(Decision.ALLOW, decide("SELECT 1", 1));
    }

    @Test
    void outsideTheWindowIsRefusedAtATransactionBoundaryOnly() {
        view = SchemaView.of(new Window(2, 2), List.of(V1, V2));
        Decision.Deny d = denied("SELECT id FROM users", 1, "08004");
        assertTrue(d.message().contains("{2}"), d.message());
        assertInstanceOf(Decision.Deny.class, decide("BEGIN", 1, "app", (byte) 'I'));
        assertEquals(Decision.ALLOW, decide("SELECT id FROM users", 1, "app", (byte) 'T'), "never mid-transaction");
        assertEquals(Decision.ALLOW, decide("COMMIT", 1, "app", (byte) 'T'));
        assertEquals(Decision.ALLOW, decide("SET fenceline.schema_version = 2", 1), "it may declare another version");
        assertEquals(Decision.ALLOW, decide("SHOW fenceline.schema_version", 1));
        assertEquals(List.of("outside_window", "outside_window"), refused);
        assertEquals(Decision.ALLOW, policy().decide(StatementPolicy.Point.COMMIT, StatementPolicy.SYNC_VERDICT,
                facts(1, "app", (byte) 'I')), "the implicit commit at a Sync ends work already let run");
    }

    @Test
    void ddlOnlyFromControlsRole() {
        Decision.Deny d = denied("ALTER TABLE users ADD COLUMN age int", 2, "42501");
        assertTrue(d.message().contains("\"fenceline\"") && d.message().contains("\"app\""), d.message());
        denied("CREATE TABLE scratch (id int)", 2, "42501");
        denied("DROP TABLE orders", 2, "42501");
        assertEquals(Decision.ALLOW, decide("ALTER TABLE users ADD COLUMN age int", 2, "fenceline", (byte) 'I'));
        assertEquals(Decision.ALLOW, decide("SELECT * FROM fenceline.history", 1, "fenceline", (byte) 'I'));
    }

    @Test
    void notUnderstoodFollowsTheConfiguredPolicy() {
        String read = "SELECT ROW(1, 2.5, 'x') = ROW(1, 3, 'y')";
        String other = "frobnicate the database";
        assertEquals(Decision.ALLOW, decide(read, 1));
        assertEquals("0A000", assertInstanceOf(Decision.Deny.class, decide(other, 1)).sqlState());
        assertEquals(List.of("not_understood"), unchecked);
        assertEquals(Decision.ALLOW, decide(other, 1, "fenceline", (byte) 'I'), "control's role passes");
        settings = new SchemaSettings("main", SchemaSettings.Undeclared.NEWEST,
                new SchemaSettings.NotUnderstood(SchemaSettings.Action.REFUSE, SchemaSettings.Action.ALLOW), "fenceline");
        assertEquals("0A000", assertInstanceOf(Decision.Deny.class, decide(read, 1)).sqlState());
        assertEquals(Decision.ALLOW, decide(other, 1));
    }

    @Test
    void withoutAWindowOrCatalogNothingIsChecked() {
        view = SchemaView.EMPTY;
        assertEquals(Decision.ALLOW, decide("SELECT * FROM anything", -1));
        assertEquals(Decision.ALLOW, decide("SELECT * FROM anything", 7));
        view = SchemaView.of(new Window(3, 3), List.of());
        assertEquals(Decision.ALLOW, decide("SELECT * FROM anything", 3));
        assertEquals(List.of("no_catalog", "no_catalog"), unchecked);
    }
}
