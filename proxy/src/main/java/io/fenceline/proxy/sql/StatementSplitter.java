package io.fenceline.proxy.sql;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits the text of a simple-protocol {@code Query} into statements the way PostgreSQL's own
 * parser separates them: at semicolons outside quotes, dollar quotes, comments, parentheses and
 * SQL-standard function bodies ({@code BEGIN ATOMIC … END}).
 *
 * <p>Memory: tokens are taken from the {@link Lexer} one at a time and only the current statement's are kept,
 * and the rows of a {@code VALUES} list that repeat an earlier row's shape are dropped as they end ({@link
 * ValuesRows}), so a bulk {@code INSERT … VALUES} of any number of alike rows costs the tokens of a few rows
 * rather than about sixteen times its text.
 */
public final class StatementSplitter {

    /**
     * One statement: its tokens (repeated {@code VALUES} rows left out, see {@link ValuesRows}) and where it
     * is in the text ({@code start} of its first token to {@code end} of its last, the separating semicolon
     * excluded).
     */
    record Piece(List<Token> tokens, int start, int end) { }

    private StatementSplitter() {
    }

    /** The statements of {@code text}, trimmed, empty ones (";;", comments only) dropped. */
    public static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        for (Piece p : pieces(text)) {
            out.add(text.substring(p.start(), p.end()));
        }
        return out;
    }

    /**
     * The character offset in {@code text} at which each statement of {@link #split} starts, in order.
     * Used to cut a {@code Query} text before a statement the proxy will not forward.
     */
    public static int[] starts(String text) {
        List<Piece> pieces = pieces(text);
        int[] starts = new int[pieces.size()];
        for (int k = 0; k < starts.length; k++) {
            starts[k] = pieces.get(k).start();
        }
        return starts;
    }

    static List<Piece> pieces(String text) {
        Lexer lexer = Lexer.over(text);
        List<Piece> out = new ArrayList<>();
        List<Token> current = new ArrayList<>();
        ValuesRows rows = new ValuesRows();
        int end = 0;
        int parens = 0;
        int atomic = 0;
        for (Token t = lexer.next(); t != null; t = lexer.next()) {
            if (t.type() == Token.Type.PUNCTUATION) {
                char c = t.text().charAt(0);
                if (c == '(') {
                    parens++;
                } else if (c == ')') {
                    parens = Math.max(0, parens - 1);
                } else if (c == ';' && parens == 0 && atomic == 0) {
                    add(current, end, out);
                    current = new ArrayList<>();
                    rows = new ValuesRows();
                    continue;
                }
            } else if (t.type() == Token.Type.WORD) {
                if (atomic > 0) {
                    if (t.text().equals("begin") || t.text().equals("case")) {
                        atomic++;
                    } else if (t.text().equals("end")) {
                        atomic--;
                    }
                } else if (t.text().equals("atomic") && !current.isEmpty()
                        && current.get(current.size() - 1).isWord("begin")) {
                    atomic = 1;
                }
            }
            current.add(t);
            end = t.end();
            rows.added(current, parens);
        }
        add(current, end, out);
        return out;
    }

    private static void add(List<Token> tokens, int end, List<Piece> out) {
        if (tokens.isEmpty()) {
            return;
        }
        out.add(new Piece(List.copyOf(tokens), tokens.get(0).start(), end));
    }
}
