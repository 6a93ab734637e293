package io.fenceline.proxy;

import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.net.ProxyServer;
import io.fenceline.proxy.policy.StatementPolicy;
import io.fenceline.config.coordination.MonotonicClock;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Long uncached statements are parsed off the event loop: with ONE event loop for every connection, a
 * connection pipelining hundreds of distinct ~5 KB queries (each a cache miss and a full parse) does not
 * hold up a loop of {@code SELECT 1} on another connection for anything like the parse time it causes.
 *
 * <p>Control run (offloadThreshold set to Integer.MAX_VALUE, so every parse ran on the loop; 23 Nov 2026,
 * load average 9): 2.7 s of parsing, only 7 quick queries completed meanwhile, max latency 3 200 ms, and
 * this test failed. With offloading: 5.2 s of parsing (more threads competing), 4 363 quick queries,
 * p50 0.18 ms, p99 17 ms, max 124 ms.
 */
class InspectionOffloadIT {

    static final int LONG_QUERIES = 400;

    /** Counts what the inspector reports. */
    static final class Recording implements ProxyMetrics {
        final AtomicLong parseNanos = new AtomicLong();
        final AtomicInteger parses = new AtomicInteger();
        final AtomicInteger offloaded = new AtomicInteger();

        @Override
        public void parsed(int length, long nanos) {
            parseNanos.addAndGet(nanos);
            parses.incrementAndGet();
        }

        @Override
        public void inspectionOffloaded() {
            offloaded.incrementAndGet();
        }
    }

    /** A ~5 KB catalog query whose normalised text is unique to {@code n} (aliases differ, not just literals). */
    static String longQuery(int n) {
        StringBuilder sb = new StringBuilder("SELECT ");
        for (int k = 0; k < 110; k++) {
            sb.append(k == 0 ? "" : ", ").append("coalesce(c.relname, n.nspname) AS q").append(n).append('_').append(k);
        }
        sb.append(" FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE false");
        return sb.toString();
    }

    @Test
    void longParsesDoNotStallOtherConnectionsOfTheLoop() throws Exception {
        Recording metrics = new Recording();
        try (PostgresServer pg = PostgresServer.builder().start();
             ProxyServer proxy = ProxyServer.start(TestProxies.settings(pg), metrics, MonotonicClock.SYSTEM, 1,
                     StatementPolicy.ALLOW_ALL)) {
            int port = proxy.address().getPort();
            assertTrue(longQuery(0).length() > 4500 && longQuery(0).length() < 6000, "length " + longQuery(0).length());
            try (Connection quick = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port
                    + "/postgres?preferQueryMode=simple&user=" + pg.superuser());
                 RawClient heavy = new RawClient(new InetSocketAddress("127.0.0.1", port)).startTrusted(pg.superuser(), "postgres")) {
                Statement s = quick.createStatement();
                for (int i = 0; i < 200; i++) {
                    one(s);
                }
                CompletableFuture<Integer> answers = CompletableFuture.supplyAsync(() -> {
                    try {
                        int n = 0;
                        for (int i = 0; i < LONG_QUERIES; i++) {
                            List<RawClient.Message> r = heavy.readUntilReady();
                            assertEquals('C', r.get(r.size() - 2).type(), "query " + i + " answered " + r.get(r.size() - 2));
                            n++;
                        }
                        return n;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                    try {
                        for (int i = 0; i < LONG_QUERIES; i++) {
                            heavy.send(RawClient.query(longQuery(i)));
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                List<Long> latencies = new ArrayList<>();
                while (!answers.isDone()) {
                    long t = System.nanoTime();
                    one(s);
                    latencies.add(System.nanoTime() - t);
                }
                sent.get(10, TimeUnit.SECONDS);
                assertEquals(LONG_QUERIES, answers.get(60, TimeUnit.SECONDS));

                Collections.sort(latencies);
                long max = latencies.get(latencies.size() - 1);
                long p50 = latencies.get(latencies.size() / 2);
                long p99 = latencies.get((int) (latencies.size() * 0.99));
                long parse = metrics.parseNanos.get();
                System.out.printf("InspectionOffloadIT: %d long queries, %d parses taking %.1f ms in total, %d offloaded; "
                                + "%d SELECT 1 meanwhile: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                        LONG_QUERIES, metrics.parses.get(), parse / 1e6, metrics.offloaded.get(), latencies.size(),
                        p50 / 1e6, p99 / 1e6, max / 1e6);
                assertTrue(metrics.offloaded.get() >= LONG_QUERIES / 2, "offloaded " + metrics.offloaded.get());
                assertTrue(latencies.size() >= 20, "only " + latencies.size() + " quick queries ran meanwhile");
                // Inline, one read of the heavy connection (up to 16 x 64 KiB, ~200 queries) would be parsed
                // between two quick queries: a stall of a large part of the total parse time.
                assertTrue(max < parse / 4, "max quick latency " + max / 1e6 + " ms vs total parse time " + parse / 1e6 + " ms");
                assertTrue(max < TimeUnit.SECONDS.toNanos(1), "max quick latency " + max / 1e6 + " ms");
            }
        }
    }

    static void one(Statement s) throws Exception {
        try (ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
        }
    }
}
