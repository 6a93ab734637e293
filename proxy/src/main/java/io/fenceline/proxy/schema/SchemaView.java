package io.fenceline.proxy.schema;

import io.fenceline.config.records.Catalog;
import io.fenceline.config.records.Window;

import io.fenceline.proxy.sql.TableName;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One immutable picture of a group's schema state: the window (null until control publishes one) and the
 * catalog of each published version, indexed for lookups without allocation. Replaced as a whole when etcd
 * changes, so a statement check reads one volatile reference and never locks.
 */
public final class SchemaView {

    /** Nothing published yet: no window, no catalogs. */
    public static final SchemaView EMPTY = new SchemaView(null, Map.of());

    private final Window window;
    private final Map<Integer, Index> catalogs;

    private final OrderedTables live;

    private SchemaView(Window window, Map<Integer, Index> catalogs) {
        this.window = window;
        this.catalogs = catalogs;
        Map<String, List<String>> union = new HashMap<>();
        List<Integer> newestFirst = new ArrayList<>(catalogs.keySet());
        Collections.reverse(newestFirst);
        for (int v : newestFirst) {
            if (window != null && !window.contains(v)) {
                continue;
            }
            catalogs.get(v).catalog.tables().forEach((name, columns) -> {
                List<String> all = union.computeIfAbsent(name, n -> new ArrayList<>());
                for (String c : columns) {
                    if (!all.contains(c)) {
                        all.add(c);
                    }
                }
            });
        }
        this.live = new OrderedTables(union);
    }

    /** The window, or null when none is published. */
    public Window window() {
        return window;
    }

    /** The catalog of {@code version}, or null when not published. */
    public Index catalog(int version) {
        return catalogs.get(version);
    }

    /** Versions with a published catalog, in order. */
    public Set<Integer> versions() {
        return Collections.unmodifiableSet(new java.util.TreeSet<>(catalogs.keySet()));
    }

    SchemaView withWindow(Window w) {
        // Fresh indexes: what passed was checked against the live catalog of the old window too.
        Map<Integer, Index> next = new TreeMap<>();
        catalogs.forEach((v, i) -> next.put(v, new Index(i.catalog)));
        return new SchemaView(w, Collections.unmodifiableMap(next));
    }

    /**
     * What the live database may hold while this window is open: every column any version of the window gives a
     * table (after expand the database has the newer version's columns, and until contract the older one's
     * too), in the newest version's order, older versions' columns after it. Column references are resolved
     * against this as well as against the client's version ({@link io.fenceline.proxy.sql.Verdict#resolveColumns}):
     * a name valid in both that reaches a different column here reads outside the version. Without a window,
     * every published version counts.
     */
    io.fenceline.proxy.sql.Relations live() {
        return live;
    }

    SchemaView withCatalog(Catalog c) {
        Map<Integer, Index> next = new TreeMap<>(catalogs);
        next.put(c.version(), new Index(c));
        return new SchemaView(window, Collections.unmodifiableMap(next));
    }

    SchemaView withoutCatalog(int version) {
        if (!catalogs.containsKey(version)) {
            return this;
        }
        Map<Integer, Index> next = new TreeMap<>(catalogs);
        next.remove(version);
        return new SchemaView(window, Collections.unmodifiableMap(next));
    }

    /** For tests: a view of {@code window} and {@code catalogs}. */
    public static SchemaView of(Window window, List<Catalog> catalogs) {
        SchemaView v = new SchemaView(window, Map.of());
        for (Catalog c : catalogs) {
            v = v.withCatalog(c);
        }
        return v;
    }

    /**
     * Tables with their columns in order, looked up as {@link Index#columns(String, String)} does: an unqualified
     * name in {@code public} first, then in another schema; system relations unknown (not checked).
     */
    static final class OrderedTables implements io.fenceline.proxy.sql.Relations {
        private final Map<String, List<String>> tables;
        private final Map<String, String> otherSchemas = new HashMap<>();

