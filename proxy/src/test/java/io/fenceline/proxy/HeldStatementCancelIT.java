package io.fenceline.proxy;

import io.fenceline.config.coordination.MonotonicClock;
import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.net.ProxyServer;
import io.fenceline.proxy.policy.Decision;
import io.fenceline.proxy.policy.StatementPolicy;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cancel for a statement the proxy itself still holds (here: a policy holds writes, as the write authority holds
 * them while a handoff pauses the cluster) must cancel that statement, not a backend with nothing running. pgJDBC's
 * {@code setQueryTimeout} sends the CancelRequest to the proxy; the client must get 57014, and the statement must
 * never run: the verdict is the table's rows at PostgreSQL after the hold is lifted. Before the fix the cancel
 * reached an idle backend, and the INSERT ran in full once the hold ended.
 */
class HeldStatementCancelIT {

    static PostgresServer pg;
    static ProxyServer proxy;
    static final AtomicBoolean holding = new AtomicBoolean();
    static final AtomicInteger holds = new AtomicInteger();

    @BeforeAll
    static void start() {
        pg = PostgresServer.builder().start();
        pg.execute("CREATE TABLE held (n int)");
        StatementPolicy holdWrites = (point, verdict, session) -> {
            if (holding.get() && verdict.mayWrite()
                    && (point == StatementPolicy.Point.QUERY || point == StatementPolicy.Point.EXECUTE)) {
                holds.incrementAndGet();
                return new Decision.Hold(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200));
            }
            return Decision.ALLOW;
        };
        proxy = ProxyServer.start(TestProxies.settings(pg), ProxyMetrics.NOOP, MonotonicClock.SYSTEM, 1, holdWrites);
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @BeforeEach
    void empty() {
        pg.execute("TRUNCATE held");
    }

    @ParameterizedTest(name = "preferQueryMode={0}, autocommit={1}")
    @CsvSource({"simple, true", "extended, true", "extended, false", "simple, false"})
    void timedOutHeldInsertIsCancelledAndNeverRuns(String mode, boolean autocommit) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.address().getPort()
                + "/postgres?sslmode=disable&user=" + pg.superuser() + "&preferQueryMode=" + mode)) {
            c.setAutoCommit(autocommit);
            holding.set(true);
            int holdsBefore = holds.get();
            CompletableFuture<SQLException> insert = CompletableFuture.supplyAsync(() -> {
                try (Statement s = c.createStatement()) {
                    s.setQueryTimeout(1);
                    s.execute("INSERT INTO held VALUES (1)");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            SQLException cancelled;
            try {
                cancelled = insert.get(30, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                cancelled = null;
            } finally {
                holding.set(false);
            }
            if (cancelled == null) {
                // Without the fix: once the hold ends, the INSERT runs (or still waits) and the cancel did nothing.
                SQLException late = insert.get(30, TimeUnit.SECONDS);
                throw new AssertionError("the held INSERT was not cancelled (it ended with " + late + ")");
            }
            assertTrue(holds.get() > holdsBefore, "the policy held the INSERT");
            assertEquals("57014", cancelled.getSQLState(), cancelled.toString());
            assertTrue(cancelled.getMessage().contains("canceling statement due to user request"), cancelled.getMessage());
            if (!autocommit) {
                // As after a cancel in a block at PostgreSQL: the transaction is aborted.
                SQLException aborted = assertThrows(SQLException.class, () -> c.createStatement().execute("SELECT 1"));
                assertEquals("25P02", aborted.getSQLState(), aborted.toString());
                c.rollback();
            }
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO held VALUES (2)");
            }
            if (!autocommit) {
                c.commit();
            }
        }
        assertEquals("2", pg.queryValue("postgres", "SELECT string_agg(n::text, ',') FROM held"),
                "only the statement after the cancel ran at PostgreSQL");
    }
}
