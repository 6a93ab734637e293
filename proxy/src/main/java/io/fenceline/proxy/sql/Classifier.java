package io.fenceline.proxy.sql;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.calcite.sql.parser.SqlParseException;

/**
 * Gives one normalised statement its verdict. Utility, DDL, transaction and session statements are
 * classified from their leading key words without a parse; SELECT, INSERT, UPDATE, DELETE, MERGE,
 * WITH, VALUES and TABLE (also inside EXPLAIN, PREPARE, DECLARE and COPY) are parsed by Calcite.
 */
final class Classifier {

    private final List<Token> t;

    private Classifier(List<Token> tokens) {
        this.t = tokens;
    }

    static Verdict classify(List<Token> normalisedTokens) {
        if (normalisedTokens.isEmpty()) {
            return Verdict.of(StatementKind.SESSION);
        }
        for (Token token : normalisedTokens) {
            if (token.type() == Token.Type.ERROR) {
                return Verdict.notUnderstood("unterminated quote, comment or dollar quote");
            }
        }
        return new Classifier(normalisedTokens).at(0);
    }

    private Verdict at(int i) {
        if (i >= t.size()) {
            return Verdict.notUnderstood("statement expected");
        }
        Token first = t.get(i);
        if (first.isPunct('(')) {
            return parse(i, t.size());
        }
        if (first.type() != Token.Type.WORD) {
            return Verdict.notUnderstood("statement cannot start with " + first.text());
        }
        switch (first.text()) {
            case "select":
                return selectInto(i) >= 0 ? selectIntoVerdict(selectInto(i)) : parse(i, t.size());
            case "with": case "insert": case "update": case "delete": case "merge": case "values":
            case "table":
                return parse(i, t.size());
            case "begin": case "start": case "commit": case "end": case "rollback": case "abort":
            case "savepoint": case "release":
                return word(i + 1, "prepared") ? Verdict.of(StatementKind.WRITE)
                        : Verdict.of(StatementKind.TRANSACTION);
            case "set":
                if (word(i + 1, "transaction") || word(i + 1, "constraints")) {
                    return Verdict.of(StatementKind.TRANSACTION);
                }
                return Verdict.of(StatementKind.SESSION);
            case "reset": case "show": case "discard": case "listen": case "unlisten": case "notify":
            case "deallocate": case "close":
                return Verdict.of(StatementKind.SESSION);
            case "fetch": case "move":
                return Verdict.of(StatementKind.READ);
            case "explain":
                return explain(i + 1);
            case "prepare":
                return prepare(i + 1);
            case "declare":
                return declare(i + 1);
            case "copy":
                return copy(i + 1);
            case "create": case "alter": case "drop": case "comment": case "grant": case "revoke":
            case "security": case "refresh": case "import": case "reassign":
                return ddl(i);
            case "truncate":
                return names(StatementKind.WRITE, skip(i + 1, "table"), true);
            case "lock":
                return lock(i + 1);
            case "vacuum": case "analyze": case "analyse": case "cluster": case "reindex":
                return Verdict.of(StatementKind.WRITE);
            case "do": case "call": case "execute": case "checkpoint": case "load":
                return Verdict.of(StatementKind.OTHER);
            default:
                return Verdict.notUnderstood("unknown statement " + first.text().toUpperCase());
        }
    }

    private Verdict parse(int from, int to) {
        String text = from == 0 && to == t.size() ? Normaliser.render(t) : Normaliser.render(t.subList(from, to));
        try {
            return LargeObjects.openForReading(t.subList(from, to), TreeAnalyzer.analyze(CalciteParser.parse(text)));
        } catch (SqlParseException e) {
            String message = e.getMessage() == null ? "parse error" : e.getMessage();
            int nl = message.indexOf('\n');
            int first = from;
            while (first < to && t.get(first).isPunct('(')) {
                first++;
            }
            boolean readLike = first < to && (t.get(first).isWord("select") || t.get(first).isWord("values")
                    || t.get(first).isWord("table"));
            return Verdict.notUnderstood(readLike ? StatementKind.READ : StatementKind.OTHER,
                    nl > 0 ? message.substring(0, nl) : message);
        } catch (StackOverflowError e) {
            return Verdict.notUnderstood("statement nested too deeply to analyse (" + text.length()
                    + " characters)");
        } catch (RuntimeException e) {
            // A tree shape the analysis does not expect: fail closed rather than guess.
            return Verdict.notUnderstood("unexpected parse tree: " + e);
        }
    }

