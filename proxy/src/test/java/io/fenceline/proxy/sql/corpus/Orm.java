package io.fenceline.proxy.sql.corpus;

import static io.fenceline.proxy.sql.corpus.CorpusCapture.executeQuietly;
import static io.fenceline.proxy.sql.corpus.CorpusCapture.prepared;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;

/**
 * A workload shaped like the SQL Hibernate 6 and Spring Data generate for PostgreSQL through
 * pgJDBC: generated aliases ({@code c1_0}), inserts with RETURNING, sequence fetches, optimistic
 * locking, paged selects, joins, pessimistic locks, upserts, JSONB predicates, batch deletes,
 * explicit transactions.
 */
final class Orm {

    private static final String CUSTOMER_COLUMNS =
            "c1_0.id,c1_0.created_at,c1_0.email,c1_0.name,c1_0.phone,c1_0.version";

    private Orm() {
    }

    static void run(Connection c) throws SQLException {
        try (c; Statement st = c.createStatement()) {
            executeQuietly(st, "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED");
            prepared(c, "insert into categories (id,name,parent_id) values (?,?,?)", 1, "root", null);
            for (int k = 2; k <= 6; k++) {
                prepared(c, "insert into categories (id,name,parent_id) values (?,?,?)", k, "cat" + k, k / 2);
            }
            for (int i = 1; i <= 36; i++) {
                iteration(c, i);
            }
            reports(c);
        }
    }

    private static void iteration(Connection c, int i) throws SQLException {
        c.setAutoCommit(false);
        String email = "user" + i + "@example.com";
        prepared(c, "select 1");
        prepared(c, "insert into customers (created_at,email,name,phone,version) values (?,?,?,?,?) returning id",
                Timestamp.from(Instant.parse("2024-01-01T00:00:00Z").plusSeconds(i * 3600L)), email, "User " + i,
                i % 2 == 0 ? null : "+1-555-010" + i, 0);
        prepared(c, "select " + CUSTOMER_COLUMNS + " from customers c1_0 where c1_0.email=?", email);
        prepared(c, "insert into products (category_id,name,price,sku,stock) values (?,?,?,?,?)"
                + " on conflict (sku) do update set price=excluded.price, stock=products.stock+excluded.stock returning id",
                1 + i % 6, "Product " + i, new BigDecimal("9.99").add(BigDecimal.valueOf(i)), "SKU-" + (i % 5), 10 + i);
        prepared(c, "insert into products (category_id,name,price,sku,stock) values (?,?,?,?,?) on conflict do nothing",
                1, "Gadget", new BigDecimal("1.00"), "SKU-G" + i, 1);
        prepared(c, "select nextval('orders_seq')");
        prepared(c, "insert into orders (created_at,customer_id,note,status,total,id) values (?,(select id from customers where email=?),?,?::order_status,?,?)",
                Timestamp.from(Instant.parse("2024-02-01T00:00:00Z")), email, "", "new", new BigDecimal("0"), i * 50L);
        prepared(c, "select p1_0.id,p1_0.category_id,p1_0.name,p1_0.price,p1_0.sku,p1_0.stock from products p1_0"
                + " where p1_0.sku=? for no key update", "SKU-" + (i % 5));
        prepared(c, "insert into order_items (order_id,price,product_id,qty) values (?,?,(select id from products where sku=?),?)"
                + " on conflict do nothing", i * 50L, new BigDecimal("9.99"), "SKU-" + (i % 5), 1 + i % 3);
        prepared(c, "update products set stock=stock-? where sku=? and stock>=?", 1, "SKU-" + (i % 5), 1);
        prepared(c, "update orders set status=?::order_status,total=order_total(id) where id=?", "paid", i * 50L);
        prepared(c, "update customers set email=?,name=?,phone=?,version=? where id=(select id from customers where email=?) and version=?",
                email, "User " + i + " Renamed", null, 1, email, 0);
        prepared(c, "insert into audit_log (action,entity,entity_id,payload) values (?,?,?,?::jsonb)",
                "PAY", "orders", i * 50L, "{\"amount\": " + i + ", \"currency\": \"EUR\"}");
        if (i % 4 == 0) {
            prepared(c, "delete from order_items where order_id=? and product_id in (select id from products where sku in (?,?))",
                    i * 50L, "SKU-0", "SKU-1");
            c.rollback();
        } else {
            c.commit();
        }
        c.setAutoCommit(true);
        prepared(c, "select " + CUSTOMER_COLUMNS + " from customers c1_0 order by c1_0.id offset ? rows fetch first ? rows only",
                (i - 1) * 5, 5);
        prepared(c, "select " + CUSTOMER_COLUMNS + " from customers c1_0 order by c1_0.email limit ? offset ?", 10, i);
        prepared(c, "select count(c1_0.id) from customers c1_0 where c1_0.name ilike ?", "%user " + i + "%");
        prepared(c, "select o1_0.id,o1_0.created_at,o1_0.customer_id,o1_0.note,o1_0.status,o1_0.total from orders o1_0"
                + " join customers c1_0 on c1_0.id=o1_0.customer_id where c1_0.email=? and o1_0.status=?::order_status", email, "paid");
        prepared(c, "select o1_0.id,i1_0.order_id,i1_0.product_id,i1_0.price,i1_0.qty,p1_0.name from orders o1_0"
                + " left join order_items i1_0 on o1_0.id=i1_0.order_id left join products p1_0 on p1_0.id=i1_0.product_id"
                + " where o1_0.id=?", i * 50L);
        prepared(c, "select exists(select 1 from customers c1_0 where c1_0.email=?)", email);
        prepared(c, "select a1_0.id,a1_0.action,a1_0.at,a1_0.entity,a1_0.entity_id,a1_0.payload from audit_log a1_0"
                + " where a1_0.payload @> ?::jsonb order by a1_0.at desc limit ?", "{\"currency\": \"EUR\"}", 3);
        prepared(c, "select a1_0.payload->>'amount' from audit_log a1_0 where a1_0.entity=? and (a1_0.payload->>'amount')::int > ?",
                "orders", i);
        prepared(c, "select p1_0.id,p1_0.name from products p1_0 where p1_0.id = any (?)",
                c.createArrayOf("bigint", new Long[] {1L, (long) i, (long) i + 1}));
        prepared(c, "select p1_0.id,p1_0.sku from products p1_0 where p1_0.stock between ? and ? order by p1_0.price desc nulls last",
                0, 100 + i);
        prepared(c, "select c1_0.id,c1_0.email from customers c1_0 where c1_0.created_at>=? and c1_0.created_at<?",
                Timestamp.from(Instant.parse("2024-01-01T00:00:00Z")), Timestamp.from(Instant.parse("2024-01-02T00:00:00Z")));
        prepared(c, "select * from customer_orders where customer_id = (select id from customers where email=?)", email);
        prepared(c, "select id, sold from product_sales where sold > ?", i % 3);
        prepared(c, "delete from audit_log where id in (select id from audit_log where entity=? and at < now() - interval '1 day' limit ?)",
                "nothing", 10);
    }

