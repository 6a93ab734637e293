package io.fenceline.proxy.sql;

import java.util.ArrayList;
import java.util.List;

/**
 * One connection's memory of the last few simple-protocol texts it inspected, for clients that send the same
 * statements again and again with new values written into the text ({@code pgbench -M simple} and its TPC-B
 * script, drivers and ORMs that inline parameters). A text that differs from a remembered one only inside its
 * integer constants and plain {@code '…'} strings gets the remembered verdicts in one comparison pass, without
 * lexing, normalising or a cache lookup.
 *
 * <p>That answer is the one the verdict cache would give: the cache key already replaces every number by
 * {@code 0} and every string by {@code '?'}, so two such texts share their key. The match is stricter than
 * the key: everything outside the literals must be the same characters (comments and spacing included), each
 * number must be a run of digits where the remembered one was, and each string a plain string where the
 * remembered one was. A text with any other kind of literal (decimal, {@code E'…'}, {@code $$…$$}, bit and
 * hex strings), or longer than {@link #MAX_LENGTH}, is not remembered. Up to {@link #CAPACITY} texts, the
 * oldest replaced first. Not thread-safe: one per connection, used on its event loop.
 */
public final class LastText {

    /**
     * Texts remembered per connection: a transaction script cycles through a few statements, and a constant
     * whose sign changes ({@code + 5}, {@code + -5}: pgbench's deltas) makes two shapes of one statement.
     */
    public static final int CAPACITY = 16;
    /** Longer texts are left to the shared cache, so a connection's memory stays small. */
    public static final int MAX_LENGTH = 1024;

    private final Shape[] shapes = new Shape[CAPACITY];
    private int next;

    /** One remembered text: its literals' spans and kinds, and its verdicts. */
    private record Shape(String text, int[] spans, boolean[] strings, List<Verdict> verdicts) { }

    /** The remembered verdicts when {@code sql} has a remembered text's shape, else null. */
    public List<Verdict> verdicts(String sql) {
        for (Shape shape : shapes) {
            if (shape != null && matches(shape, sql)) {
                return shape.verdicts();
            }
        }
        return null;
    }

    /** Remembers {@code sql} and its verdicts, unless its shape cannot be matched or it is too long. */
    void remember(String sql, List<StatementSplitter.Piece> pieces, List<Verdict> verdicts) {
        if (sql.length() > MAX_LENGTH) {
            return;
        }
        List<Integer> found = new ArrayList<>();
        List<Boolean> kinds = new ArrayList<>();
        for (StatementSplitter.Piece p : pieces) {
            for (Token t : p.tokens()) {
                if (t.type() == Token.Type.NUMBER || t.type() == Token.Type.STRING) {
                    boolean string = t.type() == Token.Type.STRING;
                    if (!(string ? plainString(sql, t) : digitsOnly(sql, t))) {
                        return;
                    }
                    found.add(t.start());
                    found.add(t.end());
                    kinds.add(string);
                }
            }
        }
        int[] spans = new int[found.size()];
        for (int k = 0; k < spans.length; k++) {
            spans[k] = found.get(k);
        }
        boolean[] strings = new boolean[kinds.size()];
        for (int k = 0; k < strings.length; k++) {
            strings[k] = kinds.get(k);
        }
        shapes[next] = new Shape(sql, spans, strings, List.copyOf(verdicts));
        next = (next + 1) % CAPACITY;
    }

    private static boolean matches(Shape shape, String sql) {
        String t = shape.text();
        int[] spans = shape.spans();
        boolean[] strings = shape.strings();
        int i = 0; // in t
        int j = 0; // in sql
        for (int k = 0; k < strings.length; k++) {
            int fixed = spans[2 * k] - i;
            if (!sql.regionMatches(j, t, i, fixed)) {
                return false;
            }
            j += fixed;
            j = strings[k] ? endOfPlainString(sql, j) : endOfDigits(sql, j);
            if (j < 0) {
                return false;
            }
            i = spans[2 * k + 1];
        }
        int rest = t.length() - i;
        return sql.length() - j == rest && sql.regionMatches(j, t, i, rest);
    }

    /** The end of the run of digits at {@code from}, or -1 when there is none. */
    private static int endOfDigits(String s, int from) {
        int j = from;
        while (j < s.length() && isDigit(s.charAt(j))) {
            j++;
        }
        return j == from ? -1 : j;
    }

    /** The end of the plain string whose opening quote is at {@code from} (as {@code Lexer}), or -1. */
    private static int endOfPlainString(String s, int from) {
        if (from >= s.length() || s.charAt(from) != '\'') {
            return -1;
        }
        int j = from + 1;
        while (j < s.length()) {
            if (s.charAt(j) == '\'') {
                if (j + 1 < s.length() && s.charAt(j + 1) == '\'') {
                    j += 2;
                } else {
                    return j + 1;
                }
            } else {
                j++;
            }
        }
        return -1;
    }

    /**
     * A run of digits whose neighbours cannot join it into another token whatever its digits are: the
     * characters on both sides are fixed text, so a longer or shorter run lexes the same way.
     */
    private static boolean digitsOnly(String sql, Token t) {
        for (int k = t.start(); k < t.end(); k++) {
            if (!isDigit(sql.charAt(k))) {
                return false;
            }
        }
        return !(t.start() > 0 && joins(sql.charAt(t.start() - 1))) && !(t.end() < sql.length() && joins(sql.charAt(t.end())));
    }

    /** A string written {@code '…'}, with no prefix ({@code E}, {@code B}, {@code X}, {@code N}, {@code U&}). */
    private static boolean plainString(String sql, Token t) {
        return sql.charAt(t.start()) == '\'' && !(t.start() > 0 && joins(sql.charAt(t.start() - 1)));
    }

    /** Characters that could make one token with a neighbouring constant: letters, digits, '_', '$', '.', '&'. */
    private static boolean joins(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$' || c == '.' || c == '&' || c == '\'';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
