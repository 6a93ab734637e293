package io.fenceline.proxy.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fenceline.proxy.sql.corpus.CorpusCapture;
import io.fenceline.testing.PostgresServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Checks the inspector against PostgreSQL's own judgement on a corpus of about 2,000 statements real
 * clients send (see {@code corpus/CorpusCapture}): each statement runs inside {@code BEGIN READ
 * ONLY … ROLLBACK} (SQLSTATE 25006 = PostgreSQL says it writes), and again in a writable
 * transaction with an event trigger on {@code ddl_command_start} that raises a marker error before
 * any DDL executes (= PostgreSQL says it is DDL). Table references are compared with the relations
 * PostgreSQL's analyser put in the range table of a temporary view over the query (reads) and with
 * the ModifyTable target of {@code EXPLAIN VERBOSE} (DML).
 *
 * <p>Asserts: no statement PostgreSQL says writes is judged unable to write, except statements
 * whose only write is inside a function call (listed separately: the documented limitation), and
 * no DDL is judged unable to be DDL. Prints parse coverage and table-reference accuracy and writes
 * them to {@code target/inspection-corpus-report.txt}.
 */
class InspectionCorpusIT {

    private static final String DB = "corpus";
    private static final String DDL_MARKER = "F0DDL";
    private static final Pattern RELID = Pattern.compile(":relid (\\d+)");
    private static final Pattern MODIFY_TARGET = Pattern.compile(
            "\"Node Type\": \"ModifyTable\".*?\"Relation Name\": \"([^\"]+)\",\\s*\"Schema\": \"([^\"]+)\"",
            Pattern.DOTALL);

    private static PostgresServer pg;

    /** One corpus statement and what PostgreSQL said about it. */
    static final class Entry {
        final String source;
        final String sent;
        final String executable;
        String readOnlyState;   // null = ran fine in a read-only transaction
        boolean pgWrites;
        boolean pgDdl;
        Set<String> pgTables;   // ground truth "schema.name", null when unavailable
        boolean groundTruthIsTarget;

        Entry(String source, String sent, String executable) {
            this.source = source;
            this.sent = sent;
            this.executable = executable;
        }
    }

