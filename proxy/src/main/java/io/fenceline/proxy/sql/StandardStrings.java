package io.fenceline.proxy.sql;

import java.util.List;

/**
 * Texts sent while the server reports {@code standard_conforming_strings = off}, where a backslash escapes in
 * plain {@code '…'} strings too: {@code SELECT 'x\'' ; DELETE FROM t; --'} is one string to a lexer that ignores
 * the setting and a SELECT and a DELETE to the server. {@link #toStandard} rewrites such a text into one that
 * means the same to the server under either setting — each plain string holding a backslash becomes an
 * {@code E'…'} string, whose escapes PostgreSQL reads the same way whatever the setting — so the proxy inspects
 * and forwards the rewritten text, and what it judged is what runs.
 */
public final class StandardStrings {

    private StandardStrings() {
    }

    /**
     * The text, under {@code standard_conforming_strings = off}, as a text that needs no such setting; {@code sql}
     * itself when nothing changes (no backslash in a plain string); null when it holds a string the proxy cannot
     * restate ({@code N'…'} or {@code U&'…'} with a backslash) — the caller refuses it as not understood.
     */
    public static String toStandard(String sql) {
        if (sql.indexOf('\\') < 0) {
            return sql;
        }
        List<Token> tokens = Lexer.nonStandardTokens(sql);
        StringBuilder out = null;
        int copied = 0;
        for (Token t : tokens) {
            if (t.type() != Token.Type.STRING || sql.charAt(t.start()) == '$') {
                continue;
            }
            char first = sql.charAt(t.start());
            if (first != '\'' && first != 'n' && first != 'N' && first != 'u' && first != 'U') {
                // E'…' escapes already; B'…' and X'…' hold no backslash escapes.
                continue;
            }
            if (sql.indexOf('\\', t.start()) < 0 || sql.indexOf('\\', t.start()) >= t.end()) {
                continue;
            }
            if (first != '\'') {
                return null;
            }
            if (out == null) {
                out = new StringBuilder(sql.length() + 8);
            }
            out.append(sql, copied, t.start());
            // "text 'x'" is a typed literal; "textE'x'" would be one identifier: keep them apart.
            if (t.start() > 0 && isIdentPart(sql.charAt(t.start() - 1))) {
                out.append(' ');
            }
            out.append('E');
            copied = t.start();
        }
        if (out == null) {
            return sql;
        }
        out.append(sql, copied, sql.length());
        return out.toString();
    }

    private static boolean isIdentPart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$'
                || c >= 0x80;
    }
}
