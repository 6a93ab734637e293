package io.fenceline.proxy.sql;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.calcite.sql.SqlNode;

/**
 * Resolves every column reference of a parsed statement against one catalog, the way PostgreSQL's parse
 * analysis does: an unqualified name belongs to the innermost level ({@link Scope}) where some FROM item has a
 * column of that name (one item: that column; several: ambiguous, left to PostgreSQL), and only when no level
 * has such a column is it a whole-row reference to an item of that name; {@code alias.col} looks the alias up
 * from the innermost level outwards; {@code *} and {@code t.*} expand to the catalog's columns, so a subquery's,
 * CTE's or {@code TABLE}'s output offers exactly the version's columns to the query around it; ORDER BY takes an
 * output name before an input column, GROUP BY the other way round, and both take ordinals.
 *
 * <p>The resolution is run once with the client's version and once with what the live database may hold
 * ({@link #check}); each reference leaves a trace entry saying what it reached, and the two traces must agree:
 * a reference that the version resolves to an outer query's column but the live database to a column the inner
 * table gained later reads a column outside the version, although both catalogs accept the text.
 *
 * <p>Unknown is not refused: a reference that may reach an item whose columns are unknown (a function result,
 * a table outside the catalog) or that is ambiguous is left to PostgreSQL, unless it names a column the live
 * database has and the version has nowhere ({@link Relations#namesOutside()}).
 *
 * <p>One run is this object (the catalog, the binding of unqualified names to schemas, the trace, the first
 * refusal) with three walkers that share it: {@link Queries} (query levels, output columns, DML),
 * {@link FromItems} (the FROM clause) and {@link ColumnLookup} (expressions and column references);
 * {@link OutputNames} gives output columns their names.
 */
final class Resolver {

    /** Bindings of unqualified table names to schemas tried at the most (see {@link #check}). */
    private static final int MAX_BINDINGS = 32;

    final Relations catalog;

    /** The schema each unqualified table name is taken from in this run (search_path, as one session may have it). */
    private final Map<String, String> binding;

    /** Unqualified table names this run looked up. */
    private final Set<String> unqualified = new LinkedHashSet<>();

    private final List<String> trace = new ArrayList<>();

    private Resolution.Refused refused;

    private int ids;

    private Resolver(Relations catalog, Map<String, String> binding) {
        this.catalog = catalog;
        this.binding = binding;
    }

    /** One run over {@code tree} with {@code catalog} and {@code binding}: the walkers share its trace and refusal. */
    private static Resolver run(Relations catalog, Map<String, String> binding, SqlNode tree) {
        Resolver run = new Resolver(catalog, binding);
        Queries queries = new Queries(run);
        FromItems from = new FromItems(run);
        ColumnLookup lookup = new ColumnLookup(run);
        queries.from = from;
        queries.lookup = lookup;
        from.queries = queries;
        from.lookup = lookup;
        lookup.queries = queries;
        lookup.from = from;
        queries.statement(tree, new Scope(null));
        return run;
    }

    int nextId() {
        return ++ids;
    }

    /**
     * {@link Resolution#RESOLVED} when every reference of {@code tree} resolves in {@code version} and reaches
     * the same columns in {@code live}; otherwise the first refusal.
     *
     * <p>The session's {@code search_path} is not known to the proxy (PostgreSQL does not report it). An
     * unqualified table name that the catalogs have in several schemas is therefore resolved once for each schema
     * it may mean, and the statement must pass with every one: a version-1 client that puts {@code crm} first in
     * its path must not read the {@code name} that version 2 adds to {@code crm.users} by writing {@code users}.
     */
    static Resolution check(SqlNode tree, Relations version, Relations live) {
        Resolver first = run(version, Map.of(), tree);
        List<Map<String, String>> bindings = bindings(first.unqualified, version, live);
        if (bindings.isEmpty()) {
            return first.refused != null ? first.refused : compare(first, run(live, Map.of(), tree));
        }
        if (bindings.size() > MAX_BINDINGS) {
            return new Resolution.Refused("42P01", null, null, "too many unqualified table names that several "
                    + "schemas have (the session's search_path decides which, and the proxy does not know it): "
                    + "qualify them with their schemas");
        }
        for (Map<String, String> b : bindings) {
            Resolver l = run(live, b, tree);
            if (l.refused != null) {
                continue; // with this path PostgreSQL refuses it on the live database too: nothing runs
            }
            if (compare(run(version, b, tree), l) instanceof Resolution.Refused refusal) {
                return new Resolution.Refused(refusal.sqlState(), refusal.table(), refusal.column(),
                        "where the session's search_path finds " + describe(b) + " (the proxy does not know the path: "
                                + "qualify the table with its schema), " + refusal.message());
            }
        }
        return Resolution.RESOLVED;
    }

