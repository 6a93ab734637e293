package io.fenceline.control.lint;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The user-visible catalog of a database at one moment: schemas, relations (tables, views, indexes,
 * sequences, ...) with their storage ({@code relfilenode}), columns with type, nullability and default,
 * constraints, types (enum labels, domains), triggers and functions, with comments and privileges.
 * System schemas ({@code pg_catalog}, {@code information_schema}, {@code pg_toast}, temporary schemas)
 * are left out.
 *
 * <p>Reading a snapshot only reads {@code pg_catalog}; it takes no lock on a user relation, so it can
 * run inside the transaction whose locks are being observed.
 */
public final class CatalogSnapshot {

    private static final String USER_SCHEMA = "n.nspname NOT IN ('pg_catalog', 'information_schema')"
            + " AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'";

    private static final String SCHEMAS = "SELECT n.oid, n.nspname, coalesce(n.nspacl::text, ''),"
            + " coalesce(obj_description(n.oid, 'pg_namespace'), '') FROM pg_namespace n WHERE " + USER_SCHEMA;

    private static final String RELATIONS = "SELECT c.oid, n.nspname, c.relname, c.relkind, c.relfilenode,"
            + " c.relpersistence, coalesce(c.relacl::text, ''), coalesce(d.description, ''),"
            + " CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) ELSE '' END,"
            + " CASE WHEN c.relkind IN ('i', 'I') THEN pg_get_indexdef(c.oid) ELSE '' END,"
            + " coalesce(i.indrelid, 0), coalesce(i.indisvalid, true), coalesce(i.indisunique, false),"
            + " CASE WHEN c.relkind = 'S' THEN format('%s start %s increment %s min %s max %s cache %s cycle %s',"
            + "   format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache,"
            + "   s.seqcycle) ELSE '' END,"
            + " coalesce(pg_get_expr(c.relpartbound, c.oid), '')"
            + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " LEFT JOIN pg_index i ON i.indexrelid = c.oid"
            + " LEFT JOIN pg_sequence s ON s.seqrelid = c.oid"
            + " LEFT JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass"
            + "   AND d.objsubid = 0"
            + " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'i', 'I', 'S', 'f', 'c') AND " + USER_SCHEMA;

    private static final String COLUMNS = "SELECT a.attrelid, a.attnum, a.attname,"
            + " format_type(a.atttypid, a.atttypmod), a.attnotnull,"
            + " coalesce(pg_get_expr(ad.adbin, ad.adrelid), ''), a.attidentity, a.attgenerated,"
            + " coalesce(col_description(a.attrelid, a.attnum), ''), coalesce(a.attacl::text, '')"
            + " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum"
            + " WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')"
            + " AND " + USER_SCHEMA;

    private static final String CONSTRAINTS = "SELECT co.oid, n.nspname, co.conname, co.contype, co.conrelid,"
            + " co.contypid, pg_get_constraintdef(co.oid), co.convalidated, coalesce(t.typname, '')"
            + " FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace"
            + " LEFT JOIN pg_type t ON t.oid = co.contypid WHERE " + USER_SCHEMA;

    private static final String TYPES = "SELECT t.oid, n.nspname, t.typname, t.typtype,"
            + " coalesce((SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e"
            + "   WHERE e.enumtypid = t.oid), ''),"
            + " CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) ELSE '' END,"
            + " t.typnotnull, coalesce(t.typdefault, ''), coalesce(t.typacl::text, '')"
            + " FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
            + " WHERE t.typtype IN ('e', 'd', 'r', 'm') AND " + USER_SCHEMA;

    private static final String TRIGGERS = "SELECT tg.oid, tg.tgrelid, tg.tgname, pg_get_triggerdef(tg.oid),"
            + " tg.tgenabled FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT tg.tgisinternal AND " + USER_SCHEMA;

    private static final String FUNCTIONS = "SELECT p.oid, n.nspname, p.proname,"
            + " pg_get_function_identity_arguments(p.oid), coalesce(pg_get_function_result(p.oid), ''),"
            + " md5(coalesce(p.prosrc, '')), p.prokind, p.provolatile, coalesce(p.proacl::text, '')"
            + " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE " + USER_SCHEMA;

    private final Map<String, CatalogObject> byId;

    private CatalogSnapshot(Map<String, CatalogObject> byId) {
        this.byId = byId;
    }

    /** A snapshot made of these objects (for tests and for comparing recorded catalogs). */
    public static CatalogSnapshot of(Collection<CatalogObject> objects) {
        Map<String, CatalogObject> byId = new LinkedHashMap<>();
        for (CatalogObject o : objects) {
            byId.put(o.id(), o);
        }
        return new CatalogSnapshot(byId);
    }

