package io.fenceline.proxy.replication;

import io.fenceline.config.coordination.LeaseState;
import io.fenceline.config.coordination.MonotonicClock;
import io.fenceline.proxy.RawClient;
import io.fenceline.proxy.TestProxies;
import io.fenceline.proxy.authority.WriteGate;
import io.fenceline.proxy.authority.WritePolicy;
import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.net.ProxyServer;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.fenceline.proxy.RawClient.params;
import static io.fenceline.proxy.RawClient.query;
import static io.fenceline.proxy.RawClient.startup;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replication connections through a writer proxy and through a non-writer proxy, with PostgreSQL's own clients
 * ({@code pg_recvlogical}, {@code pg_receivewal}, {@code pg_basebackup}). The verdicts are PostgreSQL's: the
 * changes a slot created through the proxy decodes, the WAL and the backup the tools wrote, and an {@code oracle}
 * {@code test_decoding} slot created directly on the database that must decode no change to {@code t} made
 * through a non-writer.
 */
class ReplicationIT {

    private static PostgresServer pg;
    private static ProxyServer writer;
    private static ProxyServer nonWriter;

    @BeforeAll
    static void start() {
        pg = PostgresServer.builder().setting("wal_level", "logical").start();
        pg.execute("CREATE TABLE t (id serial PRIMARY KEY, note text)");
        pg.execute("CREATE TABLE flush (x int)");
        pg.execute("SELECT pg_create_logical_replication_slot('oracle', 'test_decoding')");
        long far = System.nanoTime() + 3_600_000_000_000L;
        WriteGate open = new WriteGate("g", "a", MonotonicClock.SYSTEM,
                () -> new LeaseState.Held(7, far, 3, System.nanoTime()), 2_000_000_000L);
        open.open(1, 7);
        WriteGate closed = new WriteGate("g", "b", MonotonicClock.SYSTEM,
                () -> new LeaseState.Lost(7, "not ours", System.nanoTime()), 2_000_000_000L);
        writer = ProxyServer.start(TestProxies.settings(pg), ProxyMetrics.NOOP, MonotonicClock.SYSTEM, 1,
                new WritePolicy(open, ProxyMetrics.NOOP));
        nonWriter = ProxyServer.start(TestProxies.settings(pg), ProxyMetrics.NOOP, MonotonicClock.SYSTEM, 1,
                new WritePolicy(closed, ProxyMetrics.NOOP));
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[]{writer, nonWriter, pg}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // closing what is left
            }
        }
    }

    /** Rows of {@code t} changed since the last call, decoded by PostgreSQL from its WAL. */
    private static int oracleChanges() {
        pg.execute("SET synchronous_commit = on; INSERT INTO flush VALUES (1)");
        return Integer.parseInt(pg.queryValue("postgres", "SELECT count(*) FROM pg_logical_slot_get_changes("
                + "'oracle', NULL, NULL) WHERE data LIKE 'table public.t:%'"));
    }

    private static String lsn() {
        return pg.queryValue("postgres", "SELECT pg_current_wal_lsn()");
    }

    /** Runs a PostgreSQL client program against {@code proxy}; returns its output, failing on a non-zero exit. */
    static String run(Path dir, ProxyServer proxy, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(args));
        command.addAll(List.of("-h", "127.0.0.1", "-p", String.valueOf(proxy.address().getPort()), "-U", pg.superuser()));
        Path out = Files.createTempFile(dir, "out", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("PGCONNECT_TIMEOUT", "30");
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish: " + Files.readString(out));
        }
        String output = Files.readString(out);
        assertEquals(0, p.exitValue(), command + " failed: " + output);
        return output;
    }

    @Test
    void pgRecvlogicalThroughEitherProxyDecodesTheSlotsChanges(@TempDir Path dir) throws Exception {
        for (ProxyServer proxy : List.of(writer, nonWriter)) {
            String slot = proxy == writer ? "cdc_writer" : "cdc_nonwriter";
            run(dir, proxy, "pg_recvlogical", "-d", "postgres", "--slot", slot, "--create-slot", "-P", "test_decoding");
            assertEquals("1", pg.queryValue("postgres", "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'"));
            // Committed and flushed (the walsender sends only flushed WAL), then one more commit past it.
            pg.execute("SET synchronous_commit = on; INSERT INTO t (note) VALUES ('" + slot + "')");
            pg.execute("SET synchronous_commit = on; INSERT INTO flush VALUES (3)");
            String end = lsn();
            Path file = dir.resolve(slot + ".txt");
            String output = run(dir, proxy, "pg_recvlogical", "-d", "postgres", "--slot", slot, "--start", "--no-loop",
                    "--endpos", end, "-f", file.toString(), "-v");
            String decoded = Files.readString(file);
            assertTrue(decoded.contains("table public.t: INSERT: id[integer]:") && decoded.contains("'" + slot + "'"),
                    slot + " decoded up to " + end + ": " + decoded + "\n" + output);
            run(dir, proxy, "pg_recvlogical", "-d", "postgres", "--slot", slot, "--drop-slot");
            assertEquals("0", pg.queryValue("postgres", "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'"));
        }
        oracleChanges();
    }

    @Test
    void aWriteOverAReplicationConnectionsSqlIsRefusedOnANonWriter() throws Exception {
        oracleChanges();
        try (RawClient c = new RawClient(nonWriter.address())) {
            c.send(startup(196608, params("user", pg.superuser(), "database", "postgres", "replication", "database")));
            readToReady(c);
            List<RawClient.Message> identify = exchange(c, "IDENTIFY_SYSTEM");
            assertEquals(0, errorIn(identify).size(), identify.toString());
            Map<Character, String> refused = errorIn(exchange(c, "INSERT INTO t (note) VALUES ('over replication')"));
            assertEquals("25006", refused.get('C'), refused.toString());
            refused = errorIn(exchange(c, "SET default_transaction_read_only = off; INSERT INTO t (note) VALUES ('x')"));
            assertEquals("25006", refused.get('C'), refused.toString());
            assertEquals(0, errorIn(exchange(c, "SELECT count(*) FROM t")).size());
        }
        assertEquals(0, oracleChanges());
    }

    @Test
    void pgReceivewalAndPgBasebackupThroughANonWriter(@TempDir Path dir) throws Exception {
        pg.execute("INSERT INTO flush VALUES (2)");
        pg.execute("SELECT pg_switch_wal()");
        String end = lsn();
        Path wal = Files.createDirectory(dir.resolve("wal"));
        run(dir, nonWriter, "pg_receivewal", "-D", wal.toString(), "--endpos", end, "--no-loop");
        try (var files = Files.list(wal)) {
            assertTrue(files.findAny().isPresent(), "pg_receivewal wrote no WAL");
        }
        Path backup = dir.resolve("backup");
        run(dir, nonWriter, "pg_basebackup", "-D", backup.toString(), "-X", "stream", "-c", "fast", "--no-sync");
        assertTrue(Files.exists(backup.resolve("PG_VERSION")), "pg_basebackup wrote no data directory");
        assertTrue(Files.exists(backup.resolve("backup_label")), "the backup has no backup_label");
    }

    private static void readToReady(RawClient c) throws IOException {
        List<RawClient.Message> all = c.readUntilReady();
        assertEquals(0, errorIn(all).size(), all.toString());
    }

    private static List<RawClient.Message> exchange(RawClient c, String sql) throws IOException {
        c.send(query(sql));
        return c.readUntilReady();
    }

    private static Map<Character, String> errorIn(List<RawClient.Message> messages) {
        for (RawClient.Message m : messages) {
            if (m.type() == 'E') {
                return m.errorFields();
            }
        }
        return Map.of();
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