        OrderedTables(Map<String, List<String>> tables) {
            Map<String, List<String>> t = new HashMap<>();
            tables.forEach((name, columns) -> {
                t.put(name, List.copyOf(columns));
                int dot = name.indexOf('.');
                if (dot > 0) {
                    otherSchemas.putIfAbsent(name.substring(dot + 1), name);
                }
            });
            this.tables = t;
        }

        @Override
        public List<String> columns(TableName table) {
            if (SchemaPolicy.system(table)) {
                return null;
            }
            String schema = table.schema();
            String name = table.name();
            if (schema == null) {
                List<String> c = tables.get(name);
                if (c != null) {
                    return c;
                }
                String qualified = otherSchemas.get(name);
                return qualified == null ? null : tables.get(qualified);
            }
            return tables.get(schema.equals("public") ? name : schema + "." + name);
        }
    }

    @Override
    public String toString() {
        return "SchemaView[window=" + window + ", catalogs=" + catalogs.keySet() + "]";
    }

    /**
     * The tables of one version. Keys are as control publishes them: tables of schema {@code public} by bare
     * name, others as {@code schema.name}; names are raw (not quoted).
     */
    public static final class Index implements io.fenceline.proxy.sql.Relations {
        /** Slots of {@link #passed}: a power of two. */
        private static final int PASSED_SLOTS = 1024;

        private final int version;
        private final Catalog catalog;
        private final OrderedTables ordered;
        /**
         * Verdicts (by identity) whose tables and columns all exist in this version, so a statement the
         * connection runs again (a prepared statement, or a simple-protocol text that hits the inspector's
         * cache) is checked with one array read. Direct-mapped by identity hash; racy by design: a slot holds
         * a reference to an immutable verdict or null, and a lost or overwritten entry only costs a full check.
         * A newly published catalog builds a new index, so nothing here outlives the catalog it was checked on.
         */
        private final io.fenceline.proxy.sql.Verdict[] passed = new io.fenceline.proxy.sql.Verdict[PASSED_SLOTS];
        private final Map<String, Set<String>> tables;
        /** Bare names of tables outside {@code public}, which an unqualified reference may reach through search_path. */
        private final Map<String, String> otherSchemas;

        Index(Catalog c) {
            this.version = c.version();
            this.catalog = c;
            this.ordered = new OrderedTables(c.tables());
            Map<String, Set<String>> t = new HashMap<>();
            Map<String, String> other = new HashMap<>();
            c.tables().forEach((name, columns) -> {
                t.put(name, Set.copyOf(new HashSet<>(columns)));
                int dot = name.indexOf('.');
                if (dot > 0) {
                    other.putIfAbsent(name.substring(dot + 1), name);
                }
            });
            this.tables = t;
            this.otherSchemas = other;
        }

        public int version() {
            return version;
        }

        /** The columns of {@code table} in this version's order, or null when the version has no such table. */
        @Override
        public List<String> columns(TableName table) {
            return ordered.columns(table);
        }

        /** Whether {@code verdict} (this very object) already passed the check against this version. */
        boolean passed(io.fenceline.proxy.sql.Verdict verdict) {
            return passed[System.identityHashCode(verdict) & (PASSED_SLOTS - 1)] == verdict;
        }

        /** Remembers that {@code verdict} passed the check against this version. */
        void pass(io.fenceline.proxy.sql.Verdict verdict) {
            passed[System.identityHashCode(verdict) & (PASSED_SLOTS - 1)] = verdict;
        }

        /**
         * The columns of the table a reference names, or null when this version has no such table. An
         * unqualified name is looked up in {@code public} first, then in any other schema (search_path is
         * not known to the proxy).
         */
        public Set<String> columns(String schema, String name) {
            if (schema == null) {
                Set<String> c = tables.get(name);
                if (c != null) {
                    return c;
                }
                String qualified = otherSchemas.get(name);
                return qualified == null ? null : tables.get(qualified);
            }
            if (schema.equals("public")) {
                return tables.get(name);
            }
            return tables.get(schema + "." + name);
        }
    }
}
