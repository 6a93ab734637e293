-- The demo workload's statements (demo/.../workload/Workload.java), for fenceline lint --statements:
-- each tagged with the schema version of the application build that runs it, untagged when every build does.
V0: INSERT INTO orders (id, customer, amount_cents) VALUES ($1, $2, $3);
V1: INSERT INTO orders (id, customer, amount) VALUES ($1, $2, $3);
V2: INSERT INTO orders (id, customer, amount) VALUES ($1, $2, $3);
SELECT id, customer FROM orders WHERE id > $1 ORDER BY id LIMIT 10;
SELECT count(*) FROM orders WHERE id = ANY ($1);
SELECT count(*) FROM orders WHERE id > 0;
