package io.fenceline.proxy;

import io.fenceline.testing.FreePorts;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.util.ByteStreamWriter;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Large messages through a proxy run as an operator runs it, a child JVM, here with a heap and a direct-memory
 * limit (64 MiB each) far below the messages: a 100 MiB bytea parameter (Bind) and a 100 MiB COPY row (one
 * CopyData) go through, checked by PostgreSQL's own sha256 of the stored value, which only works if the proxy
 * streams them (holding one whole would exhaust its direct memory); a Query or Parse text over {@code
 * limits.max_buffered_length} is refused with 54000 the client reads, and the session goes on; a session keeps
 * answering while another one sends bulk INSERT texts of megabytes through the same event loop.
 */
class LargeMessagesIT {

    static final int BIG = 100 << 20;
    static final int BUFFERED_LIMIT = 16 << 20;

    static PostgresServer pg;
    static Process proxy;
    static Path dir;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresServer.builder().start();
        pg.execute("CREATE TABLE big_bind (id int PRIMARY KEY, data bytea)");
        pg.execute("CREATE TABLE big_copy (id int PRIMARY KEY, data text)");
        pg.execute("CREATE TABLE bulk (id int, name text, note text)");
        dir = Files.createTempDirectory("fenceline-bigmsg-");
        int[] ports = FreePorts.take(2);
        port = ports[0];
        Path config = dir.resolve("proxy.yaml");
        Files.writeString(config, "listen: { host: 127.0.0.1, port: " + port + " }\n"
                + "upstream: { host: 127.0.0.1, port: " + pg.port() + " }\n"
                + "admin: { host: 127.0.0.1, port: " + ports[1] + " }\n"
                + "shutdown_grace: 1s\n"
                + "limits: { max_buffered_length: " + BUFFERED_LIMIT + " }\n");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        proxy = new ProcessBuilder(java.toString(), "-Xmx64m", "-XX:MaxDirectMemorySize=64m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Dfenceline.ioThreads=1", "-cp", System.getProperty("java.class.path"),
                "io.fenceline.proxy.Main", "proxy", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("proxy.log").toFile()).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            assertTrue(proxy.isAlive(), "the proxy exited:\n" + log());
            try (Connection c = connect(""); Statement s = c.createStatement()) {
                s.execute("SELECT 1");
                return;
            } catch (SQLException e) {
                assertTrue(System.nanoTime() < end, "the proxy did not serve: " + e + "\n" + log());
                Thread.sleep(100);
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.destroy();
            if (!proxy.waitFor(10, TimeUnit.SECONDS)) {
                proxy.destroyForcibly();
            }
        }
        if (pg != null) {
            pg.close();
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static String log() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("proxy.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    static Connection connect(String options) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?sslmode=disable"
                + "&socketTimeout=300&user=" + pg.superuser() + options);
    }

    /** {@code length} bytes, the same for a seed: a byte stream nobody holds whole. */
    static InputStream generated(long length, int seed) {
        return new InputStream() {
            long left = length;
            int x = seed;

            @Override
            public int read() {
                if (left == 0) {
                    return -1;
                }
                left--;
                x = x * 1103515245 + 12345;
                return 'a' + ((x >>> 16) & 0x7fff) % 26;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left == 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                for (int i = 0; i < n; i++) {
                    b[off + i] = (byte) read();
                }
                return n;
            }
        };
    }

    static String sha256(InputStream in) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[1 << 16];
        for (int n = in.read(buf); n > 0; n = in.read(buf)) {
            d.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(d.digest());
    }

