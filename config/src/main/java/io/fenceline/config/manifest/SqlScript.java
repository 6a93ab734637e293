package io.fenceline.config.manifest;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a SQL script into statements at top-level semicolons, the way psql does: semicolons inside
 * string literals ({@code '...'}, {@code E'...'}), quoted identifiers, dollar-quoted bodies
 * ({@code $fn$ ... $fn$}), line comments and (nested) block comments do not end a statement.
 * Statements holding nothing but whitespace and comments are dropped; the rest are returned trimmed and
 * without their terminating semicolon.
 */
public final class SqlScript {

    private SqlScript() {
    }

    /** The statements of {@code script}, in order. */
    public static List<String> split(String script) {
        List<String> statements = new ArrayList<>();
        int start = 0;
        boolean meaningful = false;
        int i = 0;
        int n = script.length();
        while (i < n) {
            char c = script.charAt(i);
            if (c == '-' && i + 1 < n && script.charAt(i + 1) == '-') {
                i = skipLineComment(script, i);
            } else if (c == '/' && i + 1 < n && script.charAt(i + 1) == '*') {
                i = skipBlockComment(script, i);
            } else if (c == '\'') {
                boolean escapes = i > 0 && (script.charAt(i - 1) == 'E' || script.charAt(i - 1) == 'e')
                        && (i < 2 || !isIdentifierPart(script.charAt(i - 2)));
                i = skipQuoted(script, i, '\'', escapes);
                meaningful = true;
            } else if (c == '"') {
                i = skipQuoted(script, i, '"', false);
                meaningful = true;
            } else if (c == '$' && (i == 0 || !isIdentifierPart(script.charAt(i - 1)))) {
                String tag = dollarTag(script, i);
                if (tag != null) {
                    int close = script.indexOf(tag, i + tag.length());
                    i = close < 0 ? n : close + tag.length();
                } else {
                    i++;
                }
                meaningful = true;
            } else if (c == ';') {
                if (meaningful) {
                    statements.add(script.substring(start, i).strip());
                }
                start = i + 1;
                meaningful = false;
                i++;
            } else {
                if (!Character.isWhitespace(c)) {
                    meaningful = true;
                }
                i++;
            }
        }
        if (meaningful) {
            statements.add(script.substring(start).strip());
        }
        return statements;
    }

    private static int skipLineComment(String s, int i) {
        int end = s.indexOf('\n', i);
        return end < 0 ? s.length() : end + 1;
    }

    private static int skipBlockComment(String s, int i) {
        int depth = 0;
        int n = s.length();
        while (i < n) {
            if (s.startsWith("/*", i)) {
                depth++;
                i += 2;
            } else if (s.startsWith("*/", i)) {
                depth--;
                i += 2;
                if (depth == 0) {
                    return i;
                }
            } else {
                i++;
            }
        }
        return n;
    }

    /** Index after the closing quote; a doubled quote is an escaped quote. */
    private static int skipQuoted(String s, int i, char quote, boolean backslashEscapes) {
        int n = s.length();
        i++;
        while (i < n) {
            char c = s.charAt(i);
            if (backslashEscapes && c == '\\') {
                i += 2;
            } else if (c == quote) {
                if (i + 1 < n && s.charAt(i + 1) == quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        return n;
    }

    /** {@code $tag$} starting at {@code i}, or null if this dollar sign does not open a dollar quote. */
    private static String dollarTag(String s, int i) {
        int j = i + 1;
        while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
            j++;
        }
        if (j >= s.length() || s.charAt(j) != '$') {
            return null;
        }
        String name = s.substring(i + 1, j);
        if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
            return null; // $1 is a parameter, not a tag
        }
        return s.substring(i, j + 1);
    }

    private static boolean isIdentifierPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }
}
