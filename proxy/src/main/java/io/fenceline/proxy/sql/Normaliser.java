package io.fenceline.proxy.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Turns one statement's tokens into its normalised form: the cache key of the shared verdict cache
 * and the text Calcite parses.
 *
 * <p>Normalising never changes which tables, columns, functions or statement kind the text means;
 * it only erases what cannot matter to a verdict, so that statements differing in those details
 * share one cache entry and one parse:
 * <ul>
 *   <li>every string constant (any quoting: {@code '…'}, {@code E'…'}, {@code $tag$…$tag$}, …)
 *       becomes {@code '?'}, every number {@code 0}, every {@code $n} parameter {@code ?};
 *       typed literals ({@code date '…'}, {@code interval '…'}) become the bare string;</li>
 *   <li>unquoted words are lower-cased (PostgreSQL folds them too), quoted identifiers kept,
 *       comments dropped, white space reduced to single spaces;</li>
 *   <li>PostgreSQL-only spellings that do not affect references are mapped onto ones Calcite's
 *       grammar has: operators Calcite lacks ({@code ->>}, {@code @>}, {@code &&}, …, also
 *       {@code OPERATOR(pg_catalog.~)}) become {@code ||} with the same operands, {@code COLLATE x}
 *       and {@code ONLY} before a table name are dropped, empty array brackets in type names
 *       ({@code text[]}) are dropped, {@code current_schema()} loses its parentheses,
 *       {@code DISTINCT ON (a, b)} becomes {@code DISTINCT a, b,}, the {@code FOR} of a row
 *       locking clause becomes {@code for_locking} (the grammar's unambiguous spelling), and the
 *       parts of a qualified name are quoted (folded already), since {@code a.at} or
 *       {@code pg_catalog.count} name columns and functions, never key words.</li>
 * </ul>
 * It costs one lexer pass and one string build, much less than a parse.
 */
final class Normaliser {

    /** Operators Calcite's grammar (with POSIX operators and Babel conformance) knows. */
    private static final Set<String> CALCITE_OPERATORS = Set.of(
            "=", "<", ">", "<=", ">=", "<>", "!=", "+", "-", "*", "/", "%", "||",
            "~", "~*", "!~", "!~*", "::");

    /** Type names PostgreSQL accepts in front of a string constant ({@code integer '7'}). */
    private static final Set<String> TYPED_LITERAL_WORDS = Set.of(
            "date", "time", "timestamp", "timestamptz", "timetz", "interval", "integer", "int", "int2",
            "int4", "int8", "bigint", "smallint", "numeric", "decimal", "real", "float4", "float8", "text",
            "varchar", "bool", "boolean", "bytea", "json", "jsonb", "uuid", "inet", "cidr", "macaddr",
            "point", "line", "lseg", "box", "path", "polygon", "circle", "tsvector", "tsquery", "money",
            "xml", "oid", "regclass", "regtype", "regproc", "name", "char", "bpchar");

    /** Key words after which "-" or "+" can only be a sign. */
    private static final Set<String> SIGN_CONTEXT_WORDS = Set.of(
            "select", "where", "and", "or", "not", "then", "else", "when", "values", "by", "set",
            "limit", "offset", "between", "in", "is", "return", "returning", "case", "having", "on");

    /** Words that can follow an alias (so the word before them is a name, not a key word). */
    private static final Set<String> ALIAS_FOLLOWERS = Set.of(
            "on", "where", "join", "left", "right", "inner", "full", "cross", "natural", "group", "order",
            "limit", "union", "having", "window", "using", "returning", "set", "offset", "fetch", "except",
            "intersect", "from", "for", "for_locking");

    /** Words Calcite reserves that PostgreSQL lets schemas use as plain names. */
    private static final Set<String> CALCITE_ONLY_KEY_WORDS = Set.of(
            "result", "cardinality", "member", "element", "percent", "period", "search", "method",
            "module", "scope", "language");

    /** Normalised statement: the key/parse text and the rewritten tokens. */
    record Normalised(String text, List<Token> tokens) { }

    private Normaliser() {
    }

    static Normalised normalise(List<Token> in) {
        List<Token> out = new ArrayList<>(in.size());
        int n = in.size();
        for (int k = 0; k < n; k++) {
            Token t = in.get(k);
            Token next = k + 1 < n ? in.get(k + 1) : null;
            switch (t.type()) {
                case STRING -> {
                    Token prev = out.isEmpty() ? null : out.get(out.size() - 1);
                    if (prev != null && prev.type() == Token.Type.WORD
                            && TYPED_LITERAL_WORDS.contains(prev.text())
                            && !(out.size() >= 2 && out.get(out.size() - 2).is(Token.Type.OPERATOR, "::"))) {
                        out.remove(out.size() - 1);
                    }
                    out.add(with(t, "'?'"));
                }
                case NUMBER -> {
                    // A sign belongs to the constant when it follows an operator, "(", "," or a
                    // key word: "+ -1234" and "+ 77" normalise alike.
                    Token prev = out.isEmpty() ? null : out.get(out.size() - 1);
                    boolean signed = false;
                    if (prev != null && (prev.is(Token.Type.OPERATOR, "-") || prev.is(Token.Type.OPERATOR, "+"))) {
                        Token before = out.size() >= 2 ? out.get(out.size() - 2) : null;
                        if (before == null || before.type() == Token.Type.OPERATOR || before.isPunct('(')
                                || before.isPunct(',') || (before.type() == Token.Type.WORD
                                && SIGN_CONTEXT_WORDS.contains(before.text()))) {
                            out.remove(out.size() - 1);
                            signed = true;
                        }
                    }
                    // lo_open's mode decides whether it writes (LargeObjects): a writing mode keeps a spelling
                    // of its own, so reading and writing opens do not share a cached verdict.
                    out.add(with(t, LargeObjects.isOpenMode(out, next)
                            ? LargeObjects.openModeText(t.text(), signed) : "0"));
                }
                case PARAMETER -> out.add(with(t, "?"));
                case OPERATOR -> out.add(CALCITE_OPERATORS.contains(t.text()) ? t : with(t, "||"));
                case WORD -> {
                    Token prev = out.isEmpty() ? null : out.get(out.size() - 1);
                    if ((prev != null && prev.isPunct('.')) || (next != null && next.isPunct('.'))) {
                        // A name part of a qualified name is never a key word in PostgreSQL
                        // (a1_0.at, pg_catalog.count, result.table_cat): quote it for Calcite.
                        out.add(new Token(Token.Type.QUOTED_IDENTIFIER, t.text(), t.start(), t.end()));
                    } else if (t.text().equals("interval") && prev != null && prev.is(Token.Type.OPERATOR, "::")) {
                        // Calcite's grammar has no "::interval" (an interval type needs its qualifier there); a
                        // type name refers to no table or column, so it is quoted as a type name Calcite accepts.
                        out.add(new Token(Token.Type.QUOTED_IDENTIFIER, t.text(), t.start(), t.end()));
                    } else {
                        k = word(in, k, out);
                    }
                }
                case PUNCTUATION -> {
                    if (t.isPunct('[') && next != null && next.isPunct(']')) {
                        k++;
                    } else {
                        out.add(t);
                    }
                }
                default -> out.add(t);
            }
        }
        return new Normalised(render(out), out);
    }

    /** Rewrites at a word; returns the index of the last input token consumed. */
    private static int word(List<Token> in, int k, List<Token> out) {
        Token t = in.get(k);
        int n = in.size();
        Token next = k + 1 < n ? in.get(k + 1) : null;
        switch (t.text()) {
            case "operator" -> {
                // OPERATOR(schema.op) -> the operator itself
                if (next != null && next.isPunct('(')) {
                    int close = k + 2;
                    while (close < n && !in.get(close).isPunct(')')) {
                        close++;
                    }
                    if (close < n && in.get(close - 1).type() == Token.Type.OPERATOR) {
                        Token op = in.get(close - 1);
                        out.add(CALCITE_OPERATORS.contains(op.text()) ? op : with(op, "||"));
                        return close;
                    }
                }
                out.add(t);
                return k;
            }
            case "collate" -> {
                int j = k + 1;
                while (j < n && isName(in.get(j))) {
                    if (j + 1 < n && in.get(j + 1).isPunct('.')) {
                        j += 2;
                    } else {
                        return j;
                    }
                }
                out.add(t);
                return k;
            }
            case "only" -> {
                Token prev = out.isEmpty() ? null : out.get(out.size() - 1);
                boolean fetchOnly = prev != null && (prev.isWord("rows") || prev.isWord("row"));
                if (!fetchOnly && next != null && isName(next)) {
                    return k;
                }
                out.add(t);
                return k;
            }
            case "of" -> {
                // OF before a name belongs to FOR UPDATE OF / CURRENT OF; otherwise it is an alias.
                boolean alias = next == null || !isName(next) || ALIAS_FOLLOWERS.contains(next.text());
                out.add(alias ? new Token(Token.Type.QUOTED_IDENTIFIER, t.text(), t.start(), t.end()) : t);
                return k;
            }
            case "with" -> {
                // "f(x) WITH ORDINALITY" and "FETCH FIRST n ROWS WITH TIES" do not change references.
                Token prev = out.isEmpty() ? null : out.get(out.size() - 1);
                if (next != null && next.isWord("ties")) {
                    out.add(new Token(Token.Type.WORD, "only", t.start(), next.end()));
                    return k + 1;
                }
                if (next != null && next.isWord("ordinality") && prev != null && prev.isPunct(')')) {
                    return k + 1;
                }
                out.add(t);
                return k;
            }
            case "current_schema" -> {
                out.add(t);
                if (next != null && next.isPunct('(') && k + 2 < n && in.get(k + 2).isPunct(')')) {
                    return k + 2;
                }
                return k;
            }
            case "distinct" -> {
                out.add(t);
                if (next != null && next.isWord("on") && k + 2 < n && in.get(k + 2).isPunct('(')) {
                    int depth = 0;
                    int j = k + 2;
                    for (; j < n; j++) {
                        Token u = in.get(j);
                        if (u.isPunct('(')) {
                            depth++;
                            if (depth == 1) {
                                continue;
                            }
                        } else if (u.isPunct(')')) {
                            depth--;
                            if (depth == 0) {
                                break;
                            }
                        }
                        if (depth >= 1) {
                            out.add(normaliseSimple(u));
                        }
                    }
                    out.add(new Token(Token.Type.PUNCTUATION, ",", t.start(), t.end()));
                    return j;
                }
                return k;
            }
            case "for" -> {
                if (next != null && (next.isWord("update") || next.isWord("share")
                        || next.isWord("no") || (next.isWord("key") && k + 2 < n && in.get(k + 2).isWord("share")))) {
                    out.add(with(t, "for_locking"));
                    return k;
                }
                out.add(t);
                return k;
            }
            case "at" -> {
                // "x AT TIME ZONE z": an operator over x and z as far as references go.
                if (next != null && next.isWord("time") && k + 2 < n && in.get(k + 2).isWord("zone")) {
                    out.add(new Token(Token.Type.OPERATOR, "||", t.start(), in.get(k + 2).end()));
                    return k + 2;
                }
                out.add(new Token(Token.Type.QUOTED_IDENTIFIER, t.text(), t.start(), t.end()));
                return k;
            }
            default -> {
                if (CALCITE_ONLY_KEY_WORDS.contains(t.text()) && (next == null || !next.isPunct('('))) {
                    // Reserved by Calcite, an ordinary name in PostgreSQL ("at", "result", …).
                    out.add(new Token(Token.Type.QUOTED_IDENTIFIER, t.text(), t.start(), t.end()));
                    return k;
                }
                Token prev = out.isEmpty() ? null : out.get(out.size() - 1);
                if (prev != null && prev.isWord("as") && (next == null || next.isPunct(',')
                        || next.isPunct(')') || ALIAS_FOLLOWERS.contains(next.text()))) {
                    // "… AS result," / "… AS cardinality FROM": an alias, whatever Calcite reserves.
                    out.add(new Token(Token.Type.QUOTED_IDENTIFIER, t.text(), t.start(), t.end()));
                } else {
                    out.add(t);
                }
                return k;
            }
        }
    }

    /** The literal/parameter/operator replacements alone, for tokens copied inside a rewrite. */
    private static Token normaliseSimple(Token t) {
        return switch (t.type()) {
            case STRING -> with(t, "'?'");
            case NUMBER -> with(t, "0");
            case PARAMETER -> with(t, "?");
            case OPERATOR -> CALCITE_OPERATORS.contains(t.text()) ? t : with(t, "||");
            default -> t;
        };
    }

    private static boolean isName(Token t) {
        return t.type() == Token.Type.WORD || t.type() == Token.Type.QUOTED_IDENTIFIER;
    }

    private static Token with(Token t, String text) {
        return new Token(t.type(), text, t.start(), t.end());
    }

    static String render(List<Token> tokens) {
        StringBuilder b = new StringBuilder(tokens.size() * 6);
        for (Token t : tokens) {
            if (b.length() > 0) {
                b.append(' ');
            }
            if (t.type() == Token.Type.QUOTED_IDENTIFIER) {
                b.append('"').append(t.text().replace("\"", "\"\"")).append('"');
            } else {
                b.append(t.text());
            }
        }
        return b.toString();
    }
}
