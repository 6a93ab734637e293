package io.fenceline.proxy.sql;

/**
 * One lexical token of PostgreSQL SQL text, as {@link Lexer} produces it.
 *
 * @param type  what kind of token
 * @param text  for {@link Type#WORD} the lower-cased word; for {@link Type#QUOTED_IDENTIFIER} the
 *              identifier with quotes removed and doubled quotes undone; for operators and
 *              punctuation the characters; for literals the source text
 * @param start offset of the first character in the source text
 * @param end   offset after the last character
 */
record Token(Type type, String text, int start, int end) {

    /** Token classes, following PostgreSQL's lexer ({@code scan.l}) closely enough for inspection. */
    enum Type {
        /** Unquoted identifier or key word, lower-cased as PostgreSQL folds it. */
        WORD,
        /** {@code "Identifier"} or {@code U&"…"}. */
        QUOTED_IDENTIFIER,
        /** {@code '…'}, {@code E'…'}, {@code B'…'}, {@code X'…'}, {@code N'…'}, {@code U&'…'}, {@code $tag$…$tag$}. */
        STRING,
        /** Integer or decimal constant. */
        NUMBER,
        /** {@code $1}, {@code $2}, … */
        PARAMETER,
        /** An operator: a run of {@code + - * / < > = ~ ! @ # % ^ & | ` ?}, or {@code ::}. */
        OPERATOR,
        /** One of {@code ( ) [ ] , ; . :}. */
        PUNCTUATION,
        /** Text the lexer could not read (unterminated quote or comment). */
        ERROR
    }

    boolean is(Type t, String s) {
        return type == t && text.equals(s);
    }

    boolean isWord(String s) {
        return type == Type.WORD && text.equals(s);
    }

    boolean isPunct(char c) {
        return type == Type.PUNCTUATION && text.length() == 1 && text.charAt(0) == c;
    }
}
