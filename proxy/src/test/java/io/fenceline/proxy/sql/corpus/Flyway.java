package io.fenceline.proxy.sql.corpus;

import static io.fenceline.proxy.sql.corpus.CorpusCapture.executeQuietly;
import static io.fenceline.proxy.sql.corpus.CorpusCapture.prepared;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * A migration run shaped like Flyway's on PostgreSQL: schema-history table, advisory lock, reading
 * the applied migrations, applying versioned scripts inside transactions and recording each. The
 * migrations create the schema the ORM workload uses.
 */
final class Flyway {

    private static final String HISTORY = "\"public\".\"flyway_schema_history\"";

    private static final List<List<String>> MIGRATIONS = List.of(
            List.of("CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped', 'cancelled')",
                    "CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL,"
                            + " created_at timestamptz NOT NULL DEFAULT now(), version int NOT NULL DEFAULT 0)",
                    "CREATE TABLE products (id bigserial PRIMARY KEY, sku varchar(32) NOT NULL UNIQUE, name text NOT NULL,"
                            + " price numeric(12,2) NOT NULL CHECK (price >= 0), stock int NOT NULL DEFAULT 0)"),
            List.of("CREATE SEQUENCE orders_seq INCREMENT BY 50",
                    "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id),"
                            + " status order_status NOT NULL DEFAULT 'new', total numeric(12,2), created_at timestamptz NOT NULL DEFAULT now())",
                    "CREATE INDEX orders_customer_idx ON orders (customer_id)",
                    "CREATE TABLE order_items (order_id bigint NOT NULL REFERENCES orders(id) ON DELETE CASCADE,"
                            + " product_id bigint NOT NULL REFERENCES products(id), qty int NOT NULL, price numeric(12,2) NOT NULL,"
                            + " PRIMARY KEY (order_id, product_id))"),
            List.of("CREATE TABLE audit_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, entity text NOT NULL,"
                            + " entity_id bigint, action text NOT NULL, at timestamptz NOT NULL DEFAULT now(), payload jsonb)",
                    "CREATE INDEX audit_log_payload_idx ON audit_log USING gin (payload)",
                    "COMMENT ON TABLE audit_log IS 'Append-only record of entity changes'"),
            List.of("ALTER TABLE customers ADD COLUMN phone text",
                    "ALTER TABLE customers ALTER COLUMN name SET DEFAULT ''",
                    "CREATE TABLE categories (id int PRIMARY KEY, parent_id int REFERENCES categories(id), name text NOT NULL)",
                    "ALTER TABLE products ADD COLUMN category_id int REFERENCES categories(id)"),
            List.of("CREATE VIEW customer_orders AS SELECT c.id AS customer_id, c.email, count(o.id) AS orders,"
                            + " coalesce(sum(o.total), 0) AS spent FROM customers c LEFT JOIN orders o ON o.customer_id = c.id"
                            + " GROUP BY c.id, c.email",
                    "CREATE FUNCTION order_total(p_order bigint) RETURNS numeric LANGUAGE sql STABLE AS"
                            + " $$ SELECT coalesce(sum(qty * price), 0) FROM order_items WHERE order_id = p_order $$",
                    "CREATE FUNCTION touch_audit() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
                            + "  INSERT INTO audit_log (entity, entity_id, action) VALUES (TG_TABLE_NAME, NEW.id, TG_OP);\n"
                            + "  RETURN NEW;\nEND;\n$$",
                    "CREATE TRIGGER customers_audit AFTER INSERT OR UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION touch_audit()"),
            List.of("CREATE INDEX CONCURRENTLY IF NOT EXISTS products_name_idx ON products (lower(name))"),
            List.of("ALTER TABLE orders ADD COLUMN note text",
                    "UPDATE orders SET note = '' WHERE note IS NULL",
                    "ALTER TABLE orders ALTER COLUMN note SET NOT NULL",
                    "CREATE MATERIALIZED VIEW product_sales AS SELECT p.id, p.sku, coalesce(sum(i.qty), 0) AS sold"
                            + " FROM products p LEFT JOIN order_items i ON i.product_id = p.id GROUP BY p.id, p.sku",
                    "CREATE UNIQUE INDEX product_sales_id ON product_sales (id)"));

    private Flyway() {
    }

    static void run(Connection c) throws SQLException {
        try (c; Statement st = c.createStatement()) {
            executeQuietly(st, "SELECT current_user");
            executeQuietly(st, "SHOW search_path");
            prepared(c, "SELECT COUNT(*) FROM pg_namespace WHERE nspname=?", "public");
            CorpusCapture.drain(c.getMetaData().getTables(null, "public", "flyway_schema_history", null));
            executeQuietly(st, "CREATE TABLE " + HISTORY + " (\"installed_rank\" INT NOT NULL, \"version\" VARCHAR(50),"
                    + " \"description\" VARCHAR(200) NOT NULL, \"type\" VARCHAR(20) NOT NULL, \"script\" VARCHAR(1000) NOT NULL,"
                    + " \"checksum\" INTEGER, \"installed_by\" VARCHAR(100) NOT NULL,"
                    + " \"installed_on\" TIMESTAMP NOT NULL DEFAULT now(), \"execution_time\" INTEGER NOT NULL,"
                    + " \"success\" BOOLEAN NOT NULL)");
            executeQuietly(st, "ALTER TABLE " + HISTORY + " ADD CONSTRAINT \"flyway_schema_history_pk\" PRIMARY KEY (\"installed_rank\")");
            executeQuietly(st, "CREATE INDEX \"flyway_schema_history_s_idx\" ON " + HISTORY + " (\"success\")");
            int rank = 0;
            for (List<String> migration : MIGRATIONS) {
                rank++;
                boolean concurrently = migration.get(0).contains("CONCURRENTLY");
                c.setAutoCommit(concurrently);
                prepared(c, "SELECT pg_try_advisory_xact_lock(77431708279161)");
                if (!concurrently) {
                    executeQuietly(st, "LOCK TABLE " + HISTORY + " IN ACCESS EXCLUSIVE MODE");
                }
                prepared(c, "SELECT \"installed_rank\",\"version\",\"description\",\"type\",\"script\",\"checksum\","
                        + "\"installed_on\",\"installed_by\",\"execution_time\",\"success\" FROM " + HISTORY
                        + " WHERE \"installed_rank\" > ? ORDER BY \"installed_rank\"", rank - 1);
                executeQuietly(st, "SET ROLE \"postgres\"");
                for (String sql : migration) {
                    executeQuietly(st, sql);
                }
                executeQuietly(st, "RESET ROLE");
                prepared(c, "INSERT INTO " + HISTORY + " (\"installed_rank\", \"version\", \"description\", \"type\","
                        + " \"script\", \"checksum\", \"installed_by\", \"execution_time\", \"success\")"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        rank, String.valueOf(rank), "migration " + rank, "SQL", "V" + rank + "__migration.sql",
                        rank * 7919, "postgres", 12, true);
                if (!concurrently) {
                    c.commit();
                }
                c.setAutoCommit(true);
            }
            prepared(c, "SELECT MAX(\"installed_rank\") FROM " + HISTORY);
            prepared(c, "SELECT pg_advisory_unlock(77431708279161)");
        }
    }
}
