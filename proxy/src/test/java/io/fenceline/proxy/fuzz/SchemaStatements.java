package io.fenceline.proxy.fuzz;

import java.util.SplittableRandom;

/**
 * Random statements over the tables and columns of schema versions 1 and 2 (and names neither has), in the
 * shapes where a catalog check can go wrong: aliases, qualified and quoted names, subqueries, CTEs that shadow a
 * table, joins with unqualified columns, whole-row and composite-field references, DML.
 */
final class SchemaStatements {

    private SchemaStatements() {
    }

    private static final String[] TABLES = {"users", "orders", "users", "public.users", "public.orders", "\"users\"",
            "\"orders\"", "Users", "ORDERS", "nope"};
    private static final String[] COLUMNS = {"id", "name", "email", "user_id", "total", "\"email\"", "EMAIL", "nope"};

    static String next(SplittableRandom r) {
        String t = pick(TABLES, r);
        String t2 = pick(TABLES, r);
        String c = pick(COLUMNS, r);
        String c2 = pick(COLUMNS, r);
        if (r.nextInt(5) < 3) {
            return starShape(t, t2, c, c2, r);
        }
        return switch (r.nextInt(24)) {
            case 0 -> "SELECT " + c + " FROM " + t;
            case 1 -> "SELECT x." + c + " FROM " + t + " x";
            case 2 -> "SELECT " + c + ", " + c2 + " FROM " + t + " WHERE " + c2 + " IS NOT NULL";
            case 3 -> "SELECT " + c + " FROM " + t + " a JOIN " + t2 + " b ON a.id = b.id";
            case 4 -> "SELECT a." + c + ", b." + c2 + " FROM " + t + " a, " + t2 + " b";
            case 5 -> "SELECT (x)." + c + " FROM " + t + " x";
            case 6 -> "SELECT row_to_json(x) FROM " + t + " x";
            case 7 -> "WITH " + bare(t) + " AS (SELECT 1 AS " + bare(c) + ") SELECT " + c + " FROM " + bare(t);
            case 8 -> "SELECT " + c + " FROM (SELECT * FROM " + t + ") s";
            case 9 -> "SELECT count(*) FROM " + t + " WHERE EXISTS (SELECT 1 FROM " + t2 + " WHERE " + c + " IS NULL)";
            case 10 -> "SELECT 1 FROM " + t + " ORDER BY " + c;
            case 11 -> "SELECT 1 FROM " + t + " GROUP BY " + c + " HAVING count(" + c2 + ") >= 0";
            case 12 -> "TABLE " + t;
            case 13 -> "SELECT * FROM ONLY " + t;
            case 14 -> "INSERT INTO " + t + " (id, " + c + ") VALUES (99, NULL)";
            case 15 -> "UPDATE " + t + " SET " + c + " = " + c + " WHERE id = 1";
            case 16 -> "DELETE FROM " + t + " WHERE " + c + " IS NULL";
            case 17 -> "INSERT INTO " + t + " SELECT * FROM " + t2 + " WHERE false";
            case 18 -> "UPDATE users SET name = o." + c + "::text FROM " + t + " o WHERE o.id = users.id";
            case 19 -> "SELECT " + bare(t) + "." + c + " FROM " + t;
            case 20 -> "SELECT u.id FROM users u, LATERAL (SELECT u." + c + ") l";
            case 21 -> "SELECT " + c + " FROM users UNION SELECT " + c2 + " FROM " + t;
            case 22 -> "INSERT INTO " + t + " (id) VALUES (98) RETURNING " + c;
            default -> "SELECT * FROM " + t + " WHERE " + c + " = ANY (SELECT " + c2 + " FROM " + t2 + ")";
        };
    }

