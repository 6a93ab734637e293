package io.fenceline.proxy.sql;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of inspection per statement: a cache hit (lex, normalise, look up) and a cache miss (also
 * classify and parse with Calcite) for pgbench's tpcb-like statements with fresh literals each
 * time, as {@code pgbench -M simple} sends them, and for a 5 KB catalog query of the kind psql's
 * {@code \d} and pgJDBC's DatabaseMetaData send.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class InspectionBenchmark {

    /** pgbench's built-in tpcb-like transaction, one statement per entry, literals as %d. */
    private static final List<String> PGBENCH = List.of(
            "BEGIN;",
            "UPDATE pgbench_accounts SET abalance = abalance + %d WHERE aid = %d;",
            "SELECT abalance FROM pgbench_accounts WHERE aid = %d;",
            "UPDATE pgbench_tellers SET tbalance = tbalance + %d WHERE tid = %d;",
            "UPDATE pgbench_branches SET bbalance = bbalance + %d WHERE bid = %d;",
            "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (%d, %d, %d, %d, CURRENT_TIMESTAMP);",
            "END;");

    /** About 5 KB: catalog queries of the kind psql's \\d sends, joined by UNION ALL. */
    static final String CATALOG_5K;

    private static final List<String> CATALOG_PARTS = List.of(
            "SELECT n.nspname as \"Schema\", c.relname as \"Name\", CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN"
                    + " 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't'"
                    + " THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN"
                    + " 'partitioned index' END as \"Type\", pg_catalog.pg_get_userbyid(c.relowner) as \"Owner\""
                    + " FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                    + " LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam WHERE c.relkind IN ('r','p','v','m','S','f','')"
                    + " AND n.nspname <> 'pg_catalog' AND n.nspname !~ '^pg_toast' AND n.nspname <> 'information_schema'"
                    + " AND pg_catalog.pg_table_is_visible(c.oid)",
            "SELECT n.nspname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), (SELECT"
                    + " pg_catalog.pg_get_expr(d.adbin, d.adrelid, true) FROM pg_catalog.pg_attrdef d WHERE d.adrelid ="
                    + " a.attrelid AND d.adnum = a.attnum AND a.atthasdef), CASE WHEN a.attnotnull THEN 'not null' ELSE"
                    + " '' END FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN"
                    + " pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relname OPERATOR(pg_catalog.~)"
                    + " '^(pgbench_accounts)$' COLLATE pg_catalog.default AND a.attnum > 0 AND NOT a.attisdropped",
            "SELECT n.nspname, c2.relname, CASE WHEN i.indisprimary THEN 'primary' WHEN i.indisunique THEN 'unique'"
                    + " ELSE 'index' END, pg_catalog.pg_get_indexdef(i.indexrelid, 0, true) FROM pg_catalog.pg_class c,"
                    + " pg_catalog.pg_class c2, pg_catalog.pg_index i, pg_catalog.pg_namespace n WHERE c.oid = $1::oid"
                    + " AND c.oid = i.indrelid AND i.indexrelid = c2.oid AND n.oid = c2.relnamespace AND"
                    + " c2.relname NOT LIKE 'pg_%' AND i.indisvalid",
            "SELECT n.nspname, t.tgname, pg_catalog.pg_get_triggerdef(t.oid, true) FROM pg_catalog.pg_trigger t"
                    + " JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid ="
                    + " c.relnamespace WHERE t.tgrelid = $1::oid AND (NOT t.tgisinternal OR (t.tgisinternal AND"
                    + " t.tgenabled = 'D') OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend WHERE objid = t.oid AND"
                    + " refclassid = 'pg_catalog.pg_trigger'::pg_catalog.regclass))",
            "SELECT n.nspname, r.conname, pg_catalog.pg_get_constraintdef(r.oid, true), '' FROM"
                    + " pg_catalog.pg_constraint r JOIN pg_catalog.pg_class c ON c.oid = r.conrelid JOIN"
                    + " pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE r.conrelid = $1::oid AND r.contype ="
                    + " 'f' AND r.conparentid = 0 AND EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhrelid"
                    + " = r.conrelid AND i.inhparent <> 0)",
            "SELECT n.nspname, pol.polname, pg_catalog.pg_get_expr(pol.polqual, pol.polrelid), CASE pol.polcmd"
                    + " WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE'"
                    + " END FROM pg_catalog.pg_policy pol JOIN pg_catalog.pg_class c ON c.oid = pol.polrelid JOIN"
                    + " pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE pol.polrelid = $1::oid",
            "SELECT n.nspname, s.stxname, pg_catalog.array_to_string(ARRAY(SELECT a.attname FROM"
                    + " pg_catalog.pg_attribute a WHERE a.attrelid = s.stxrelid AND a.attnum > 0), ', '),"
                    + " 'stats' FROM pg_catalog.pg_statistic_ext s JOIN pg_catalog.pg_namespace n ON n.oid ="
                    + " s.stxnamespace WHERE s.stxrelid = $1::oid AND s.stxname LIKE '%' || $2 || '%'");

    static {
        StringBuilder b = new StringBuilder(String.join("\nUNION ALL\n", CATALOG_PARTS));
        for (int k = 1; b.length() < 5000; k++) {
            b.append("\nUNION ALL\n").append(CATALOG_PARTS.get(k).replace("$1::oid", "$3::oid"));
        }
        CATALOG_5K = b.toString();
    }

    private Inspector warm;
    private Inspector cold;
    private int next;

    @Setup
    public void setUp() {
        warm = Inspector.create();
        cold = new Inspector(0, Integer.MAX_VALUE, InspectionListener.NONE);
        for (String s : PGBENCH) {
            warm.inspect(pgbench(s));
        }
        warm.inspect(CATALOG_5K);
    }

    private static String pgbench(String template) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return String.format(template, r.nextInt(-5000, 5000), r.nextInt(1, 100000), r.nextInt(1, 100000),
                r.nextInt(-5000, 5000));
    }

    private String nextPgbench() {
        String t = PGBENCH.get(next);
        next = (next + 1) % PGBENCH.size();
        return pgbench(t);
    }

    /** One pgbench statement with fresh literals, verdict from the cache. */
    @Benchmark
    public List<Verdict> pgbenchCacheHit() {
        return warm.inspect(nextPgbench());
    }

    /** One pgbench statement with fresh literals, parsed every time (cache of size 0). */
    @Benchmark
    public List<Verdict> pgbenchCacheMiss() {
        return cold.inspect(nextPgbench());
    }

    /** The 5 KB catalog query, verdict from the cache. */
    @Benchmark
    public List<Verdict> catalog5kCacheHit() {
        return warm.inspect(CATALOG_5K);
    }

    /** The 5 KB catalog query, parsed every time. */
    @Benchmark
    public List<Verdict> catalog5kCacheMiss() {
        return cold.inspect(CATALOG_5K);
    }
}