    @BeforeAll
    static void startPostgres() throws Exception {
        pg = PostgresServer.builder().setting("max_prepared_transactions", "0").start();
        pg.execute("create database " + DB);
        Path schema = Files.createTempFile("corpus-schema", ".sql");
        try (InputStream in = resource("corpus/corpus-schema.sql")) {
            Files.write(schema, in.readAllBytes());
        }
        Process psql = new ProcessBuilder("psql", "-X", "-q", "-h", pg.host(), "-p", String.valueOf(pg.port()),
                "-U", pg.superuser(), "-d", DB, "-f", schema.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(psql.waitFor(120, TimeUnit.SECONDS), "psql loading the corpus schema did not finish");
        Files.delete(schema);
        pg.executeIn(DB, "create function fenceline_ddl_probe() returns event_trigger language plpgsql as $$"
                + " begin if current_setting('fenceline.probe_ddl', true) = 'on' then"
                + " raise exception 'fenceline ddl probe: %', tg_tag using errcode = '" + DDL_MARKER + "';"
                + " end if; end $$");
        pg.executeIn(DB, "create event trigger fenceline_ddl_probe on ddl_command_start"
                + " execute function fenceline_ddl_probe()");
    }

    @AfterAll
    static void stopPostgres() {
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void inspectorAgreesWithPostgres() throws Exception {
        List<Entry> corpus = load();
        assertTrue(corpus.size() >= 2000, "corpus too small: " + corpus.size());
        long labelStart = System.nanoTime();
        labelWrites(corpus);
        labelDdl(corpus);
        groundTruthTables(corpus);
        long labelMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - labelStart);

        Inspector inspector = Inspector.create();
        List<String> unsafeWrites = new ArrayList<>();
        List<String> unsafeDdl = new ArrayList<>();
        List<String> functionWrites = new ArrayList<>();
        List<String> notUnderstood = new ArrayList<>();
        List<String> failClosedReads = new ArrayList<>();
        Map<String, int[]> perSource = new TreeMap<>();
        int understood = 0;
        int pgWrites = 0;
        int pgDdl = 0;
        int pgReads = 0;
        int readsJudgedWrites = 0;
        int unlabelled = 0;
        int truthTotal = 0;
        int truthExact = 0;
        int targetTotal = 0;
        int targetExact = 0;
        List<String> tableMismatches = new ArrayList<>();
        Set<String> shapes = new HashSet<>();
        long inspectStart = System.nanoTime();
        for (Entry e : corpus) {
            List<Verdict> verdicts = inspector.inspect(e.sent);
            assertEquals(1, verdicts.size(), "one statement per corpus entry: " + e.sent);
            Verdict v = verdicts.get(0);
            shapes.add(Normaliser.normalise(Lexer.tokens(e.sent)).text());
            int[] counts = perSource.computeIfAbsent(e.source, k -> new int[2]);
            counts[0]++;
            if (v.understood()) {
                understood++;
                counts[1]++;
            } else {
                notUnderstood.add(e.source + ": " + v.detail() + " :: " + abbreviate(e.sent));
            }
            if (e.pgWrites) {
                pgWrites++;
                if (!v.mayWrite()) {
                    if (!v.functions().isEmpty()) {
                        functionWrites.add(e.source + ": " + v.functions() + " :: " + abbreviate(e.sent));
                    } else {
                        unsafeWrites.add(e.source + ": " + v + " :: " + e.sent);
                    }
                }
            } else if (e.readOnlyState == null) {
                pgReads++;
                if (v.mayWrite()) {
                    readsJudgedWrites++;
                    failClosedReads.add(e.source + ": " + v.kind() + (v.understood() ? "" : "?") + " :: "
                            + abbreviate(e.sent));
                }
            } else {
                unlabelled++;
            }
            if (e.pgDdl) {
                pgDdl++;
                if (!v.mayBeDdl()) {
                    unsafeDdl.add(e.source + ": " + v + " :: " + e.sent);
                }
            }
            if (e.pgTables != null && v.understood()) {
                Set<String> mine = new TreeSet<>();
                Set<TableName> judged = e.groundTruthIsTarget ? v.tablesWritten() : v.tables();
                for (TableName t : judged) {
                    mine.add(t.toString());
                }
                boolean match = sameTables(mine, e.pgTables);
                if (e.groundTruthIsTarget) {
                    targetTotal++;
                    targetExact += match ? 1 : 0;
                } else {
                    truthTotal++;
                    truthExact += match ? 1 : 0;
                }
                if (!match && tableMismatches.size() < 25) {
                    tableMismatches.add("inspector " + mine + " postgres " + e.pgTables + " :: " + abbreviate(e.sent));
                }
            }
        }
        long inspectMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - inspectStart);

        StringBuilder report = new StringBuilder();
        report.append(String.format(Locale.ROOT, "corpus: %d statements (%d distinct normalised shapes)%n",
                corpus.size(), shapes.size()));
        report.append(String.format(Locale.ROOT, "parse coverage: %d/%d fully understood (%.1f%%)%n",
                understood, corpus.size(), 100.0 * understood / corpus.size()));
        perSource.forEach((source, c) -> report.append(String.format(Locale.ROOT,
                "  %-24s %4d/%4d understood%n", source, c[1], c[0])));
        report.append(String.format(Locale.ROOT,
                "postgres labels: %d write (25006), %d DDL (event trigger), %d read, %d unlabelled (other errors)%n",
                pgWrites, pgDdl, pgReads, unlabelled));
        report.append(String.format(Locale.ROOT, "writes judged read-only: %d (plus %d writing function calls)%n",
                unsafeWrites.size(), functionWrites.size()));
        report.append(String.format(Locale.ROOT, "DDL judged not DDL: %d%n", unsafeDdl.size()));
        report.append(String.format(Locale.ROOT, "reads judged possible writes (fail-closed cost): %d/%d%n",
                readsJudgedWrites, pgReads));
        report.append(String.format(Locale.ROOT,
                "table references, queries (range table of a view): %d/%d exact (%.1f%%)%n",
                truthExact, truthTotal, truthTotal == 0 ? 0.0 : 100.0 * truthExact / truthTotal));
        report.append(String.format(Locale.ROOT,
                "table references, DML targets (EXPLAIN VERBOSE): %d/%d exact (%.1f%%)%n",
                targetExact, targetTotal, targetTotal == 0 ? 0.0 : 100.0 * targetExact / targetTotal));
        report.append(String.format(Locale.ROOT, "time: labelling %d ms, inspecting %d ms (cold cache)%n",
                labelMillis, inspectMillis));
        report.append("writing function calls (PostgreSQL says write, inspector cannot see it):\n");
        functionWrites.forEach(s -> report.append("  ").append(s).append('\n'));
        report.append("reads judged possible writes:\n");
        failClosedReads.forEach(s -> report.append("  ").append(s).append('\n'));
        report.append("not understood:\n");
        notUnderstood.forEach(s -> report.append("  ").append(s).append('\n'));
        report.append("table mismatches (first 25):\n");
        tableMismatches.forEach(s -> report.append("  ").append(s).append('\n'));
        System.out.println(report);
        Files.writeString(Path.of("target", "inspection-corpus-report.txt"), report.toString());

        assertEquals(List.of(), unsafeWrites, "statements PostgreSQL says write but the inspector says cannot");
        assertEquals(List.of(), unsafeDdl, "statements PostgreSQL says are DDL but the inspector says are not");
    }

