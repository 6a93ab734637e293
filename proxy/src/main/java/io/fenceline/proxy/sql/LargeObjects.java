package io.fenceline.proxy.sql;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * What PostgreSQL's large-object functions do, for the two ways a client calls them: by name in SQL, and by
 * {@code pg_proc} OID in a fast-path FunctionCall (libpq's {@code lo_*}, psql's {@code \lo_import} and {@code
 * \lo_export}, pgJDBC's {@code LargeObjectManager}).
 *
 * <p>Why it matters: PostgreSQL 15 runs every large-object writer ({@code lo_create}, {@code lo_creat}, {@code
 * lo_from_bytea}, {@code lo_import}, {@code lo_put}, {@code lowrite}, {@code lo_truncate}, {@code lo_unlink},
 * {@code lo_open} for writing) inside a read-only transaction and commits it (checked by hand and by {@code
 * LargeObjectFenceIT}), so a session read-only at the server does not stop them; the proxy must. Reading ({@code
 * lo_open} with {@code INV_READ} only, {@code loread}, {@code lo_lseek}, {@code lo_tell}, {@code lo_close},
 * {@code lo_get}) is what a hot standby allows, and is a read here too: a descriptor opened for reading
 * cannot be written ({@code lowrite} and {@code lo_truncate} refuse it: "not opened for writing").
 *
 * <p>The OIDs are PostgreSQL's fixed ones ({@code pg_proc.dat}, unchanged from 9.x to 17). An OID not listed
 * here is not understood: a possible write, as every FunctionCall was before.
 */
public final class LargeObjects {

    /** {@code INV_WRITE} of {@code libpq/libpq-fs.h}: the mode bit that opens a descriptor for writing. */
    public static final int INV_WRITE = 0x20000;
    /** {@code INV_READ}. */
    public static final int INV_READ = 0x40000;

    /** {@code lo_open(oid, integer)}: a read or a write by its mode. */
    public static final int LO_OPEN = 952;

    /** Functions by OID that only read (or only move a descriptor), with their names. */
    static final Map<Integer, String> READERS = Map.of(
            953, "lo_close", 954, "loread", 956, "lo_lseek", 958, "lo_tell", 3170, "lo_lseek64",
            3171, "lo_tell64", 3458, "lo_get", 3459, "lo_get");

    /** Functions by OID that create, change or remove large objects, with their names. */
    static final Map<Integer, String> WRITERS = Map.ofEntries(
            Map.entry(715, "lo_create"), Map.entry(764, "lo_import"), Map.entry(767, "lo_import"),
            Map.entry(955, "lowrite"), Map.entry(957, "lo_creat"), Map.entry(964, "lo_unlink"),
            Map.entry(1004, "lo_truncate"), Map.entry(3172, "lo_truncate64"), Map.entry(3457, "lo_from_bytea"),
            Map.entry(3460, "lo_put"));

    /**
     * The normalised spelling of an {@code lo_open} mode constant that opens for writing ({@link Normaliser}
     * writes every other number as {@code 0}), so that reading and writing opens get different cache entries.
     */
    static final String WRITING_MODE = Integer.toString(INV_WRITE);

    private LargeObjects() {
    }

    /**
     * The verdict of a FunctionCall of {@code functionOid}; {@code openMode} is the second argument when it is an
     * {@code int4} (only {@code lo_open} looks at it). Large-object readers are reads, writers and {@code lo_open}
     * with {@link #INV_WRITE} (or a mode it cannot read) writes, anything else not understood.
     */
    public static Verdict functionCall(int functionOid, OptionalInt openMode) {
        String reader = READERS.get(functionOid);
        if (reader != null) {
            return read(reader);
        }
        String writer = WRITERS.get(functionOid);
        if (writer != null) {
            return write(writer);
        }
        if (functionOid == LO_OPEN) {
            return openMode.isPresent() && (openMode.getAsInt() & INV_WRITE) == 0 ? read("lo_open") : write("lo_open");
        }
        return Verdict.unknown("FunctionCall of function OID " + Integer.toUnsignedString(functionOid)
                + " (not a large-object function the proxy knows)");
    }

    private static Verdict read(String name) {
        return new Verdict(StatementKind.READ, Set.of(), Set.of(), Map.of(), Set.of(name), true, "");
    }

    private static Verdict write(String name) {
        return new Verdict(StatementKind.WRITE, Set.of(), Set.of(), Map.of(), Set.of(name), true, "");
    }

    /**
     * A parsed statement's verdict with {@code lo_open} calls judged by their mode: the tree analysis counts
     * every {@code lo_open} as a writer; when it is the statement's only reason to write (no table written or
     * locked, no other writing function) and every {@code lo_open(…, mode)} in the text has a constant mode
     * without {@link #INV_WRITE}, the statement only reads. A mode that is an expression or a parameter stays a
     * write.
     */
    static Verdict openForReading(List<Token> normalised, Verdict v) {
        if (v.kind() != StatementKind.WRITE || !v.understood() || !v.tablesWritten().isEmpty()) {
            return v;
        }
        boolean opens = false;
        for (String f : v.functions()) {
            String bare = f.startsWith("pg_catalog.") ? f.substring("pg_catalog.".length()) : f;
            if (bare.equals("lo_open")) {
                opens = true;
            } else if (References.WRITING_FUNCTIONS.contains(bare)) {
                return v;
            }
        }
        if (!opens) {
            return v;
        }
        for (int k = 0; k < normalised.size(); k++) {
            Token t = normalised.get(k);
            if (t.isWord("for_locking")) {
                return v;
            }
            if (isLoOpen(t) && k + 1 < normalised.size() && normalised.get(k + 1).isPunct('(')
                    && !readingMode(normalised, k + 1)) {
                return v;
            }
        }
        return new Verdict(StatementKind.READ, v.tablesRead(), v.tablesWritten(), v.columns(), v.functions(),
                true, "");
    }

    static boolean isLoOpen(Token t) {
        return (t.type() == Token.Type.WORD || t.type() == Token.Type.QUOTED_IDENTIFIER) && t.text().equals("lo_open");
    }

    /**
     * Whether the call whose "(" is at {@code open} has, as its second and last argument, exactly one number
     * that the normaliser did not mark as a writing mode.
     */
    private static boolean readingMode(List<Token> t, int open) {
        int depth = 0;
        int comma = -1;
        for (int k = open; k < t.size(); k++) {
            Token x = t.get(k);
            if (x.isPunct('(') || x.isPunct('[')) {
                depth++;
            } else if (x.isPunct(')') || x.isPunct(']')) {
                depth--;
                if (depth == 0) {
                    return comma > 0 && k == comma + 2 && t.get(comma + 1).type() == Token.Type.NUMBER
                            && !t.get(comma + 1).text().equals(WRITING_MODE);
                }
            } else if (depth == 1 && x.isPunct(',')) {
                if (comma > 0) {
                    return false;
                }
                comma = k;
            }
        }
        return false;
    }

    /**
     * For the normaliser: whether the number about to be written after {@code out} is the whole second argument
     * of an {@code lo_open} call ({@code lo_open ( X ,} before it, {@code next} a ")"); looks back a bounded
     * number of tokens, so a long statement full of numbers stays linear.
     */
    static boolean isOpenMode(List<Token> out, Token next) {
        int n = out.size();
        if (next == null || !next.isPunct(')') || n < 4 || !out.get(n - 1).isPunct(',')) {
            return false;
        }
        int depth = 0;
        for (int k = n - 2, seen = 0; k >= 1 && seen < 64; k--, seen++) {
            Token x = out.get(k);
            if (x.isPunct(')') || x.isPunct(']')) {
                depth++;
            } else if (x.isPunct('[')) {
                depth--;
            } else if (x.isPunct('(')) {
                if (depth == 0) {
                    return isLoOpen(out.get(k - 1));
                }
                depth--;
            } else if (depth == 0 && x.isPunct(',')) {
                return false;
            }
        }
        return false;
    }

    /** The normalised text of an {@code lo_open} mode constant: {@link #WRITING_MODE} when it opens for writing. */
    static String openModeText(String literal, boolean signed) {
        if (signed) {
            return WRITING_MODE;
        }
        try {
            long mode = literal.startsWith("0x") || literal.startsWith("0X")
                    ? Long.parseLong(literal.substring(2), 16) : Long.parseLong(literal);
            return mode > Integer.MAX_VALUE || (mode & INV_WRITE) != 0 ? WRITING_MODE : "0";
        } catch (NumberFormatException e) {
            return WRITING_MODE;
        }
    }
}
