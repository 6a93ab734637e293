package io.fenceline.proxy.sql;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What one statement does to the session the proxy follows, read from its tokens: whether it commits or ends
 * the transaction, whether it would lift the session's read-only state, and which SQL-level prepared statement
 * it creates or removes ({@code PREPARE}, {@code DEALLOCATE}, {@code DISCARD ALL}). "Ends the transaction" is what
 * the fence needs: after such a statement the rest of the request may run in a transaction the proxy did not see
 * begin read-only (COMMIT, ROLLBACK [TO], and {@code DISCARD ALL} / {@code RESET ALL}, which reset the read-only
 * default the proxy set; the next request asserts it again). Only statements that can
 * have such an effect are lexed ({@link #mayHaveEffects}), so ordinary reads and writes cost nothing here.
 *
 * <p>The proxy acts on a prepared-statement effect only when the server confirms it (its CommandComplete tag);
 * the name is read here so that a confirmed {@code DEALLOCATE} removes the right statement.
 */
public record SessionEffects(boolean commits, boolean endsTransaction, boolean liftsReadOnly, Prepared prepared,
                             String name) {

    /** A statement's effect on the SQL-level prepared statements. */
    public enum Prepared {
        NONE, PREPARE, DEALLOCATE, DEALLOCATE_ALL, DISCARD_ALL
    }

    /** No effect at all. */
    public static final SessionEffects NONE = new SessionEffects(false, false, false, Prepared.NONE, null);

    private static final Set<String> READ_ONLY_SETTINGS = Set.of("default_transaction_read_only", "transaction_read_only");
    private static final Set<String> TRUE_VALUES = Set.of("on", "true", "yes", "1", "t", "y");

    /**
     * Whether a statement of {@code v} may have an effect: transaction control and session statements, and any
     * statement that names {@code set_config}.
     */
    public static boolean mayHaveEffects(Verdict v, String sql) {
        return v.kind() == StatementKind.TRANSACTION || v.kind() == StatementKind.SESSION || mentionsSetConfig(sql);
    }

    /** Whether {@code sql} contains {@code set_config} in any case (a cheap scan before lexing). */
    public static boolean mentionsSetConfig(String sql) {
        for (int i = sql.indexOf('_'); i >= 3; i = sql.indexOf('_', i + 1)) {
            if (sql.regionMatches(true, i - 3, "set_config", 0, 10)) {
                return true;
            }
        }
        return false;
    }

    /** The effects of the one statement {@code sql[from, to)}. */
    public static SessionEffects of(String sql, int from, int to) {
        List<Token> t = Lexer.tokens(sql, from, to);
        if (t.isEmpty()) {
            return NONE;
        }
        String first = t.get(0).type() == Token.Type.WORD ? t.get(0).text() : "";
        String second = word(t, 1);
        boolean lifts = setConfigLifts(t);
        boolean commits = false;
        boolean ends = false;
        Prepared prepared = Prepared.NONE;
        String name = null;
        switch (first) {
            case "commit", "end" -> {
                commits = !second.equals("prepared");
                ends = true;
            }
            case "rollback", "abort" -> ends = true;
            case "prepare" -> {
                if (second.equals("transaction")) {
                    commits = true;
                    ends = true;
                } else if (t.size() > 1) {
                    prepared = Prepared.PREPARE;
                    name = identifier(t.get(1));
                }
            }
            case "deallocate" -> {
                int k = second.equals("prepare") ? 2 : 1;
                if (k < t.size() && t.get(k).isWord("all")) {
                    prepared = Prepared.DEALLOCATE_ALL;
                } else if (k < t.size()) {
                    prepared = Prepared.DEALLOCATE;
                    name = identifier(t.get(k));
                }
            }
            case "discard" -> {
                if (second.equals("all")) {
                    // DISCARD ALL resets every setting, the proxy's read-only default among them, and in the
                    // extended protocol it commits at once (it may not run in a transaction): a statement after
                    // it in the same batch would begin a transaction that may write.
                    prepared = Prepared.DISCARD_ALL;
                    ends = true;
                }
            }
            case "begin", "start" -> lifts |= readWrite(t);
            case "set" -> lifts |= setLifts(t);
            case "reset" -> {
                lifts |= t.size() > 1 && READ_ONLY_SETTINGS.contains(identifier(t.get(1)));
                // RESET ALL takes the read-only default back to the role's or database's; the transaction under
                // way stays read-only, but nothing else may follow in the same request.
                ends |= t.size() == 2 && t.get(1).isWord("all");
            }
            default -> {
            }
        }
        if (!commits && !ends && !lifts && prepared == Prepared.NONE) {
            return NONE;
        }
        return new SessionEffects(commits, ends, lifts, prepared, name);
    }

    /** SET [SESSION|LOCAL] one of the two settings to anything but true; SET TRANSACTION / SESSION CHARACTERISTICS … READ WRITE. */
    private static boolean setLifts(List<Token> t) {
        int k = 1;
        if (k < t.size() && (t.get(k).isWord("session") || t.get(k).isWord("local"))) {
            k++;
        }
        if (k >= t.size()) {
            return false;
        }
        if (t.get(k).isWord("transaction") || t.get(k).isWord("characteristics")) {
            return readWrite(t);
        }
        if (!READ_ONLY_SETTINGS.contains(identifier(t.get(k)))) {
            return false;
        }
        // The value: after TO or =; one true-ish word, number or plain string keeps the session read-only.
        int v = k + 1;
        if (v < t.size() && (t.get(v).isWord("to") || t.get(v).is(Token.Type.OPERATOR, "="))) {
            v++;
        }
        return v + 1 != t.size() || !isTrue(t.get(v));
    }

    private static boolean isTrue(Token value) {
        String text = value.text().toLowerCase(Locale.ROOT);
        if (value.type() == Token.Type.STRING && text.length() >= 2 && text.charAt(0) == '\'') {
            text = text.substring(1, text.length() - 1);
        } else if (value.type() != Token.Type.WORD && value.type() != Token.Type.NUMBER) {
            return false;
        }
        return TRUE_VALUES.contains(text.trim());
    }

    /** The words READ WRITE, in this order, anywhere in the statement. */
    private static boolean readWrite(List<Token> t) {
        for (int k = 0; k + 1 < t.size(); k++) {
            if (t.get(k).isWord("read") && t.get(k + 1).isWord("write")) {
                return true;
            }
        }
        return false;
    }

    /**
     * A call of {@code set_config} whose first argument names one of the two settings, or is anything but a plain
     * string constant followed by a comma (then the proxy cannot tell which setting it changes).
     */
    private static boolean setConfigLifts(List<Token> t) {
        for (int k = 0; k + 1 < t.size(); k++) {
            Token f = t.get(k);
            boolean named = f.isWord("set_config") || f.is(Token.Type.QUOTED_IDENTIFIER, "set_config");
            if (!named || !t.get(k + 1).is(Token.Type.PUNCTUATION, "(")) {
                continue;
            }
            if (k + 3 >= t.size()) {
                return true;
            }
            Token arg = t.get(k + 2);
            String text = arg.text();
            if (arg.type() != Token.Type.STRING || text.charAt(0) != '\'' || !t.get(k + 3).is(Token.Type.PUNCTUATION, ",")) {
                return true;
            }
            String setting = text.substring(1, text.length() - 1).replace("''", "'").trim().toLowerCase(Locale.ROOT);
            if (READ_ONLY_SETTINGS.contains(setting)) {
                return true;
            }
        }
        return false;
    }

    private static String word(List<Token> t, int k) {
        return k < t.size() && t.get(k).type() == Token.Type.WORD ? t.get(k).text() : "";
    }

    /** The identifier a token names as PostgreSQL folds it: a word lower-cased, a quoted identifier as written. */
    private static String identifier(Token token) {
        return token.type() == Token.Type.WORD || token.type() == Token.Type.QUOTED_IDENTIFIER ? token.text() : "";
    }
}
