package io.fenceline.proxy.fuzz;

import java.nio.charset.Charset;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The SQL texts the generators draw from: writes in plain sight and writes behind a read, statements that try to
 * make the transaction or the session read-write, transaction control, settings, and reads. Each list entry is
 * a template; {@code #} becomes a row id. The objects named here are made by {@link FuzzDatabase#SETUP}.
 */
final class Texts {

    private Texts() {
    }

    /** Writes the inspector can see. */
    static final List<String> PLAIN_WRITES = List.of(
            "INSERT INTO t VALUES (#, 'insert')",
            "INSERT INTO t VALUES (1, 'upsert') ON CONFLICT (id) DO UPDATE SET note = 'upsert'",
            "INSERT INTO t SELECT #, 'insert-select'",
            "UPDATE u SET v = v + 1 WHERE id = 1",
            "DELETE FROM t WHERE id = 2",
            "DELETE FROM t",
            "TRUNCATE u",
            "MERGE INTO t USING (VALUES (3)) AS s(id) ON t.id = s.id WHEN MATCHED THEN UPDATE SET note = 'merge' "
                    + "WHEN NOT MATCHED THEN INSERT VALUES (s.id, 'merge')",
            "WITH d AS (DELETE FROM t WHERE id = 4 RETURNING id) SELECT count(*) FROM d",
            "WITH i AS (INSERT INTO t VALUES (#, 'cte') RETURNING id) SELECT * FROM i",
            "SELECT * FROM t WHERE id = 5 FOR UPDATE",
            "SELECT nextval('s')",
            "SELECT setval('s', 42)",
            "SELECT lo_from_bytea(0, '\\x41'::bytea)",
            "SELECT lo_create(0)",
            "ALTER ROLE CURRENT_USER SET default_transaction_read_only = off",
            "CREATE TABLE fuzz_made (id int)",
            "LOCK TABLE t IN ACCESS EXCLUSIVE MODE");

    /** Writes behind a read, a utility statement or an indirection. */
    static final List<String> HIDDEN_WRITES = List.of(
            "SELECT f_sql(#)",
            "SELECT f_plpgsql(1)",
            "SELECT f_definer(1)",
            "SELECT * FROM f_sql(#)",
            "VALUES (f_sql(#))",
            "SELECT 1 WHERE f_sql(#) > 0",
            "SELECT f_lift_write(#)",
            "DO $$BEGIN INSERT INTO t VALUES (#, 'do'); END$$",
            "DO $do$BEGIN PERFORM set_config('transaction_read_only', 'off', true); DELETE FROM t; END$do$",
            "CALL p_write(#)",
            "PREPARE w# AS INSERT INTO t VALUES (#, 'prepared'); EXECUTE w#",
            "EXECUTE w#");

    /** Ways to make the transaction or the session read-write. */
    static final List<String> LIFTS = List.of(
            "BEGIN READ WRITE",
            "BEGIN TRANSACTION READ WRITE",
            "begin  read\twrite",
            "BEGIN /* x */ READ /* y */ WRITE",
            "BEGIN ISOLATION LEVEL SERIALIZABLE, READ WRITE",
            "BEGIN READ WRITE, ISOLATION LEVEL REPEATABLE READ, NOT DEFERRABLE",
            "START TRANSACTION READ WRITE",
            "START TRANSACTION ISOLATION LEVEL READ COMMITTED READ WRITE",
            "BEGIN; SET TRANSACTION READ WRITE",
            "SET TRANSACTION READ WRITE",
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ WRITE",
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
            "SET default_transaction_read_only = off",
            "SET default_transaction_read_only TO false",
            "SET SESSION default_transaction_read_only = '0'",
            "SET \"default_transaction_read_only\" = off",
            "set Default_Transaction_Read_Only = no",
            "SET LOCAL default_transaction_read_only = off",
            "SET transaction_read_only = off",
            "SET LOCAL transaction_read_only = off",
            "BEGIN; SET LOCAL transaction_read_only = off",
            "RESET default_transaction_read_only",
            "RESET ALL",
            "DISCARD ALL",
            "SET default_transaction_read_only TO DEFAULT",
            "SELECT set_config('default_transaction_read_only', 'off', false)",
            "SELECT set_config('transaction_read_only', 'off', true)",
            "BEGIN; SELECT set_config('transaction_read_only', 'off', true)",
            "SELECT pg_catalog.set_config('default_transaction_read_only', 'off', false)",
            "SELECT lift()",
            "SELECT * FROM lift()",
            "COMMIT AND CHAIN",
            "ROLLBACK AND CHAIN");

    /** Transaction control. */
    static final List<String> TRANSACTIONS = List.of(
            "BEGIN", "START TRANSACTION", "COMMIT", "END", "ROLLBACK", "ABORT", "COMMIT AND CHAIN",
            "ROLLBACK AND CHAIN", "SAVEPOINT a", "RELEASE SAVEPOINT a", "ROLLBACK TO SAVEPOINT a",
            "PREPARE TRANSACTION 'gx'", "COMMIT PREPARED 'gx'", "ROLLBACK PREPARED 'gx'",
            "BEGIN ISOLATION LEVEL SERIALIZABLE", "BEGIN READ ONLY", "SET TRANSACTION READ ONLY");

    /** Settings that change how text is read (client encodings are separate: they change the bytes). */
    static final List<String> SETTINGS = List.of(
            "SET standard_conforming_strings = off",
            "SET standard_conforming_strings = on",
            "SET LOCAL standard_conforming_strings = off",
            "SELECT set_config('standard_conforming_strings', 'off', false)",
            "SET escape_string_warning = off",
            "RESET standard_conforming_strings",
            "SET backslash_quote = on",
            "SET search_path = pg_temp, public",
            "DEALLOCATE ALL",
            "DISCARD ALL",
            "DEALLOCATE s1",
            "DEALLOCATE PREPARE s2",
            "CLOSE ALL");

    /** Reads and noise. */
    static final List<String> READS = List.of(
            "SELECT 1", "SELECT count(*) FROM t", "SELECT * FROM u", "TABLE t", "VALUES (1), (2)",
            "SHOW default_transaction_read_only", "SHOW transaction_read_only",
            "SELECT current_setting('standard_conforming_strings')", "SELECT pg_sleep(0)",
            "SELECT $$ ; DELETE FROM t; $$", "SELECT 'it''s'", "SELECT E'\\' ; DELETE FROM t; --'",
            "SELECT /* /* nested */ ; DELETE FROM t; */ 1", "SELECT 1 -- ; DELETE FROM t",
            "SELECT U&'d\\0061t\\+000061'", "SELECT \"?column?\" FROM (SELECT 1) x(\"?column?\")",
            "COPY t TO STDOUT", "SELECT 1/0", "SELECT * FROM no_such_table");

    /** Client encodings: PostgreSQL's name and Java's charset. */
    record Encoding(String pg, Charset java) {}

    static final List<Encoding> ENCODINGS = List.of(
            new Encoding("UTF8", Charset.forName("UTF-8")),
            new Encoding("SJIS", Charset.forName("Shift_JIS")),
            new Encoding("BIG5", Charset.forName("Big5")),
            new Encoding("GBK", Charset.forName("GBK")),
            new Encoding("LATIN1", Charset.forName("ISO-8859-1")),
            new Encoding("EUC_JP", Charset.forName("EUC-JP")));

    /** A template with every {@code #} replaced by one row id. */
    static String fill(String template, SplittableRandom r) {
        return template.replace("#", Integer.toString(100 + r.nextInt(900)));
    }

    static String pick(List<String> from, SplittableRandom r) {
        return fill(from.get(r.nextInt(from.size())), r);
    }

    /**
     * A two-byte character of {@code cs} whose second byte is 0x5C (a backslash in ASCII), or null when the
     * encoding has none: Shift-JIS {@code 表}, Big5 {@code 功}, GBK has many.
     */
    static byte[] trailBackslash(Charset cs) {
        for (char c = '\u4e00'; c < '\u9fff'; c++) {
            if (!cs.newEncoder().canEncode(c)) {
                continue;
            }
            byte[] b = String.valueOf(c).getBytes(cs);
            if (b.length == 2 && b[1] == 0x5c) {
                return b;
            }
        }
        return null;
    }

    /** One of two lists, at random. */
    static List<String> r1(List<String> a, List<String> b, SplittableRandom r) {
        return r.nextBoolean() ? a : b;
    }
}