    /**
     * The shapes where a column is reached without being named in the statement, or named only through an
     * expansion: a subquery's, CTE's or {@code TABLE}'s {@code *}, {@code t.*}, {@code RETURNING *}, positional
     * INSERT, whole rows, {@code NATURAL JOIN} and {@code USING}, functions returning a table's row type, ordinals
     * and output aliases in ORDER BY / GROUP BY, and outer columns in correlated subqueries.
     */
    private static String starShape(String t, String t2, String c, String c2, SplittableRandom r) {
        String b = bare(t);
        return switch (r.nextInt(30)) {
            case 0 -> "SELECT " + c + " FROM (SELECT * FROM " + t + ") s";
            case 1 -> "SELECT s." + c + " FROM (SELECT x.* FROM " + t + " x) s";
            case 2 -> "WITH w AS (SELECT * FROM " + t + ") SELECT " + c + " FROM w";
            case 3 -> "WITH w AS (TABLE " + t + ") SELECT w." + c + " FROM w";
            case 4 -> "SELECT " + c + " FROM (TABLE " + t + ") s";
            case 5 -> "SELECT s." + c + " FROM (SELECT * FROM " + t + " WHERE id > 0) s(a)";
            case 6 -> "SELECT row_to_json(s) FROM (SELECT * FROM " + t + ") s";
            case 7 -> "SELECT row_to_json(" + b + ") FROM " + t;
            case 8 -> "SELECT (x)." + c + " FROM (SELECT * FROM " + t + ") x";
            case 9 -> "SELECT " + c + " FROM " + t + " a NATURAL JOIN " + t2 + " b";
            case 10 -> "SELECT count(*) FROM " + t + " a NATURAL JOIN " + t + " b";
            case 11 -> "SELECT * FROM " + t + " a JOIN " + t2 + " b USING (" + c + ")";
            case 12 -> "SELECT " + c + " FROM " + t + " a JOIN " + t2 + " b USING (id)";
            case 13 -> "SELECT * FROM " + t + " ORDER BY " + (1 + r.nextInt(4));
            case 14 -> "SELECT *, id FROM " + t + " ORDER BY " + (2 + r.nextInt(3));
            case 15 -> "SELECT count(*) FROM (SELECT * FROM " + t + ") s GROUP BY " + (1 + r.nextInt(3));
            case 16 -> "SELECT name AS " + c + " FROM " + t + " ORDER BY " + c;
            case 17 -> "SELECT * FROM " + t + " ORDER BY " + c;
            case 18 -> "INSERT INTO " + t + " SELECT * FROM " + t2 + " WHERE false";
            case 19 -> "INSERT INTO " + t + " VALUES (97, 'x'" + (r.nextBoolean() ? ", NULL" : "") + ")";
            case 20 -> "INSERT INTO " + t + " (id) VALUES (96) RETURNING *";
            case 21 -> "UPDATE " + t + " SET id = id WHERE id = 1 RETURNING " + (r.nextBoolean() ? "*" : c);
            case 22 -> "DELETE FROM " + t + " WHERE false RETURNING " + (r.nextBoolean() ? b + ".*" : c);
            case 23 -> "SELECT " + c + " FROM jsonb_populate_record(NULL::" + b + ", '{}')";
            case 24 -> "SELECT (jsonb_populate_record(NULL::" + b + ", '{}'))." + c;
            case 25 -> "SELECT id FROM " + t + " u WHERE EXISTS (SELECT 1 FROM " + t2 + " o WHERE o.id = u." + c + ")";
            case 26 -> "SELECT id FROM " + t + " u WHERE EXISTS (SELECT 1 FROM " + t2 + " o WHERE o.id = " + c + ")";
            case 27 -> "SELECT 1 FROM (SELECT 1 AS " + c + ") e WHERE EXISTS (SELECT 1 FROM " + t + " WHERE " + c
                    + " IS NULL)";
            case 28 -> "SELECT " + c + " FROM (SELECT * FROM " + t + ") s UNION ALL SELECT " + c2 + " FROM " + t2;
            default -> "SELECT * FROM " + t + " UNION ALL SELECT 1, 'x'" + (r.nextBoolean() ? ", NULL" : "");
        };
    }

    private static String bare(String name) {
        return name.startsWith("public.") ? name.substring(7) : name;
    }

    private static String pick(String[] from, SplittableRandom r) {
        return from[r.nextInt(from.length)];
    }
}