    @Test
    void aHundredMegabyteByteaParameterStreamsThroughABoundedProxy() throws Exception {
        try (Connection c = connect("");
             PreparedStatement ps = c.prepareStatement("INSERT INTO big_bind (id, data) VALUES (?, ?)")) {
            ps.setInt(1, 1);
            ps.setBinaryStream(2, generated(BIG, 7), BIG);
            assertEquals(1, ps.executeUpdate());
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 2")) {
                assertTrue(rs.next(), "the session goes on after the large Bind");
            }
        }
        String expected = sha256(generated(BIG, 7));
        assertEquals(expected + " " + BIG, pg.queryValue("postgres",
                "SELECT encode(sha256(data), 'hex') || ' ' || length(data) FROM big_bind WHERE id = 1"));
        assertTrue(proxy.isAlive(), "the proxy is still running:\n" + log());
    }

    @Test
    void aHundredMegabyteCopyRowStreamsThroughABoundedProxy() throws Exception {
        try (Connection c = connect("")) {
            CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY big_copy (id, data) FROM STDIN");
            byte[] prefix = "1\t".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            // One CopyData message of the whole row, written from the stream as pgJDBC sends it.
            copy.writeToCopy(new ByteStreamWriter() {
                @Override
                public int getLength() {
                    return prefix.length + BIG + 1;
                }

                @Override
                public void writeTo(ByteStreamTarget target) throws IOException {
                    OutputStream out = target.getOutputStream();
                    out.write(prefix);
                    generated(BIG, 11).transferTo(out);
                    out.write('\n');
                }
            });
            assertEquals(1, copy.endCopy());
        }
        String expected = sha256(generated(BIG, 11));
        assertEquals(expected + " " + BIG, pg.queryValue("postgres",
                "SELECT encode(sha256(convert_to(data, 'UTF8')), 'hex') || ' ' || length(data) FROM big_copy WHERE id = 1"));
        assertTrue(proxy.isAlive(), "the proxy is still running:\n" + log());
    }

    /** A bulk INSERT of {@code rows} rows, about 48 bytes each. */
    static String bulkInsert(int rows, int from) {
        StringBuilder b = new StringBuilder("INSERT INTO bulk (id, name, note) VALUES ");
        for (int i = from; i < from + rows; i++) {
            b.append(i == from ? "" : ", ").append('(').append(i).append(", 'name-").append(i)
                    .append("', 'a note about row ").append(i).append("')");
        }
        return b.toString();
    }

    @Test
    void aQueryTextOverTheLimitIsRefusedWith54000AndTheSessionGoesOn() throws Exception {
        String tooLong = bulkInsert(BUFFERED_LIMIT / 40, 0);
        assertTrue(tooLong.length() > BUFFERED_LIMIT);
        try (Connection c = connect("&preferQueryMode=simple"); Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.execute(tooLong));
            assertEquals("54000", e.getSQLState(), e.toString());
            assertTrue(e.getMessage().contains("limits.max_buffered_length"), e.getMessage());
            try (ResultSet rs = s.executeQuery("SELECT 3")) {
                assertTrue(rs.next());
                assertEquals(3, rs.getInt(1), "the same session answers the next query");
            }
            // Inside a transaction block the refusal fails the block, as a server-side error does.
            c.setAutoCommit(false);
            s.execute("INSERT INTO bulk VALUES (-1, 'kept?', 'no')");
            SQLException inBlock = assertThrows(SQLException.class, () -> s.execute(tooLong));
            assertEquals("54000", inBlock.getSQLState());
            SQLException aborted = assertThrows(SQLException.class, () -> s.execute("SELECT 1"));
            assertEquals("25P02", aborted.getSQLState(), aborted.toString());
            c.rollback();
            c.setAutoCommit(true);
        }
        assertEquals("0", pg.queryValue("postgres", "SELECT count(*) FROM bulk WHERE id BETWEEN -1 AND 999999"));
    }

    @Test
    void aParseTextOverTheLimitIsRefusedWith54000AndTheSessionGoesOn() throws Exception {
        String tooLong = bulkInsert(BUFFERED_LIMIT / 40, 1_000_000);
        try (Connection c = connect("")) {
            SQLException e = assertThrows(SQLException.class, () -> {
                try (PreparedStatement ps = c.prepareStatement(tooLong)) {
                    ps.executeUpdate();
                }
            });
            assertEquals("54000", e.getSQLState(), e.toString());
            try (PreparedStatement ps = c.prepareStatement("SELECT ?::int + 1")) {
                ps.setInt(1, 41);
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(42, rs.getInt(1), "the same session prepares and runs the next statement");
                }
            }
        }
        assertEquals("0", pg.queryValue("postgres", "SELECT count(*) FROM bulk WHERE id BETWEEN 1000000 AND 1999999"));
    }

    @Test
    void aTextUnderTheLimitIsJudgedAndRuns() throws Exception {
        String bulk = bulkInsert(60_000, 2_000_000);
        assertTrue(bulk.length() > 2_500_000 && bulk.length() < BUFFERED_LIMIT, "length " + bulk.length());
        // A text of 2.9 MB, inspected by a proxy whose whole heap is 64 MiB (a 3.5 MB one needed over 96 MiB before).
        try (Connection c = connect("&preferQueryMode=simple"); Statement s = c.createStatement()) {
            assertEquals(60_000, s.executeUpdate(bulk));
        }
        assertEquals("60000", pg.queryValue("postgres", "SELECT count(*) FROM bulk WHERE id >= 2000000"));
    }

    /**
     * One event loop serves both sessions (the child runs with {@code fenceline.ioThreads=1}). While one sends
     * bulk INSERT texts of about 10 MB, the other's {@code SELECT 1} keep completing: at least one during each
     * bulk text, and none waits half as long as a bulk text takes. The bulk texts name a table that does not exist,
     * so PostgreSQL refuses each at once (42P01) and the proxy's inspection is most of a text's time: inspected on
     * the event loop (the control run in docs/benchmarks.md, "Large messages"), each text stalled the loop for its
     * whole lexing and this test failed.
     */
    @Test
    void anotherSessionKeepsAnsweringWhileOneSendsHugeTexts() throws Exception {
        int texts = 4;
        try (Connection heavy = connect("&preferQueryMode=simple"); Connection quick = connect("&preferQueryMode=simple");
             Statement hs = heavy.createStatement(); Statement qs = quick.createStatement()) {
            for (int i = 0; i < 50; i++) {
                one(qs);
            }
            AtomicLong quickDone = new AtomicLong();
            List<long[]> heavyRuns = new ArrayList<>();
            CompletableFuture<Void> bulk = CompletableFuture.runAsync(() -> {
                for (int k = 0; k < texts; k++) {
                    // Distinct texts: each one is inspected anew.
                    String text = bulkInsert(200_000, k * 1_000_000).replace("INTO bulk", "INTO no_such_bulk_" + k);
                    long before = quickDone.get();
                    long t = System.nanoTime();
                    SQLException e = assertThrows(SQLException.class, () -> hs.executeUpdate(text));
                    assertEquals("42P01", e.getSQLState(), e.toString());
                    synchronized (heavyRuns) {
                        heavyRuns.add(new long[]{System.nanoTime() - t, quickDone.get() - before});
                    }
                }
            });
            long max = 0;
            while (!bulk.isDone()) {
                long t = System.nanoTime();
                one(qs);
                max = Math.max(max, System.nanoTime() - t);
                quickDone.incrementAndGet();
            }
            bulk.get(5, TimeUnit.MINUTES);
            long shortest = Long.MAX_VALUE;
            synchronized (heavyRuns) {
                for (long[] run : heavyRuns) {
                    shortest = Math.min(shortest, run[0]);
                }
                System.out.printf("LargeMessagesIT: %d bulk texts of 10 MB, each %s; %d SELECT 1 meanwhile, max %.1f ms%n",
                        texts, heavyRuns.stream().map(r -> String.format("%.0f ms / %d quick", r[0] / 1e6, r[1])).toList(),
                        quickDone.get(), max / 1e6);
                for (long[] run : heavyRuns) {
                    assertTrue(run[1] >= 1, "no quick query completed during a bulk text of " + run[0] / 1e6 + " ms");
                }
            }
            assertTrue(max < shortest / 2, "a quick query waited " + max / 1e6 + " ms; the shortest bulk text took "
                    + shortest / 1e6 + " ms");
        }
    }

    static void one(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
        }
    }
}