    /** Compares by name; a schema counts only where the inspector saw one written. */
    private static boolean sameTables(Set<String> mine, Set<String> postgres) {
        if (mine.size() != postgres.size()) {
            return false;
        }
        Set<String> left = new HashSet<>(postgres);
        for (String m : mine) {
            String hit = null;
            for (String p : left) {
                if (p.equals(m) || (!m.contains(".") && p.endsWith("." + m))) {
                    hit = p;
                    break;
                }
            }
            if (hit == null) {
                return false;
            }
            left.remove(hit);
        }
        return true;
    }

    /** Pass 1: BEGIN READ ONLY; statement; ROLLBACK. */
    private static void labelWrites(List<Entry> corpus) throws SQLException {
        Session s = new Session();
        try (s) {
            for (Entry e : corpus) {
                e.readOnlyState = s.inTransaction("begin read only", null, e.executable);
                e.pgWrites = "25006".equals(e.readOnlyState);
            }
        }
    }

    /** Pass 2: BEGIN; arm the event trigger; statement; ROLLBACK. DDL never executes. */
    private static void labelDdl(List<Entry> corpus) throws SQLException {
        Session s = new Session();
        try (s) {
            for (Entry e : corpus) {
                e.pgDdl = DDL_MARKER.equals(
                        s.inTransaction("begin", "set local fenceline.probe_ddl = 'on'", e.executable));
            }
        }
    }

    /**
     * A labelling connection that survives statements after which pgJDBC closes it (a client
     * setting it requires, such as DateStyle, was changed): it reconnects and reports "08003".
     */
    private static final class Session implements AutoCloseable {
        private Connection c;
        private Statement st;

        Session() throws SQLException {
            open();
        }

        private void open() throws SQLException {
            c = connect();
            st = c.createStatement();
        }

        String inTransaction(String begin, String setup, String sql) throws SQLException {
            st.execute(begin);
            if (setup != null) {
                st.execute(setup);
            }
            String state = run(c, st, sql);
            if (c.isClosed()) {
                open();
                return "08003";
            }
            st.execute("rollback");
            return state;
        }

        Connection connection() {
            return c;
        }

        Statement statement() {
            return st;
        }

        @Override
        public void close() throws SQLException {
            c.close();
        }
    }

