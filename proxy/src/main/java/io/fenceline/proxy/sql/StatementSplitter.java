package io.fenceline.proxy.sql;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits the text of a simple-protocol {@code Query} into statements the way PostgreSQL's own
 * parser separates them: at semicolons outside quotes, dollar quotes, comments, parentheses and
 * SQL-standard function bodies ({@code BEGIN ATOMIC … END}).
 */
public final class StatementSplitter {

    /** One statement: its source text (without the separating semicolon) and its tokens. */
    record Piece(String text, List<Token> tokens) { }

    private StatementSplitter() {
    }

    /** The statements of {@code text}, trimmed, empty ones (";;", comments only) dropped. */
    public static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        for (Piece p : pieces(text)) {
            out.add(p.text());
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
            starts[k] = pieces.get(k).tokens().get(0).start();
        }
        return starts;
    }

    static List<Piece> pieces(String text) {
        List<Token> all = Lexer.tokens(text);
        List<Piece> out = new ArrayList<>();
        int first = 0;
        int parens = 0;
        int atomic = 0;
        for (int k = 0; k < all.size(); k++) {
            Token t = all.get(k);
            if (t.type() == Token.Type.PUNCTUATION) {
                char c = t.text().charAt(0);
                if (c == '(') {
                    parens++;
                } else if (c == ')') {
                    parens = Math.max(0, parens - 1);
                } else if (c == ';' && parens == 0 && atomic == 0) {
                    add(text, all, first, k, out);
                    first = k + 1;
                }
            } else if (t.type() == Token.Type.WORD) {
                if (atomic > 0) {
                    if (t.text().equals("begin") || t.text().equals("case")) {
                        atomic++;
                    } else if (t.text().equals("end")) {
                        atomic--;
                    }
                } else if (t.text().equals("atomic") && k > first && all.get(k - 1).isWord("begin")) {
                    atomic = 1;
                }
            }
        }
        add(text, all, first, all.size(), out);
        return out;
    }

    private static void add(String text, List<Token> all, int from, int to, List<Piece> out) {
        if (from >= to) {
            return;
        }
        List<Token> tokens = List.copyOf(all.subList(from, to));
        String body = text.substring(tokens.get(0).start(), tokens.get(tokens.size() - 1).end());
        out.add(new Piece(body, tokens));
    }
}