    /** Reads the catalog through {@code connection}, inside whatever transaction it is in. */
    public static CatalogSnapshot take(Connection connection) throws SQLException {
        Map<String, CatalogObject> objects = new LinkedHashMap<>();
        Map<Long, String> relationNames = new LinkedHashMap<>();
        try (Statement st = connection.createStatement()) {
            try (ResultSet rs = st.executeQuery(SCHEMAS)) {
                while (rs.next()) {
                    String name = rs.getString(2);
                    put(objects, new CatalogObject("nsp:" + rs.getLong(1), "schema " + name, ObjectKind.SCHEMA, name,
                            null, 0, attrs("name", name, "acl", rs.getString(3), "comment", rs.getString(4))));
                }
            }
            try (ResultSet rs = st.executeQuery(RELATIONS)) {
                while (rs.next()) {
                    long oid = rs.getLong(1);
                    String qualified = rs.getString(2) + "." + rs.getString(3);
                    relationNames.put(oid, qualified);
                    ObjectKind kind = ObjectKind.ofRelkind(rs.getString(4));
                    Map<String, String> a = attrs("name", rs.getString(3), "schema", rs.getString(2), "kind", kind.label(),
                            "persistence", rs.getString(6), "acl", rs.getString(7), "comment", rs.getString(8));
                    optional(a, "view definition", rs.getString(9));
                    optional(a, "index definition", rs.getString(10));
                    if (kind == ObjectKind.INDEX) {
                        a.put("valid", Boolean.toString(rs.getBoolean(12)));
                        a.put("unique", Boolean.toString(rs.getBoolean(13)));
                    }
                    optional(a, "sequence", rs.getString(14));
                    optional(a, "partition bound", rs.getString(15));
                    long table = rs.getLong(11);
                    put(objects, new CatalogObject("rel:" + oid, "relation " + qualified, kind, qualified,
                            table == 0 ? null : "rel:" + table, rs.getLong(5), a));
                }
            }
            try (ResultSet rs = st.executeQuery(COLUMNS)) {
                while (rs.next()) {
                    long rel = rs.getLong(1);
                    String display = relationNames.get(rel) + "." + rs.getString(3);
                    Map<String, String> a = attrs("name", rs.getString(3), "position", Integer.toString(rs.getInt(2)),
                            "type", rs.getString(4), "not null", Boolean.toString(rs.getBoolean(5)),
                            "default", rs.getString(6), "comment", rs.getString(9), "acl", rs.getString(10));
                    optional(a, "identity", rs.getString(7));
                    optional(a, "generated", rs.getString(8));
                    put(objects, new CatalogObject("col:" + rel + ":" + rs.getInt(2), "column " + display,
                            ObjectKind.COLUMN, display, "rel:" + rel, 0, a));
                }
            }
            Map<Long, String> typeNames = new LinkedHashMap<>();
            try (ResultSet rs = st.executeQuery(TYPES)) {
                while (rs.next()) {
                    String qualified = rs.getString(2) + "." + rs.getString(3);
                    typeNames.put(rs.getLong(1), qualified);
                    Map<String, String> a = attrs("name", rs.getString(3), "type kind", rs.getString(4),
                            "acl", rs.getString(9));
                    optional(a, "labels", rs.getString(5));
                    optional(a, "base type", rs.getString(6));
                    if (rs.getString(4).equals("d")) {
                        a.put("not null", Boolean.toString(rs.getBoolean(7)));
                        a.put("default", rs.getString(8));
                    }
                    put(objects, new CatalogObject("type:" + rs.getLong(1), "type " + qualified, ObjectKind.TYPE,
                            qualified, null, 0, a));
                }
            }
            try (ResultSet rs = st.executeQuery(CONSTRAINTS)) {
                while (rs.next()) {
                    long rel = rs.getLong(5);
                    String owner = rel != 0 ? relationNames.get(rel) : rs.getString(2) + "." + rs.getString(9);
                    String display = owner + "." + rs.getString(3);
                    Map<String, String> a = attrs("name", rs.getString(3), "constraint type", rs.getString(4),
                            "definition", rs.getString(7), "validated", Boolean.toString(rs.getBoolean(8)));
                    put(objects, new CatalogObject("con:" + rs.getLong(1), "constraint " + display,
                            ObjectKind.CONSTRAINT, display, rel == 0 ? null : "rel:" + rel, 0, a));
                }
            }
            try (ResultSet rs = st.executeQuery(TRIGGERS)) {
                while (rs.next()) {
                    long rel = rs.getLong(2);
                    String display = relationNames.get(rel) + "." + rs.getString(3);
                    put(objects, new CatalogObject("trg:" + rs.getLong(1), "trigger " + display, ObjectKind.TRIGGER,
                            display, "rel:" + rel, 0, attrs("name", rs.getString(3), "definition", rs.getString(4),
                            "enabled", rs.getString(5))));
                }
            }
            try (ResultSet rs = st.executeQuery(FUNCTIONS)) {
                while (rs.next()) {
                    String display = rs.getString(2) + "." + rs.getString(3) + "(" + rs.getString(4) + ")";
                    put(objects, new CatalogObject("fn:" + rs.getLong(1), "function " + display, ObjectKind.FUNCTION,
                            display, null, 0, attrs("name", rs.getString(3), "result", rs.getString(5),
                            "body md5", rs.getString(6), "kind", rs.getString(7), "volatility", rs.getString(8),
                            "acl", rs.getString(9))));
                }
            }
        }
        return new CatalogSnapshot(objects);
    }

    /** Every object, by id. */
    public Map<String, CatalogObject> objects() {
        return byId;
    }

    /** One object by id. */
    public Optional<CatalogObject> get(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** The same objects keyed by {@link CatalogObject#nameKey()}. */
    public Map<String, CatalogObject> byName() {
        Map<String, CatalogObject> byName = new LinkedHashMap<>();
        for (CatalogObject o : byId.values()) {
            byName.put(o.nameKey(), o);
        }
        return byName;
    }

    /** The relation with this {@code pg_class} oid, if it is a user relation. */
    public Optional<CatalogObject> relation(long oid) {
        return get("rel:" + oid);
    }

    private static void put(Map<String, CatalogObject> objects, CatalogObject object) {
        objects.put(object.id(), object);
    }

    private static void optional(Map<String, String> attributes, String name, String value) {
        if (value != null && !value.isEmpty()) {
            attributes.put(name, value);
        }
    }

    private static Map<String, String> attrs(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1] == null ? "" : pairs[i + 1]);
        }
        return map;
    }
}
