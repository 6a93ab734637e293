package io.fenceline.proxy.schema;

import io.fenceline.config.file.SchemaSettings;
import io.fenceline.config.records.Catalog;
import io.fenceline.config.records.Window;
import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.policy.Decision;
import io.fenceline.proxy.policy.SessionFacts;
import io.fenceline.proxy.policy.StatementPolicy;
import io.fenceline.proxy.sql.Inspector;
import io.fenceline.proxy.sql.Verdict;
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

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * What the schema check adds per statement on the data path: {@link SchemaPolicy#decide} for pgbench's
 * select-only statement and for its tpcb UPDATE (tables and columns looked up in version 1's catalog), next
 * to the same call of {@link StatementPolicy#ALLOW_ALL}, and {@link VersionTracker#version()} as the statement
 * path asks it. Run: {@code FENCELINE_JMH=io.fenceline.proxy.schema.SchemaPolicyBenchmark proxy/src/jmh/run.sh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SchemaPolicyBenchmark {

    private StatementPolicy schema;
    private Verdict select;
    private Verdict update;
    private SessionFacts facts;
    private VersionTracker tracker;

    @Setup
    public void setUp() {
        Catalog v1 = new Catalog(1, "bench", Map.of(
                "pgbench_accounts", List.of("aid", "bid", "abalance", "filler"),
                "pgbench_branches", List.of("bid", "bbalance", "filler"),
                "pgbench_tellers", List.of("tid", "bid", "tbalance", "filler"),
                "pgbench_history", List.of("tid", "bid", "aid", "delta", "mtime", "filler")));
        SchemaView view = SchemaView.of(Window.of(1), List.of(v1));
        SchemaEnforcement enforcement = new SchemaEnforcement(SchemaSettings.of("bench", "fenceline_control"),
                () -> view, ProxyMetrics.NOOP);
        schema = enforcement.policy();
        Inspector inspector = new Inspector(1 << 20, 1 << 20, ProxyMetrics.NOOP);
        select = inspector.inspectStatement("SELECT abalance FROM pgbench_accounts WHERE aid = $1");
        update = inspector.inspectStatement("UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2");
        tracker = enforcement.tracker(Map.of("user", "postgres", "options", "-c fenceline.schema_version=1"));
        tracker.admit();
        OptionalInt one = OptionalInt.of(1);
        facts = new SessionFacts() {
            @Override
            public byte transactionStatus() {
                return 'I';
            }

            @Override
            public String startupParameter(String name) {
                return "postgres";
            }

            @Override
            public OptionalInt schemaVersion() {
                return one;
            }
        };
    }

    @Benchmark
    public Decision allowAll() {
        return StatementPolicy.ALLOW_ALL.decide(StatementPolicy.Point.EXECUTE, select, facts);
    }

    @Benchmark
    public Decision schemaSelect() {
        return schema.decide(StatementPolicy.Point.EXECUTE, select, facts);
    }

    @Benchmark
    public Decision schemaUpdate() {
        return schema.decide(StatementPolicy.Point.EXECUTE, update, facts);
    }

    @Benchmark
    public OptionalInt trackerVersion() {
        return tracker.version();
    }
}
