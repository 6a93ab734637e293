package io.fenceline.control.verify;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.StringJoiner;

/** SQL text for one table's key ranges and rows, and the session settings every comparison reads under. */
public final class Sql {

    /**
     * Settings that change how values print as text: pinned for verify's sessions so that the same row gives the
     * same text on every cluster, whatever each server's defaults.
     */
    public static final List<String> PINNED = List.of("TimeZone = 'UTC'", "DateStyle = 'ISO, YMD'",
            "IntervalStyle = 'postgres'", "extra_float_digits = 1", "bytea_output = 'hex'");

    private Sql() {
    }

    public static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /** Pins {@link #PINNED} for the session of {@code c}. */
    public static void pin(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            StringJoiner sql = new StringJoiner("; ");
            PINNED.forEach(s -> sql.add("SET " + s));
            st.execute(sql.toString());
        }
    }

    /** Puts back the server's values of {@link #PINNED} (the session returns to control's pool). */
    public static void unpin(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            StringJoiner sql = new StringJoiner("; ");
            PINNED.forEach(s -> sql.add("RESET " + s.substring(0, s.indexOf(' '))));
            st.execute(sql.toString());
        }
    }

    /** {@code "k1", "k2"}. */
    public static String keyList(TableShape t) {
        StringJoiner j = new StringJoiner(", ");
        t.key().forEach(c -> j.add(quote(c.name())));
        return j.toString();
    }

    /**
     * {@code x."k1", x."k2"}: the key columns qualified by the table's alias {@code x}. ORDER BY needs this when the
     * select list holds {@link #keyText}: a bare {@code ORDER BY "k1"} would sort by the output column of that
     * name, the key's text ('10' before '9'), and chunks would not be ranges of {@code chunk_rows} keys.
     */
    public static String keyOrder(TableShape t) {
        StringJoiner j = new StringJoiner(", ");
        t.key().forEach(c -> j.add("x." + quote(c.name())));
        return j.toString();
    }

    /** {@code "k1"::text, "k2"::text}. */
    public static String keyText(TableShape t) {
        StringJoiner j = new StringJoiner(", ");
        t.key().forEach(c -> j.add(quote(c.name()) + "::text"));
        return j.toString();
    }

    /** {@code (?::type1, ?::type2)}: a key value as parameters. */
    public static String keyParams(TableShape t) {
        StringJoiner j = new StringJoiner(", ", "(", ")");
        t.key().forEach(c -> j.add("?::" + c.type()));
        return j.toString();
    }

    /** {@code md5(ROW(c1, c2, ...)::text)}: the row's hash over the compared columns, in name order. */
    public static String rowHash(TableShape t) {
        StringJoiner j = new StringJoiner(", ", "md5(ROW(", ")::text)");
        t.compared().forEach(c -> j.add(quote(c)));
        return j.toString();
    }

    /** The WHERE clause of a range (without the keyword); {@code TRUE} for every row. */
    public static String range(TableShape t, KeyRange r) {
        List<String> parts = new ArrayList<>();
        if (r.after() != null) {
            parts.add("(" + keyList(t) + ") > " + keyParams(t));
        }
        if (r.upTo() != null) {
            parts.add("(" + keyList(t) + ") <= " + keyParams(t));
        }
        return parts.isEmpty() ? "TRUE" : String.join(" AND ", parts);
    }

    /** Binds a range's bounds from parameter {@code index}; returns the next index. */
    public static int bind(PreparedStatement st, int index, KeyRange r) throws SQLException {
        if (r.after() != null) {
            index = bind(st, index, r.after());
        }
        if (r.upTo() != null) {
            index = bind(st, index, r.upTo());
        }
        return index;
    }

    public static int bind(PreparedStatement st, int index, Key key) throws SQLException {
        for (String v : key.values()) {
            st.setString(index++, v);
        }
        return index;
    }

    /** {@code ("k1", "k2") IN ((?::t1, ?::t2), ...)} for {@code count} keys. */
    public static String keyIn(TableShape t, int count) {
        StringJoiner j = new StringJoiner(", ", "(" + keyList(t) + ") IN (", ")");
        for (int i = 0; i < count; i++) {
            j.add(keyParams(t));
        }
        return j.toString();
    }

    public static void bindAll(PreparedStatement st, Collection<Key> keys) throws SQLException {
        int i = 1;
        for (Key k : keys) {
            i = bind(st, i, k);
        }
    }

    /** The key read from the first {@code t.key().size()} columns of the current row. */
    public static Key key(java.sql.ResultSet rs, TableShape t) throws SQLException {
        List<String> values = new ArrayList<>();
        for (int i = 1; i <= t.key().size(); i++) {
            values.add(rs.getString(i));
        }
        return new Key(values);
    }
}
