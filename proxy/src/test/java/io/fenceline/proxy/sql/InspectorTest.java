package io.fenceline.proxy.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Caching, columns, fail-closed reporting and the asynchronous path of the inspector. */
class InspectorTest {

    /** Counts what the inspector reports. */
    static final class Counting implements InspectionListener {
        final AtomicInteger hits = new AtomicInteger();
        final AtomicInteger misses = new AtomicInteger();
        final List<String> notUnderstood = new ArrayList<>();

        @Override
        public void cacheHit() {
            hits.incrementAndGet();
        }

        @Override
        public void cacheMiss() {
            misses.incrementAndGet();
        }

        @Override
        public synchronized void notUnderstood(String sample, String reason) {
            notUnderstood.add(sample + " / " + reason);
        }
    }

    @Test
    void multiStatementTextGivesOneVerdictPerStatement() {
        List<Verdict> v = Inspector.create().inspect("begin; insert into t values (1); select * from u; commit");
        assertEquals(List.of(StatementKind.TRANSACTION, StatementKind.WRITE, StatementKind.READ,
                StatementKind.TRANSACTION), v.stream().map(Verdict::kind).toList());
    }

    @Test
    void verdictsAreCachedByNormalisedText() {
        Counting listener = new Counting();
        Inspector inspector = new Inspector(1 << 20, 4096, listener);
        Verdict first = inspector.inspect("update pgbench_accounts set abalance = abalance + 5 where aid = 1").get(0);
        Verdict second = inspector.inspect("UPDATE pgbench_accounts SET abalance = abalance + -9 WHERE aid = 77").get(0);
        assertSame(first, second);
        assertEquals(1, listener.misses.get());
        assertEquals(1, listener.hits.get());
    }

    @Test
    void cacheIsBoundedByKeyLength() {
        Inspector inspector = new Inspector(2_000, 4096, InspectionListener.NONE);
        for (int i = 0; i < 200; i++) {
            inspector.inspect("select c" + i + " from t" + i);
        }
        assertTrue(inspector.cachedStatements() <= 200);
        assertThrows(IllegalArgumentException.class, () -> new Inspector(-1, 0, InspectionListener.NONE));
    }

    @Test
    void notUnderstoodIsReportedWithoutLiterals() {
        Counting listener = new Counting();
        Inspector inspector = new Inspector(1 << 20, 4096, listener);
        Verdict v = inspector.inspect("select secret_column from t where password = 'hunter2' frobnicate").get(0);
        assertFalse(v.understood());
        assertTrue(v.mayWrite());
        assertTrue(v.mayBeDdl());
        assertEquals(1, listener.notUnderstood.size());
        assertFalse(listener.notUnderstood.get(0).contains("hunter2"), listener.notUnderstood.toString());
        inspector.inspect("select secret_column from t where password = 'other' frobnicate");
        assertEquals(2, listener.notUnderstood.size(), "a cached not-understood statement still counts");
    }

    @Test
    void absurdNestingFailsClosedWithoutThrowing() {
        String deep = "select " + "(".repeat(20_000) + "1" + ")".repeat(20_000);
        Verdict v = Inspector.create().inspect(deep).get(0);
        assertFalse(v.understood());
        assertTrue(v.mayWrite() && v.mayBeDdl());
    }

    @Test
    void columnsAreResolvedThroughAliases() {
        Verdict v = Inspector.create().inspect("select c.email, o.total, count(*) from customers c join orders o"
                + " on o.customer_id = c.id where c.name like $1 group by c.email, o.total").get(0);
        assertEquals(Map.of(TableName.of("customers"), Set.of("email", "id", "name"),
                TableName.of("orders"), Set.of("total", "customer_id")), v.columns());
        Verdict ordered = Inspector.create().inspect(
                "select a + 1 as total from t where b > 0 group by total order by total desc").get(0);
        assertEquals(Map.of(TableName.of("t"), Set.of("a", "b")), ordered.columns(),
                "output names in ORDER BY / GROUP BY are not table columns");
        Verdict single = Inspector.create().inspect("update t set a = b + 1 where id = $1 returning c").get(0);
        assertEquals(Map.of(TableName.of("t"), Set.of("a", "b", "c", "id")), single.columns());
        Verdict upsert = Inspector.create().inspect(
                "insert into t (a, b) values (1, 2) on conflict (a) do update set b = excluded.b").get(0);
        assertEquals(Map.of(TableName.of("t"), Set.of("a", "b")), upsert.columns());
    }

    @Test
    void writingBuiltinsAndOtherFunctionsAreListed() {
        Verdict v = Inspector.create().inspect("select nextval('s'), my_schema.audit(1)").get(0);
        assertEquals(StatementKind.WRITE, v.kind());
        assertEquals(Set.of("nextval", "my_schema.audit"), v.functions());
        Verdict read = Inspector.create().inspect("select my_function(1)").get(0);
        assertEquals(StatementKind.READ, read.kind());
        assertEquals(Set.of("my_function"), read.functions());
    }

    @Test
    void aParseWithTwoStatementsFailsClosed() {
        Inspector inspector = new Inspector(1 << 20, 4096, new Counting());
        assertFalse(inspector.inspectStatement("select 1; select 2").understood(),
                "a Parse with two statements fails closed");
    }

    @Test
    void longTextsMissingTheCacheAreParsedOnTheExecutor() throws Exception {
        Inspector inspector = new Inspector(1 << 20, 100, InspectionListener.NONE);
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "inspection-test"));
        try {
            String longText = "select " + "a + ".repeat(40) + "1 from t";
            Thread caller = Thread.currentThread();
            List<Thread> ranOn = new ArrayList<>();
            CompletableFuture<List<Verdict>> miss = inspector.inspectAsync(longText, r -> {
                ranOn.add(caller);
                executor.execute(r);
            });
            assertEquals(StatementKind.READ, miss.get(10, TimeUnit.SECONDS).get(0).kind());
            assertEquals(1, ranOn.size(), "a cache miss of a long text goes to the executor");
            CompletableFuture<List<Verdict>> hit = inspector.inspectAsync(longText, r -> {
                throw new AssertionError("a cached text must not be offloaded");
            });
            assertTrue(hit.isDone());
            CompletableFuture<List<Verdict>> shortText = inspector.inspectAsync("select 1", r -> {
                throw new AssertionError("a short text must not be offloaded");
            });
            assertNotSame(null, shortText.getNow(null));
        } finally {
            executor.shutdownNow();
        }
    }
}