    /** Pass 3: the relations PostgreSQL resolved, for statements it ran read-only. */
    private static void groundTruthTables(List<Entry> corpus) throws SQLException {
        Session session = new Session();
        try (session) {
            for (Entry e : corpus) {
                Connection c = session.connection();
                Statement st = session.statement();
                String first = firstWord(e.executable);
                boolean query = Set.of("select", "with", "values", "table", "(").contains(first);
                boolean dml = Set.of("insert", "update", "delete", "merge").contains(first);
                if (query && e.readOnlyState == null) {
                    String state = session.inTransaction("begin", null,
                            "create temp view fenceline_probe as " + e.executable);
                    if (state == null) {
                        st = session.statement();
                        st.execute("begin");
                        st.execute("create temp view fenceline_probe as " + e.executable);
                        e.pgTables = viewRelations(st);
                        st.execute("rollback");
                    }
                } else if (dml && e.pgWrites) {
                    st.execute("begin");
                    try (ResultSet rs = st.executeQuery("explain (verbose, format json) " + e.executable)) {
                        rs.next();
                        Matcher m = MODIFY_TARGET.matcher(rs.getString(1));
                        if (m.find()) {
                            e.pgTables = Set.of(m.group(2) + "." + m.group(1));
                            e.groundTruthIsTarget = true;
                        }
                    } catch (SQLException ex) {
                        // No plan (e.g. the statement refers to something that no longer exists).
                        e.pgTables = null;
                    }
                    st.execute("rollback");
                }
            }
        }
    }

    private static Set<String> viewRelations(Statement st) throws SQLException {
        String tree;
        try (ResultSet rs = st.executeQuery("select r.ev_action::text, 'fenceline_probe'::regclass::oid"
                + " from pg_rewrite r where r.ev_class = 'fenceline_probe'::regclass")) {
            rs.next();
            tree = rs.getString(1);
            long self = rs.getLong(2);
            Set<Long> oids = new HashSet<>();
            Matcher m = RELID.matcher(tree);
            while (m.find()) {
                long oid = Long.parseLong(m.group(1));
                if (oid != 0 && oid != self) {
                    oids.add(oid);
                }
            }
            Set<String> names = new TreeSet<>();
            for (long oid : oids) {
                try (ResultSet n = st.getConnection().createStatement().executeQuery(
                        "select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                                + " where c.oid = " + oid)) {
                    if (n.next()) {
                        names.add(n.getString(1) + "." + n.getString(2));
                    }
                }
            }
            return names;
        }
    }

    /** Runs one statement; returns null on success or the SQLSTATE of its error. */
    private static String run(Connection c, Statement st, String sql) {
        try {
            String lower = sql.toLowerCase(Locale.ROOT);
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            if (lower.startsWith("copy") && lower.contains("from stdin")) {
                copy.copyIn(sql, new StringReader(""));
            } else if (lower.startsWith("copy") && lower.contains("to stdout")) {
                copy.copyOut(sql, Writer.nullWriter());
            } else {
                st.execute(sql);
            }
            return null;
        } catch (SQLException e) {
            return e.getSQLState() == null ? "?????" : e.getSQLState();
        } catch (IOException e) {
            return "IOERR";
        }
    }

    private static Connection connect() throws SQLException {
        Connection c = pg.connect(DB);
        try (Statement st = c.createStatement()) {
            st.execute("set statement_timeout = '10s'");
            st.execute("set lock_timeout = '2s'");
        }
        return c;
    }

    private static String firstWord(String sql) {
        List<Token> tokens = Lexer.tokens(sql);
        return tokens.isEmpty() ? "" : tokens.get(0).text();
    }

    private static String abbreviate(String s) {
        String one = s.replaceAll("\\s+", " ");
        return one.length() > 140 ? one.substring(0, 140) + "…" : one;
    }

    static List<Entry> load() throws IOException {
        List<Entry> out = new ArrayList<>();
        try (InputStream in = resource("corpus/corpus.tsv")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t", 3);
                out.add(new Entry(f[0], CorpusCapture.unescape(f[1]), CorpusCapture.unescape(f[2])));
            }
        }
        return out;
    }

    private static InputStream resource(String name) {
        InputStream in = InspectionCorpusIT.class.getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("test resource missing: " + name + " (run proxy/src/test/corpus/capture.sh)");
        }
        return in;
    }
}
