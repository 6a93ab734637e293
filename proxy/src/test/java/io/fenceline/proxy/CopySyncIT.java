package io.fenceline.proxy;

import io.fenceline.config.coordination.MonotonicClock;
import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.net.ProxyServer;
import io.fenceline.proxy.policy.Decision;
import io.fenceline.proxy.policy.StatementPolicy;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.fenceline.proxy.RawClient.concat;
import static io.fenceline.proxy.RawClient.message;
import static io.fenceline.proxy.RawClient.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * COPY FROM STDIN in the extended protocol as libpq sends it: Parse, Bind, Execute, Sync, then CopyData, CopyDone
 * and a second Sync. PostgreSQL drops the first Sync (it arrives while the server copies in) and answers one
 * ReadyForQuery. The proxy counted both, so it waited ever after for an answer that never comes: on a cluster that
 * may not write, the next request waits for the earlier ones' answers before the proxy makes the session
 * read-only, and the session hung. Verdict: the rows at PostgreSQL, and the next query answered after the cluster
 * became read-only.
 */
class CopySyncIT {

    static PostgresServer pg;
    static ProxyServer proxy;
    static final AtomicBoolean writable = new AtomicBoolean(true);

    @BeforeAll
    static void start() {
        pg = PostgresServer.builder().start();
        pg.execute("CREATE TABLE copied (n int)");
        StatementPolicy flag = new StatementPolicy() {
            @Override
            public Decision decide(Point point, io.fenceline.proxy.sql.Verdict verdict, io.fenceline.proxy.policy.SessionFacts s) {
                return verdict.mayWrite() && !writable.get()
                        ? new Decision.Deny("25006", "read-only now", null) : Decision.ALLOW;
            }

            @Override
            public boolean writable() {
                return writable.get();
            }
        };
        proxy = ProxyServer.start(TestProxies.settings(pg), ProxyMetrics.NOOP, MonotonicClock.SYSTEM, 1, flag);
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

    private static byte[] cstrings(String... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (String p : parts) {
            b.writeBytes(p.getBytes(StandardCharsets.UTF_8));
            b.write(0);
        }
        return b.toByteArray();
    }

    @Test
    void syncDuringCopyInIsNotCountedAsARequest() throws Exception {
        try (RawClient c = new RawClient(new InetSocketAddress("127.0.0.1", proxy.address().getPort()))) {
            c.startTrusted(pg.superuser(), "postgres");
            byte[] parse = message('P', concat(cstrings("", "COPY copied FROM STDIN"), new byte[]{0, 0}));
            byte[] bind = message('B', concat(cstrings("", ""), new byte[]{0, 0, 0, 0, 0, 0}));
            byte[] execute = message('E', concat(cstrings(""), new byte[4]));
            byte[] sync = message('S', new byte[0]);
            c.send(concat(parse, bind, execute, sync));
            assertEquals('1', c.read().type());
            assertEquals('2', c.read().type());
            assertEquals('G', c.read().type(), "CopyInResponse");
            c.send(concat(message('d', "1\n2\n".getBytes(StandardCharsets.UTF_8)), message('c', new byte[0]), sync));
            List<RawClient.Message> end = c.readUntilReady();
            assertEquals(List.of('C', 'Z'), end.stream().map(RawClient.Message::type).toList(),
                    "one ReadyForQuery: PostgreSQL dropped the Sync sent while it copied in");
            writable.set(false);
            try {
                c.send(query("SELECT 41 + 1"));
                List<RawClient.Message> answer = c.readUntilReady();
                assertTrue(answer.stream().anyMatch(m -> m.type() == 'D'
                        && new String(m.body(), StandardCharsets.UTF_8).endsWith("42")), "answered once read-only");
            } finally {
                writable.set(true);
            }
        }
        assertEquals("1,2", pg.queryValue("postgres", "SELECT string_agg(n::text, ',' ORDER BY n) FROM copied"));
    }
}
