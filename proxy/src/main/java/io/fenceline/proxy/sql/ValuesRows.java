package io.fenceline.proxy.sql;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Drops, as the {@link StatementSplitter} collects a statement's tokens, each row of a {@code VALUES} list whose
 * shape an earlier row of the same list already has: {@code VALUES (1, 'a'), (2, 'b'), …} keeps its first row.
 *
 * <p>Why the verdict stays the same: the {@link Normaliser} replaces every string by {@code '?'} and every number
 * by {@code 0}, so two rows that differ only in their literals normalise to the same tokens, and a {@code VALUES}
 * list reads, writes and calls exactly what each of its rows does: the classification of the list with one such
 * row is the classification with all of them. The exception is a number whose value matters (the mode of {@code
 * lo_open}, see {@link LargeObjects}): in a row that names {@code lo_open}, numbers are part of the shape. A row
 * is compared as its tokens' kinds and texts (literals: kind only), so a row with another function, a sign, a
 * {@code DEFAULT} or a {@code NULL} where the first had a value is a shape of its own and is kept. Up to {@link
 * #MAX_SHAPES} shapes are remembered per list; rows of further shapes are kept.
 *
 * <p>The cache key of a bulk insert is then the same for any number of alike rows, and the tokens held are a few
 * rows', not sixteen times the text (issue 15). Statement positions are unchanged: only whole rows and the comma
 * before them are dropped, never a statement's first or last token.
 */
final class ValuesRows {

    static final int MAX_SHAPES = 64;

    /** Parenthesis depth at which the list's rows open, or -1 outside a VALUES list. */
    private int depth = -1;
    /** Index in the statement's tokens of the current row's "(", or -1 between rows. */
    private int rowStart = -1;
    private final Set<String> shapes = new HashSet<>();

    /**
     * {@code tokens}' last element was just added; {@code parens} is the depth after it. May remove the
     * row it ends from {@code tokens}.
     */
    void added(List<Token> tokens, int parens) {
        int last = tokens.size() - 1;
        Token t = tokens.get(last);
        if (depth < 0) {
            if (t.isWord("values")) {
                depth = parens;
                shapes.clear();
            }
            return;
        }
        if (rowStart < 0) {
            Token before = tokens.get(last - 1);
            if (t.isPunct('(') && parens == depth + 1 && (before.isWord("values") || before.isPunct(','))) {
                rowStart = last;
            } else if (!(t.isPunct(',') && parens == depth)) {
                // The list ended (ON CONFLICT, RETURNING, ")", ORDER BY, …); a later VALUES starts a new one.
                depth = -1;
                added(tokens, parens);
            }
            return;
        }
        if (t.isPunct(')') && parens == depth) {
            int start = rowStart;
            rowStart = -1;
            String shape = shape(tokens, start, last);
            if (shapes.contains(shape) && tokens.get(start - 1).isPunct(',')) {
                tokens.subList(start - 1, last + 1).clear();
            } else if (shapes.size() < MAX_SHAPES) {
                shapes.add(shape);
            }
        } else if (parens <= depth) {
            // Unbalanced (a ")" the splitter clamped): stop folding this list.
            depth = -1;
            rowStart = -1;
        }
    }

    private static String shape(List<Token> tokens, int from, int to) {
        boolean numbersMatter = false;
        for (int k = from; k <= to; k++) {
            Token t = tokens.get(k);
            if (t.type() == Token.Type.WORD && t.text().contains("lo_open")) {
                numbersMatter = true;
                break;
            }
        }
        StringBuilder b = new StringBuilder();
        for (int k = from; k <= to; k++) {
            Token t = tokens.get(k);
            b.append((char) ('A' + t.type().ordinal()));
            boolean literal = t.type() == Token.Type.STRING || (t.type() == Token.Type.NUMBER && !numbersMatter);
            if (!literal) {
                b.append(t.text().length()).append(':').append(t.text());
            }
        }
        return b.toString();
    }
}
