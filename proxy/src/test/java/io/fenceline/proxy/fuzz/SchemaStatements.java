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

    private static String bare(String name) {
        return name.startsWith("public.") ? name.substring(7) : name;
    }

    private static String pick(String[] from, SplittableRandom r) {
        return from[r.nextInt(from.length)];
    }
}
