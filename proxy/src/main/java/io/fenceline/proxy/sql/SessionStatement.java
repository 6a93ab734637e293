package io.fenceline.proxy.sql;

import java.util.List;
import java.util.Locale;

/**
 * The statements that change a session's declared schema version, or decide whether such a change
 * lasts: {@code SET}/{@code RESET} of {@value #VARIABLE}, {@code RESET ALL}, {@code DISCARD ALL}, and
 * transaction control (PostgreSQL undoes a {@code SET} when its transaction rolls back, and ends a
 * {@code SET LOCAL} with its transaction). Every other statement is irrelevant: {@link #parse} returns null.
 */
public sealed interface SessionStatement {

    /** The placeholder setting a connection declares its schema version with. */
    String VARIABLE = "fenceline.schema_version";

    /** {@code SET [SESSION | LOCAL] fenceline.schema_version {TO | =} value}; {@code value} as written, unquoted. */
    record Set(String value, boolean local) implements SessionStatement {
    }

    /** {@code RESET fenceline.schema_version}, or {@code SET [LOCAL] … TO DEFAULT}: back to the session's start value. */
    record Reset(boolean local) implements SessionStatement {
    }

    /** {@code RESET ALL} or {@code DISCARD ALL}. */
    record ResetAll() implements SessionStatement {
    }

    /** {@code BEGIN}, {@code START TRANSACTION}. */
    record Begin() implements SessionStatement {
    }

    /** {@code COMMIT}, {@code END} (also {@code AND CHAIN}). */
    record Commit() implements SessionStatement {
    }

    /** {@code ROLLBACK}, {@code ABORT} (also {@code AND CHAIN}). */
    record Rollback() implements SessionStatement {
    }

    /** {@code SAVEPOINT name}. */
    record Savepoint(String name) implements SessionStatement {
    }

    /** {@code RELEASE [SAVEPOINT] name}. */
    record Release(String name) implements SessionStatement {
    }

    /** {@code ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name}. */
    record RollbackTo(String name) implements SessionStatement {
    }

    /** What one statement's text means for the schema version, or null when it means nothing. */
    static SessionStatement parse(String statement) {
        if (statement.isEmpty()) {
            return null;
        }
        // Cheap rejection before lexing: every relevant statement starts with one of these letters.
        char c = Character.toLowerCase(firstLetter(statement));
        if ("bcdeasrs".indexOf(c) < 0) {
            return null;
        }
        return of(Lexer.tokens(statement));
    }

    /** The statements of a {@code Query} text, in {@link StatementSplitter#split} order; null where irrelevant. */
    static SessionStatement[] ofQuery(String text) {
        List<StatementSplitter.Piece> pieces = StatementSplitter.pieces(text);
        SessionStatement[] out = new SessionStatement[pieces.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = of(pieces.get(k).tokens());
        }
        return out;
    }

    private static char firstLetter(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Character.isWhitespace(c) && c != '(') {
                return c;
            }
        }
        return ' ';
    }

    private static SessionStatement of(List<Token> t) {
        if (t.isEmpty() || t.get(0).type() != Token.Type.WORD) {
            return null;
        }
        int n = t.size();
        switch (t.get(0).text()) {
            case "begin":
                return new Begin();
            case "start":
                return n > 1 && t.get(1).isWord("transaction") ? new Begin() : null;
            case "commit": case "end":
                return n > 1 && t.get(1).isWord("prepared") ? null : new Commit();
            case "abort":
                return new Rollback();
            case "rollback": {
                if (n > 1 && t.get(1).isWord("prepared")) {
                    return null;
                }
                int i = 1;
                if (i < n && (t.get(i).isWord("work") || t.get(i).isWord("transaction"))) {
                    i++;
                }
                if (i < n && t.get(i).isWord("to")) {
                    i++;
                    if (i < n && t.get(i).isWord("savepoint")) {
                        i++;
                    }
                    return i < n ? new RollbackTo(identifier(t.get(i))) : null;
                }
                return new Rollback();
            }
            case "savepoint":
                return n > 1 ? new Savepoint(identifier(t.get(1))) : null;
            case "release": {
                int i = n > 1 && t.get(1).isWord("savepoint") ? 2 : 1;
                return i < n ? new Release(identifier(t.get(i))) : null;
            }
            case "discard":
                return n == 2 && t.get(1).isWord("all") ? new ResetAll() : null;
            case "reset":
                if (n == 2 && t.get(1).isWord("all")) {
                    return new ResetAll();
                }
                return isVariable(t, 1) && n == 4 ? new Reset(false) : null;
            case "set":
                return set(t);
            default:
                return null;
        }
    }

    private static SessionStatement set(List<Token> t) {
        int i = 1;
        boolean local = false;
        if (i < t.size() && (t.get(i).isWord("session") || t.get(i).isWord("local"))) {
            local = t.get(i).isWord("local");
            i++;
        }
        if (!isVariable(t, i)) {
            return null;
        }
        i += 3;
        if (i >= t.size() || !(t.get(i).isWord("to") || t.get(i).is(Token.Type.OPERATOR, "="))) {
            return null;
        }
        i++;
        if (i >= t.size()) {
            return null;
        }
        if (i == t.size() - 1 && t.get(i).isWord("default")) {
            return new Reset(local);
        }
        // Anything but one value (a list, an expression) is kept verbatim so the check can name it.
        StringBuilder value = new StringBuilder();
        for (int k = i; k < t.size(); k++) {
            Token v = t.get(k);
            value.append(k == i ? "" : " ").append(v.type() == Token.Type.STRING ? unquote(v.text()) : v.text());
        }
        return new Set(value.toString(), local);
    }

    private static boolean isVariable(List<Token> t, int i) {
        return i + 2 < t.size() && name(t.get(i)).equals("fenceline") && t.get(i + 1).isPunct('.')
                && name(t.get(i + 2)).equals("schema_version");
    }

    private static String name(Token t) {
        return t.type() == Token.Type.WORD || t.type() == Token.Type.QUOTED_IDENTIFIER
                ? t.text().toLowerCase(Locale.ROOT) : "";
    }

    private static String identifier(Token t) {
        return t.text();
    }

    /** {@code 'x'} and {@code E'x'} without quotes (doubled quotes undone); other literals as written. */
    private static String unquote(String literal) {
        String s = literal;
        if (s.length() >= 3 && (s.charAt(0) == 'e' || s.charAt(0) == 'E') && s.charAt(1) == '\'') {
            s = s.substring(1);
        }
        if (s.length() >= 2 && s.charAt(0) == '\'' && s.charAt(s.length() - 1) == '\'') {
            return s.substring(1, s.length() - 1).replace("''", "'");
        }
        return s;
    }
}
