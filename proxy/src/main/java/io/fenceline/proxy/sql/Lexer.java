package io.fenceline.proxy.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A single-pass PostgreSQL lexer: quotes, escape strings, dollar quotes, nested block comments,
 * positional parameters and PostgreSQL's operator rules. It never throws: text it cannot finish
 * (an unterminated quote or comment) becomes one {@link Token.Type#ERROR} token reaching the end.
 *
 * <p>It is the cheap pass every statement goes through (splitting, normalising, classifying);
 * only statements that need it are also parsed by Calcite.
 */
final class Lexer {

    private static final String OPERATOR_CHARS = "+-*/<>=~!@#%^&|`?";
    private static final String NON_TRAILING_SIGN_CHARS = "~!@#%^&|`?";

    private final String s;
    private final int end;
    private int i;
    /** {@code standard_conforming_strings = off}: backslashes escape in plain {@code '…'} strings too. */
    private final boolean backslashInPlainStrings;

    private Lexer(String s, int start, int end) {
        this(s, start, end, false);
    }

    private Lexer(String s, int start, int end, boolean backslashInPlainStrings) {
        this.s = s;
        this.i = start;
        this.end = end;
        this.backslashInPlainStrings = backslashInPlainStrings;
    }

    /** All tokens of {@code text} lexed as the server does with {@code standard_conforming_strings = off}. */
    static List<Token> nonStandardTokens(String text) {
        Lexer lexer = new Lexer(text, 0, text.length(), true);
        List<Token> out = new ArrayList<>();
        Token t;
        while ((t = lexer.next()) != null) {
            out.add(t);
        }
        return out;
    }

    /** A lexer over the whole of {@code text}, for a caller that takes its tokens one by one ({@link #next()}). */
    static Lexer over(String text) {
        return new Lexer(text, 0, text.length());
    }

    /** All tokens of {@code text}, comments and white space dropped. */
    static List<Token> tokens(String text) {
        return tokens(text, 0, text.length());
    }

    static List<Token> tokens(String text, int start, int end) {
        Lexer lexer = new Lexer(text, start, end);
        List<Token> out = new ArrayList<>();
        Token t;
        while ((t = lexer.next()) != null) {
            out.add(t);
        }
        return out;
    }

    /** The next token, or null at the end of the text. */
    Token next() {
        skipSpaceAndComments();
        if (i >= end) {
            return null;
        }
        int start = i;
        if (s.startsWith("/*", i)) {
            return error(start);
        }
        char c = s.charAt(i);
        char n = i + 1 < end ? s.charAt(i + 1) : '\0';
        if (c == '\'') {
            return string(start, i, backslashInPlainStrings);
        }
        if ((c == 'e' || c == 'E') && n == '\'') {
            return string(start, i + 1, true);
        }
        if ((c == 'b' || c == 'B' || c == 'x' || c == 'X') && n == '\'') {
            return string(start, i + 1, false);
        }
        if ((c == 'n' || c == 'N') && n == '\'') {
            return string(start, i + 1, backslashInPlainStrings);
        }
        if ((c == 'u' || c == 'U') && n == '&' && i + 2 < end) {
            char q = s.charAt(i + 2);
            if (q == '\'') {
                return string(start, i + 2, backslashInPlainStrings);
            }
            if (q == '"') {
                return quotedIdentifier(start, i + 2);
            }
        }
        if (c == '"') {
            return quotedIdentifier(start, i);
        }
        if (c == '$') {
            return dollar(start);
        }
        if (isDigit(c) || (c == '.' && isDigit(n))) {
            return number(start);
        }
        if (isIdentStart(c)) {
            i++;
            while (i < end && isIdentPart(s.charAt(i))) {
                i++;
            }
            return new Token(Token.Type.WORD, s.substring(start, i).toLowerCase(Locale.ROOT), start, i);
        }
        if (c == ':' && n == ':') {
            i += 2;
            return new Token(Token.Type.OPERATOR, "::", start, i);
        }
        if ("()[],;.:".indexOf(c) >= 0) {
            i++;
            return new Token(Token.Type.PUNCTUATION, String.valueOf(c), start, i);
        }
        if (OPERATOR_CHARS.indexOf(c) >= 0) {
            return operator(start);
        }
        i++;
        return new Token(Token.Type.OPERATOR, String.valueOf(c), start, i);
    }

    private void skipSpaceAndComments() {
        while (i < end) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '-' && i + 1 < end && s.charAt(i + 1) == '-') {
                while (i < end && s.charAt(i) != '\n' && s.charAt(i) != '\r') {
                    i++;
                }
            } else if (c == '/' && i + 1 < end && s.charAt(i + 1) == '*') {
                int depth = 0;
                int start = i;
                while (i < end) {
                    if (s.startsWith("/*", i)) {
                        depth++;
                        i += 2;
                    } else if (s.startsWith("*/", i)) {
                        depth--;
                        i += 2;
                        if (depth == 0) {
                            break;
                        }
                    } else {
                        i++;
                    }
                }
                if (depth != 0) {
                    // Unterminated comment: leave it for next() to report as an error token.
                    i = start;
                    return;
                }
            } else {
                return;
            }
        }
    }

    /** A string whose opening quote is at {@code quote}; backslash escapes when {@code escapes}. */
    private Token string(int start, int quote, boolean escapes) {
        i = quote + 1;
        while (i < end) {
            char c = s.charAt(i);
            if (escapes && c == '\\') {
                i += 2;
            } else if (c == '\'') {
                if (i + 1 < end && s.charAt(i + 1) == '\'') {
                    i += 2;
                } else {
                    i++;
                    return new Token(Token.Type.STRING, s.substring(start, i), start, i);
                }
            } else {
                i++;
            }
        }
        return error(start);
    }

    private Token quotedIdentifier(int start, int quote) {
        StringBuilder name = new StringBuilder();
        i = quote + 1;
        while (i < end) {
            char c = s.charAt(i);
            if (c == '"') {
                if (i + 1 < end && s.charAt(i + 1) == '"') {
                    name.append('"');
                    i += 2;
                } else {
                    i++;
                    return new Token(Token.Type.QUOTED_IDENTIFIER, name.toString(), start, i);
                }
            } else {
                name.append(c);
                i++;
            }
        }
        return error(start);
    }

    /** {@code $1} or {@code $tag$ … $tag$}; a lone {@code $} is an operator-like error. */
    private Token dollar(int start) {
        int j = start + 1;
        if (j < end && isDigit(s.charAt(j))) {
            while (j < end && isDigit(s.charAt(j))) {
                j++;
            }
            i = j;
            return new Token(Token.Type.PARAMETER, s.substring(start, j), start, j);
        }
        while (j < end && isDollarTagPart(s.charAt(j))) {
            j++;
        }
        if (j < end && s.charAt(j) == '$' && (j == start + 1 || !isDigit(s.charAt(start + 1)))) {
            String tag = s.substring(start, j + 1);
            int close = s.indexOf(tag, j + 1);
            if (close < 0 || close + tag.length() > end) {
                return error(start);
            }
            i = close + tag.length();
            return new Token(Token.Type.STRING, s.substring(start, i), start, i);
        }
        i = start + 1;
        return new Token(Token.Type.ERROR, "$", start, i);
    }

    private Token number(int start) {
        while (i < end && isDigit(s.charAt(i))) {
            i++;
        }
        if (i < end && s.charAt(i) == '.' && !(i + 1 < end && s.charAt(i + 1) == '.')) {
            i++;
            while (i < end && isDigit(s.charAt(i))) {
                i++;
            }
        }
        if (i < end && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            int j = i + 1;
            if (j < end && (s.charAt(j) == '+' || s.charAt(j) == '-')) {
                j++;
            }
            if (j < end && isDigit(s.charAt(j))) {
                i = j;
                while (i < end && isDigit(s.charAt(i))) {
                    i++;
                }
            }
        }
        return new Token(Token.Type.NUMBER, s.substring(start, i), start, i);
    }

    /** PostgreSQL's rule: the longest run of operator characters, cut before a comment start; a
     * multi-character operator may end in + or - only if it contains one of ~ ! @ # % ^ & | ` ?. */
    private Token operator(int start) {
        int j = start;
        while (j < end && OPERATOR_CHARS.indexOf(s.charAt(j)) >= 0) {
            if (j > start && (s.startsWith("--", j) || s.startsWith("/*", j))) {
                break;
            }
            j++;
        }
        int len = j - start;
        if (len > 1) {
            boolean special = false;
            for (int k = start; k < j; k++) {
                if (NON_TRAILING_SIGN_CHARS.indexOf(s.charAt(k)) >= 0) {
                    special = true;
                    break;
                }
            }
            if (!special) {
                while (j - start > 1 && (s.charAt(j - 1) == '+' || s.charAt(j - 1) == '-')) {
                    j--;
                }
            }
        }
        i = j;
        return new Token(Token.Type.OPERATOR, s.substring(start, j), start, j);
    }

    private Token error(int start) {
        i = end;
        return new Token(Token.Type.ERROR, s.substring(start, end), start, end);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isIdentStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
    }

    private static boolean isIdentPart(char c) {
        return isIdentStart(c) || isDigit(c) || c == '$';
    }

    private static boolean isDollarTagPart(char c) {
        return isIdentStart(c) || isDigit(c);
    }
}
