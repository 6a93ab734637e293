package io.fenceline.proxy.schema;

import io.fenceline.config.records.Catalog;
import io.fenceline.config.records.Window;
import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.sql.Inspector;
import io.fenceline.proxy.sql.Relations;
import io.fenceline.proxy.sql.Resolution;
import io.fenceline.proxy.sql.Verdict;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What column resolution ({@link Verdict#resolveColumns}: the version's run and the live catalog's run of
 * {@code Resolver}) costs per statement, next to the inspector's own work on the same text: a cold inspection
 * (lex, normalise, parse, analyse: what a statement costs the first time) and a cached one (what a repeated text
 * costs). Statements: pgbench's tpcb-like five and its select-only one, plus two shapes that resolution works
 * harder on (a subquery's {@code *}, a correlated subquery). Catalog: pgbench's tables in versions 1 and 2 (2 adds
 * {@code pgbench_accounts.note}), window {1, 2}, the client at version 1. The schema policy pays for resolution
 * once per verdict and catalog index (then {@code SchemaView.Index} remembers the verdict passed); a text that
 * misses the inspector's cache is a new verdict and pays again.
 * Run: {@code FENCELINE_JMH=io.fenceline.proxy.schema.ResolutionBenchmark proxy/src/jmh/run.sh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ResolutionBenchmark {

    static final String[] STATEMENTS = {
            "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2",
            "SELECT abalance FROM pgbench_accounts WHERE aid = $1",
            "UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2",
            "UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2",
            "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)",
            "SELECT s.abalance FROM (SELECT * FROM pgbench_accounts WHERE aid = $1) s",
            "SELECT aid FROM pgbench_accounts a WHERE EXISTS (SELECT 1 FROM pgbench_branches b WHERE b.bid = a.bid)",
    };

    /** Index into {@link #STATEMENTS}. */
    @Param({"0", "1", "2", "3", "4", "5", "6"})
    public int statement;

    private String text;
    private Inspector warm;
    private Inspector cold;
    private Verdict verdict;
    private Relations version;
    private Relations live;

    @Setup
    public void setUp() {
        Map<String, List<String>> tables = Map.of(
                "pgbench_accounts", List.of("aid", "bid", "abalance", "filler"),
                "pgbench_branches", List.of("bid", "bbalance", "filler"),
                "pgbench_tellers", List.of("tid", "bid", "tbalance", "filler"),
                "pgbench_history", List.of("tid", "bid", "aid", "delta", "mtime", "filler"));
        Map<String, List<String>> v2 = new java.util.HashMap<>(tables);
        v2.put("pgbench_accounts", List.of("aid", "bid", "abalance", "filler", "note"));
        SchemaView view = SchemaView.of(new Window(1, 2), List.of(new Catalog(1, "b1", tables), new Catalog(2, "b2", v2)));
        version = view.catalog(1);
        live = view.live();
        text = STATEMENTS[statement];
        warm = new Inspector(1 << 20, 1 << 20, ProxyMetrics.NOOP);
        cold = new Inspector(0, Integer.MAX_VALUE, ProxyMetrics.NOOP);
        verdict = warm.inspectStatement(text);
        if (verdict.resolveColumns(version, live) != Resolution.RESOLVED) {
            throw new IllegalStateException("not resolved: " + text);
        }
    }

    /** Resolution alone, both runs: what a verdict costs the schema policy the first time. */
    @Benchmark
    public Resolution resolve() {
        return verdict.resolveColumns(version, live);
    }

    /** The inspector with its cache: a repeated text. */
    @Benchmark
    public Verdict inspectCached() {
        return warm.inspectStatement(text);
    }

    /** The inspector without a cache: lex, normalise, parse, analyse. */
    @Benchmark
    public Verdict inspectCold() {
        return cold.inspectStatement(text);
    }

    /** A cold inspection followed by resolution: a new text's whole cost with schema versions. */
    @Benchmark
    public Resolution inspectColdAndResolve() {
        return cold.inspectStatement(text).resolveColumns(version, live);
    }
}