    /** EXPLAIN [ANALYZE] [VERBOSE] [(options)] statement: ANALYZE executes the statement. */
    private Verdict explain(int i) {
        boolean analyze = false;
        if (i < t.size() && t.get(i).isPunct('(')) {
            int depth = 0;
            for (; i < t.size(); i++) {
                Token x = t.get(i);
                if (x.isPunct('(')) {
                    depth++;
                } else if (x.isPunct(')')) {
                    depth--;
                    if (depth == 0) {
                        i++;
                        break;
                    }
                } else if (x.isWord("analyze") || x.isWord("analyse")) {
                    Token v = i + 1 < t.size() ? t.get(i + 1) : null;
                    boolean off = v != null && (v.isWord("false") || v.isWord("off"));
                    analyze |= !off;
                }
            }
        } else {
            while (i < t.size() && (word(i, "analyze") || word(i, "analyse") || word(i, "verbose"))) {
                analyze |= !word(i, "verbose");
                i++;
            }
        }
        Verdict inner = at(i);
        if (analyze || !inner.understood()) {
            return inner;
        }
        Set<TableName> all = new LinkedHashSet<>(inner.tablesRead());
        all.addAll(inner.tablesWritten());
        return new Verdict(StatementKind.READ, all, Set.of(), inner.columns(), Set.of(), true, "");
    }

    /**
     * PREPARE name [(types)] AS statement: preparing runs nothing (SESSION), but the verdict carries
     * the prepared statement's references for the schema policies. Its later {@code EXECUTE} is
     * {@link StatementKind#OTHER}, so a prepared write cannot slip through as a read.
     */
    private Verdict prepare(int i) {
        if (word(i, "transaction")) {
            return Verdict.of(StatementKind.TRANSACTION);
        }
        int as = findWord(i, "as");
        if (as < 0) {
            return Verdict.notUnderstood("PREPARE without AS");
        }
        Verdict inner = at(as + 1);
        if (!inner.understood()) {
            return inner;
        }
        return new Verdict(StatementKind.SESSION, inner.tablesRead(), inner.tablesWritten(),
                inner.columns(), inner.functions(), true, "");
    }

    /** DECLARE name … CURSOR … FOR query. */
    private Verdict declare(int i) {
        int cursor = findWord(i, "cursor");
        int f = cursor < 0 ? -1 : findWord(cursor, "for");
        if (f < 0) {
            f = cursor < 0 ? -1 : findWord(cursor, "for_locking");
        }
        return f < 0 ? Verdict.notUnderstood("DECLARE without CURSOR … FOR") : at(f + 1);
    }

    /** COPY table [(cols)] FROM … writes; COPY table TO … and COPY (query) TO … read. */
    private Verdict copy(int i) {
        if (i < t.size() && t.get(i).isPunct('(')) {
            int close = matching(i);
            if (close < 0) {
                return Verdict.notUnderstood("COPY with unbalanced parentheses");
            }
            Verdict inner = parse(i + 1, close);
            if (!inner.understood()) {
                return inner;
            }
            return new Verdict(inner.kind() == StatementKind.READ ? StatementKind.READ : inner.kind(),
                    inner.tablesRead(), inner.tablesWritten(), inner.columns(), inner.functions(), true, "");
        }
        int[] next = {i};
        TableName table = name(next);
        if (table == null) {
            return Verdict.notUnderstood("COPY without a table");
        }
        int j = next[0];
        if (j < t.size() && t.get(j).isPunct('(')) {
            j = matching(j) + 1;
            if (j == 0) {
                return Verdict.notUnderstood("COPY with unbalanced parentheses");
            }
        }
        if (word(j, "from")) {
            return new Verdict(StatementKind.WRITE, Set.of(), Set.of(table), Map.of(), Set.of(), true, "");
        }
        if (word(j, "to")) {
            return new Verdict(StatementKind.READ, Set.of(table), Set.of(), Map.of(), Set.of(), true, "");
        }
        return Verdict.notUnderstood("COPY without FROM or TO");
    }

    /** LOCK [TABLE] names [IN mode MODE] [NOWAIT]: modes above ROW EXCLUSIVE need a writable
     * transaction in PostgreSQL, so they count as writes. */
    private Verdict lock(int i) {
        int in = findWord(i, "in");
        boolean weak = in >= 0 && (word(in + 1, "access") && word(in + 2, "share")
                || word(in + 1, "row") && (word(in + 2, "share") || word(in + 2, "exclusive")));
        return names(weak ? StatementKind.READ : StatementKind.WRITE, skip(i, "table"), !weak);
    }