    /** The version's run {@code v} against the live catalog's run {@code l} of the same tree and binding. */
    private static Resolution compare(Resolver v, Resolver l) {
        if (v.refused != null) {
            return v.refused;
        }
        if (l.refused != null) {
            return Resolution.RESOLVED; // PostgreSQL refuses it on the live database too: nothing runs
        }
        for (int k = 0; k < v.trace.size() && k < l.trace.size(); k++) {
            String a = v.trace.get(k);
            String b = l.trace.get(k);
            if (!a.equals(b) && !b.endsWith("|?")) {
                return new Resolution.Refused("42703", null, null, differently(a, b));
            }
        }
        return Resolution.RESOLVED;
    }

    /**
     * Every assignment of a schema to each unqualified name that the catalogs hold in more than one schema; empty
     * when there is no such name (the one lookup, {@code public} first, is then what any path finds).
     */
    private static List<Map<String, String>> bindings(Set<String> names, Relations version, Relations live) {
        List<Map<String, String>> out = new ArrayList<>();
        out.add(Map.of());
        boolean any = false;
        for (String name : names) {
            Set<String> schemas = new LinkedHashSet<>(version.schemasOf(name));
            schemas.addAll(live.schemasOf(name));
            if (schemas.size() < 2) {
                continue;
            }
            any = true;
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> b : out) {
                for (String schema : schemas) {
                    Map<String, String> m = new java.util.TreeMap<>(b);
                    m.put(name, schema);
                    next.add(m);
                }
            }
            out = next;
            if (out.size() > MAX_BINDINGS) {
                break;
            }
        }
        return any ? out : List.of();
    }

    private static String describe(Map<String, String> binding) {
        StringBuilder b = new StringBuilder();
        binding.forEach((name, schema) -> b.append(b.length() == 0 ? "" : ", ").append('"').append(name)
                .append("\" in schema ").append(schema));
        return b.toString();
    }

    private static String differently(String version, String live) {
        String what = version.substring(0, version.indexOf('|'));
        return what + " means something else in the live database, whose catalog has columns outside the "
                + "version (" + version.substring(version.indexOf('|') + 1) + " against "
                + live.substring(live.indexOf('|') + 1) + ")";
    }

    void note(String what, String reached) {
        trace.add(what + "|" + reached);
    }

    void refuse(String sqlState, TableName table, String column, String message) {
        if (refused == null) {
            refused = new Resolution.Refused(sqlState, table, column, message);
        }
    }

    Scope.Item table(TableName named, String alias) {
        TableName t = named;
        if (named.schema() == null) {
            unqualified.add(named.name());
            String schema = binding.get(named.name());
            if (schema != null) {
                t = TableName.of(schema, named.name());
            }
        }
        int id = ++ids;
        List<String> names = catalog.columns(t);
        List<Scope.Column> columns = null;
        if (names != null) {
            columns = new ArrayList<>(names.size());
            for (String n : names) {
                columns.add(new Scope.Column(n, "i" + id + "." + n));
            }
        }
        return new Scope.Item(id, alias, t, columns);
    }
}