    private static void reports(Connection c) throws SQLException {
        prepared(c, "with recursive tree(id, parent_id, name, depth) as (select id, parent_id, name, 0 from categories where parent_id is null"
                + " union all select k.id, k.parent_id, k.name, t.depth + 1 from categories k join tree t on k.parent_id = t.id)"
                + " select * from tree order by depth, id");
        prepared(c, "select o1_0.status, count(*), sum(o1_0.total) from orders o1_0 group by o1_0.status having count(*) > ?", 0);
        prepared(c, "select c1_0.email, rank() over (order by sum(o1_0.total) desc) from customers c1_0 join orders o1_0"
                + " on o1_0.customer_id = c1_0.id group by c1_0.email");
        prepared(c, "select distinct c1_0.name from customers c1_0 where c1_0.phone is not null");
        prepared(c, "select date_trunc('month', o1_0.created_at) m, count(*) from orders o1_0 group by 1 order by 1");
        prepared(c, "update customers c set version = c.version + 1 from orders o where o.customer_id = c.id and o.status = ?::order_status returning c.id", "paid");
        prepared(c, "delete from audit_log a using customers c where a.entity = 'customers' and a.entity_id = c.id and c.email = ? returning a.id", "nobody@example.com");
        prepared(c, "with moved as (delete from audit_log where action = ? returning *) insert into audit_log (entity, entity_id, action, payload) select entity, entity_id, 'ARCHIVED', payload from moved", "NONE");
        prepared(c, "merge into products p using (select ? as sku, ? as stock) s on p.sku = s.sku"
                + " when matched then update set stock = p.stock + s.stock when not matched then insert (sku, name, price, stock) values (s.sku, s.sku, 0, s.stock)",
                "SKU-M", 3);
        prepared(c, "select p1_0.id from products p1_0 where p1_0.stock > 0 order by p1_0.id limit 1 for update skip locked");
        prepared(c, "refresh materialized view concurrently product_sales");
        prepared(c, "select pg_advisory_lock(?)", 42L);
        prepared(c, "select pg_advisory_unlock(?)", 42L);
    }
}