    /** CREATE/ALTER/DROP/COMMENT/GRANT/…: DDL; the affected table is named where easy to see. */
    private Verdict ddl(int i) {
        String verb = t.get(i).text();
        int j = i + 1;
        if (verb.equals("create")) {
            j = skip(j, "or", "replace");
            j = skip(j, "temp");
            j = skip(j, "temporary");
            j = skip(j, "unlogged");
            j = skip(j, "global");
            j = skip(j, "local");
            j = skip(j, "recursive");
            j = skip(j, "materialized");
            j = skip(j, "foreign");
            if (word(j, "table") || word(j, "view") || word(j, "sequence")) {
                return names(StatementKind.DDL, skip(j + 1, "if", "not", "exists"), true, true);
            }
            if (word(j, "unique")) {
                j++;
            }
            if (word(j, "index") || word(j, "trigger") || word(j, "policy") || word(j, "rule")) {
                int on = findWord(j, "on");
                return on < 0 ? Verdict.of(StatementKind.DDL) : names(StatementKind.DDL, on + 1, true, true);
            }
            return Verdict.of(StatementKind.DDL);
        }
        if (verb.equals("alter") || verb.equals("drop")) {
            j = skip(j, "materialized");
            j = skip(j, "foreign");
            if (word(j, "table") || word(j, "view") || word(j, "sequence")) {
                j = skip(j + 1, "if", "exists");
                return names(StatementKind.DDL, j, true, verb.equals("alter"));
            }
        }
        return Verdict.of(StatementKind.DDL);
    }

    /** SELECT … INTO [TEMP|UNLOGGED] [TABLE] name …: creates a table. */
    private int selectInto(int i) {
        int depth = 0;
        for (int k = i; k < t.size(); k++) {
            Token x = t.get(k);
            if (x.isPunct('(')) {
                depth++;
            } else if (x.isPunct(')')) {
                depth--;
            } else if (depth == 0 && x.isWord("into")) {
                return k;
            } else if (depth == 0 && (x.isWord("from") || x.isWord("union"))) {
                return -1;
            }
        }
        return -1;
    }

    private Verdict selectIntoVerdict(int into) {
        int j = into + 1;
        for (String w : new String[] {"temporary", "temp", "unlogged", "table"}) {
            j = skip(j, w);
        }
        int[] next = {j};
        TableName table = name(next);
        Set<TableName> written = table == null ? Set.of() : Set.of(table);
        return new Verdict(StatementKind.DDL, Set.of(), written, Map.of(), Set.of(), true, "");
    }

    /** A verdict naming the comma-separated table list starting at {@code i}. */
    private Verdict names(StatementKind kind, int i, boolean written) {
        return names(kind, i, written, false);
    }

    private Verdict names(StatementKind kind, int i, boolean written, boolean firstOnly) {
        List<TableName> list = new ArrayList<>();
        int[] next = {i};
        TableName n;
        while ((n = name(next)) != null) {
            list.add(n);
            if (firstOnly || !(next[0] < t.size() && t.get(next[0]).isPunct(','))) {
                break;
            }
            next[0]++;
        }
        Set<TableName> set = Set.copyOf(list);
        return written
                ? new Verdict(kind, Set.of(), set, Map.of(), Set.of(), true, "")
                : new Verdict(kind, set, Set.of(), Map.of(), Set.of(), true, "");
    }

    /** Reads name[.name[.name]] at next[0]; advances next[0]. Null when no name is there. */
    private TableName name(int[] next) {
        int k = next[0];
        List<String> parts = new ArrayList<>(3);
        while (k < t.size() && isName(t.get(k))) {
            parts.add(t.get(k).text());
            k++;
            if (k < t.size() && t.get(k).isPunct('.')) {
                k++;
            } else {
                break;
            }
        }
        if (parts.isEmpty()) {
            return null;
        }
        next[0] = k;
        int size = parts.size();
        return size == 1 ? TableName.of(parts.get(0)) : TableName.of(parts.get(size - 2), parts.get(size - 1));
    }

    private static boolean isName(Token x) {
        return x.type() == Token.Type.WORD || x.type() == Token.Type.QUOTED_IDENTIFIER;
    }

    private boolean word(int i, String w) {
        return i < t.size() && t.get(i).isWord(w);
    }

    /** Skips the word sequence if it is at {@code i}. */
    private int skip(int i, String... words) {
        for (int k = 0; k < words.length; k++) {
            if (!word(i + k, words[k])) {
                return i;
            }
        }
        return i + words.length;
    }

    /** Index of the first {@code w} at parenthesis depth 0 from {@code i}, or -1. */
    private int findWord(int i, String w) {
        int depth = 0;
        for (int k = i; k < t.size(); k++) {
            Token x = t.get(k);
            if (x.isPunct('(')) {
                depth++;
            } else if (x.isPunct(')')) {
                depth--;
            } else if (depth == 0 && x.isWord(w)) {
                return k;
            }
        }
        return -1;
    }

    private int matching(int open) {
        int depth = 0;
        for (int k = open; k < t.size(); k++) {
            if (t.get(k).isPunct('(')) {
                depth++;
            } else if (t.get(k).isPunct(')')) {
                depth--;
                if (depth == 0) {
                    return k;
                }
            }
        }
        return -1;
    }
}
