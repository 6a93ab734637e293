package io.fenceline.control.verify;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Finds the tables verify compares: every ordinary or partitioned table outside the system schemas and control's
 * own {@code fenceline} schema (each cluster's bookkeeping differs by design), present on every cluster with the
 * same primary key. Tables it cannot compare are named in the notes with the reason.
 */
final class TableShapes {

    private static final String COLUMNS = """
            SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                   coalesce(array_position(i.indkey::int2[], a.attnum) - array_lower(i.indkey::int2[], 1) + 1, 0)
              FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
              LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
             WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
               AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'fenceline')
               AND n.nspname NOT LIKE 'pg\\_%'
             ORDER BY 1, 2, a.attnum"""; // int2vector arrays start at index 0

    /** One table as one cluster has it: column types by name, and the key columns in key order. */
    private record Seen(Map<String, String> columns, Map<Integer, String> key) {
    }

    /** The shapes, and why the other tables are not compared. */
    record Found(List<TableShape> shapes, List<String> notes) {
    }

    private TableShapes() {
    }

    /**
     * @param clusters connections by cluster name; the first is the reference
     * @param only     {@code schema.table} names to compare (a bare name means {@code public.name}); empty: all
     */
    static Found discover(Map<String, Connection> clusters, Set<String> only) {
        Map<String, Map<String, Seen>> byCluster = new LinkedHashMap<>();
        for (Map.Entry<String, Connection> e : clusters.entrySet()) {
            byCluster.put(e.getKey(), read(e.getKey(), e.getValue()));
        }
        Set<String> names = new TreeSet<>();
        byCluster.values().forEach(m -> names.addAll(m.keySet()));
        Set<String> wanted = new TreeSet<>();
        only.forEach(n -> wanted.add(n.contains(".") ? n : "public." + n));
        List<TableShape> shapes = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (String w : wanted) {
            if (!names.contains(w)) {
                notes.add(w + ": no cluster has this table");
            }
        }
        for (String name : names) {
            if (!wanted.isEmpty() && !wanted.contains(name)) {
                continue;
            }
            List<String> lacking = new ArrayList<>();
            List<Seen> seen = new ArrayList<>();
            byCluster.forEach((cluster, tables) -> {
                if (tables.containsKey(name)) {
                    seen.add(tables.get(name));
                } else {
                    lacking.add(cluster);
                }
            });
            if (!lacking.isEmpty()) {
                notes.add(name + ": not compared: missing on " + String.join(", ", lacking)
                        + " (a schema difference: preflight's drift check names it)");
                continue;
            }
            Seen first = seen.get(0);
            if (first.key().isEmpty() || seen.stream().anyMatch(s -> s.key().isEmpty())) {
                notes.add(name + ": not compared: no primary key on every cluster (verify ranges rows by primary key)");
                continue;
            }
            if (seen.stream().anyMatch(s -> !keyOf(s).equals(keyOf(first)))) {
                notes.add(name + ": not compared: the primary key differs between clusters");
                continue;
            }
            List<String> compared = new ArrayList<>();
            List<String> notCompared = new ArrayList<>();
            Set<String> columns = new TreeSet<>();
            seen.forEach(s -> columns.addAll(s.columns().keySet()));
            for (String col : columns) {
                Set<String> types = new TreeSet<>();
                boolean everywhere = true;
                for (Seen s : seen) {
                    String type = s.columns().get(col);
                    if (type == null) {
                        everywhere = false;
                    } else {
                        types.add(type);
                    }
                }
                if (!everywhere) {
                    notCompared.add(col + " (not on every cluster)");
                } else if (types.size() > 1) {
                    notCompared.add(col + " (types differ: " + String.join(", ", types) + ")");
                } else {
                    compared.add(col);
                }
            }
            String[] parts = name.split("\\.", 2);
            shapes.add(new TableShape(parts[0], parts[1], keyOf(first), compared, notCompared));
            if (!notCompared.isEmpty()) {
                notes.add(name + ": columns not compared: " + String.join(", ", notCompared));
            }
        }
        return new Found(shapes, notes);
    }

    private static List<TableShape.Column> keyOf(Seen s) {
        List<TableShape.Column> key = new ArrayList<>();
        s.key().values().forEach(col -> key.add(new TableShape.Column(col, s.columns().get(col))));
        return key;
    }

    private static Map<String, Seen> read(String cluster, Connection c) {
        Map<String, Seen> tables = new TreeMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(COLUMNS)) {
            while (rs.next()) {
                Seen s = tables.computeIfAbsent(rs.getString(1) + "." + rs.getString(2),
                        k -> new Seen(new LinkedHashMap<>(), new TreeMap<>()));
                s.columns().put(rs.getString(3), rs.getString(4));
                if (rs.getInt(5) > 0) {
                    s.key().put(rs.getInt(5), rs.getString(3));
                }
            }
        } catch (SQLException e) {
            throw new VerifyException("reading the tables of " + cluster, e);
        }
        return tables;
    }
}
