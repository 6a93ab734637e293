package io.fenceline.proxy.sql.corpus;

import io.fenceline.proxy.sql.StatementSplitter;
import io.fenceline.testing.PostgresServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Regenerates the statement corpus of {@code InspectionCorpusIT}: starts a PostgreSQL server with
 * {@code log_statement=all} and CSV logging, runs real clients against it (pgbench's initialisation
 * and built-in scripts in simple and extended mode, psql backslash commands, pgJDBC's
 * {@link DatabaseMetaData}, a Flyway-shaped migration run, a Hibernate-shaped ORM workload, and the
 * PostgreSQL-specific examples of {@code docs-examples.sql}), then reads back every statement the
 * server logged, tagged by the client's {@code application_name}.
 *
 * <p>Writes {@code corpus.tsv} (source, statement as sent, statement with the logged parameter
 * values substituted so it can run on its own) and {@code corpus-schema.sql} ({@code pg_dump
 * --schema-only} at the end of the run, so that the corpus test can recreate the objects the
 * statements use). Run with {@code proxy/src/test/corpus/capture.sh}.
 */
public final class CorpusCapture {

    private static final String DB = "corpus";

    private CorpusCapture() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0]
                : "proxy/src/test/resources/io/fenceline/proxy/sql/corpus");
        Files.createDirectories(out);
        try (PostgresServer pg = PostgresServer.builder()
                .setting("logging_collector", "on")
                .setting("log_destination", "csvlog")
                .setting("log_statement", "all")
                .setting("log_directory", "corpus-log")
                .start()) {
            pg.execute("create database " + DB);
            runAll(pg);
            dumpSchema(pg, out.resolve("corpus-schema.sql"));
            Path logDir = pg.dataDir().resolve("corpus-log");
            pg.stop();
            List<Record> records = readLog(logDir);
            write(records, out.resolve("corpus.tsv"));
            Map<String, Integer> perSource = new TreeMap<>();
            records.forEach(r -> perSource.merge(r.source(), 1, Integer::sum));
            System.out.println("corpus: " + records.size() + " statements " + perSource);
        }
    }

    private static void runAll(PostgresServer pg) throws Exception {
        // ORM schema first: the Flyway-shaped run and the ORM workload use it.
        pgbench(pg, "pgbench-init", "-i", "-s", "1");
        Flyway.run(connect(pg, "flyway"));
        Orm.run(connect(pg, "orm"));
        jdbcMetadata(connect(pg, "pgjdbc-metadata"));
        psqlCommands(pg);
        pgbench(pg, "pgbench", "-M", "simple", "-t", "60", "-b", "tpcb-like");
        pgbench(pg, "pgbench", "-M", "simple", "-t", "60", "-b", "simple-update");
        pgbench(pg, "pgbench", "-M", "simple", "-t", "60", "-b", "select-only");
        pgbench(pg, "pgbench", "-M", "extended", "-t", "10", "-b", "tpcb-like");
        pgbench(pg, "pgbench", "-M", "prepared", "-t", "5", "-b", "tpcb-like");
        psqlFile(pg, "docs", CorpusCapture.class.getResourceAsStream("docs-examples.sql"));
    }

    static Connection connect(PostgresServer pg, String application) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", pg.superuser());
        props.setProperty("ApplicationName", application);
        props.setProperty("prepareThreshold", "1");
        return java.sql.DriverManager.getConnection(pg.jdbcUrl(DB), props);
    }

    private static void pgbench(PostgresServer pg, String application, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("pgbench", "-h", pg.host(), "-p",
                String.valueOf(pg.port()), "-U", pg.superuser()));
        cmd.addAll(List.of(args));
        cmd.add(DB);
        run(cmd, application, null);
    }

    /** psql backslash commands: the catalog queries psql -E shows, as the server logs them. */
    private static void psqlCommands(PostgresServer pg) throws Exception {
        List<String> commands = new ArrayList<>(List.of(
                "\\d", "\\d+", "\\dt", "\\dt+", "\\di", "\\di+", "\\ds", "\\dv", "\\dm", "\\df", "\\df+",
                "\\dn", "\\dn+", "\\du", "\\dg", "\\l", "\\l+", "\\dT", "\\dT+", "\\dx", "\\dx+", "\\dp",
                "\\z", "\\dd", "\\dD", "\\dc", "\\dC", "\\do", "\\dy", "\\des", "\\dew", "\\det", "\\deu",
                "\\dF", "\\dFd", "\\dFp", "\\dFt", "\\dL", "\\dO", "\\drds", "\\dRp", "\\dRs", "\\dA",
                "\\dAc", "\\dAf", "\\dAo", "\\dAp", "\\db", "\\dconfig", "\\dconfig work_mem",
                "\\dt pgbench*", "\\df *count*", "\\dT *status*", "\\sf order_total", "\\sv customer_orders",
                "\\d pgbench_accounts_pkey", "\\d customers_id_seq", "\\dt+ public.*", "\\dv+",
                "\\ef order_total", "\\conninfo"));
        for (String table : List.of("pgbench_accounts", "pgbench_branches", "pgbench_history",
                "pgbench_tellers", "customers", "orders", "order_items", "products", "audit_log",
                "customer_orders", "flyway_schema_history", "categories")) {
            commands.add("\\d " + table);
            commands.add("\\d+ " + table);
        }
        for (String command : commands) {
            if (command.startsWith("\\ef")) {
                continue;
            }
            run(List.of("psql", "-X", "-E", "-h", pg.host(), "-p", String.valueOf(pg.port()), "-U",
                    pg.superuser(), "-d", DB, "-c", command), "psql", null);
        }
    }

    private static void psqlFile(PostgresServer pg, String application, InputStream sql) throws Exception {
        Path file = Files.createTempFile("corpus-", ".sql");
        try (InputStream in = sql) {
            Files.write(file, in.readAllBytes());
            run(List.of("psql", "-X", "-q", "-h", pg.host(), "-p", String.valueOf(pg.port()), "-U",
                    pg.superuser(), "-d", DB, "-f", file.toString()), application, null);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** pgJDBC's DatabaseMetaData: the queries tools (IDEs, ORMs' schema validation) send. */
    private static void jdbcMetadata(Connection c) throws SQLException {
        try (c) {
            DatabaseMetaData md = c.getMetaData();
            drain(md.getCatalogs());
            drain(md.getSchemas());
            drain(md.getSchemas(null, "pub%"));
            drain(md.getTableTypes());
            drain(md.getTypeInfo());
            drain(md.getClientInfoProperties());
            drain(md.getTables(null, "public", "%", null));
            drain(md.getTables(null, null, "%", new String[] {"TABLE", "VIEW"}));
            drain(md.getTables(null, "pg_catalog", "pg_class", null));
            drain(md.getProcedures(null, "public", "%"));
            drain(md.getFunctions(null, "public", "%"));
            drain(md.getProcedureColumns(null, "public", "order_total", "%"));
            drain(md.getFunctionColumns(null, "public", "%", "%"));
            drain(md.getUDTs(null, "public", "%", null));
            for (String table : List.of("customers", "orders", "order_items", "products", "audit_log",
                    "pgbench_accounts", "pgbench_history")) {
                drain(md.getColumns(null, "public", table, "%"));
                drain(md.getPrimaryKeys(null, "public", table));
                drain(md.getImportedKeys(null, "public", table));
                drain(md.getExportedKeys(null, "public", table));
                drain(md.getIndexInfo(null, "public", table, false, true));
                drain(md.getIndexInfo(null, "public", table, true, false));
                drain(md.getTablePrivileges(null, "public", table));
                drain(md.getColumnPrivileges(null, "public", table, "%"));
                drain(md.getBestRowIdentifier(null, "public", table, DatabaseMetaData.bestRowSession, true));
                drain(md.getVersionColumns(null, "public", table));
            }
            drain(md.getCrossReference(null, "public", "customers", null, "public", "orders"));
            md.getUserName();
            md.getDatabaseProductVersion();
            md.getSQLKeywords();
            md.getNumericFunctions();
            md.getStringFunctions();
            md.getSystemFunctions();
            md.getTimeDateFunctions();
        }
    }

    static void drain(ResultSet rs) throws SQLException {
        if (rs == null) {
            return;
        }
        try (rs) {
            while (rs.next()) {
                rs.getObject(1);
            }
        }
    }

    private static void dumpSchema(PostgresServer pg, Path file) throws Exception {
        run(List.of("pg_dump", "--schema-only", "--no-owner", "--no-privileges", "-h", pg.host(), "-p",
                String.valueOf(pg.port()), "-U", pg.superuser(), "-f", file.toString(), DB),
                "capture-harness", null);
    }

    private static void run(List<String> command, String application, Path input) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("PGAPPNAME", application);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + command);
        }
    }

    /** One corpus entry. */
    record Record(String source, String sent, String executable) { }

    private static final Pattern EXECUTE = Pattern.compile("(?s)^execute [^:]*: (.*)$");
    private static final Pattern STATEMENT = Pattern.compile("(?s)^statement: (.*)$");
    private static final Pattern PARAM = Pattern.compile("\\$(\\d+) = (NULL|'(?:[^']|'')*')");

    static List<Record> readLog(Path logDir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(logDir)) {
            files = s.filter(p -> p.toString().endsWith(".csv")).sorted().toList();
        }
        Set<Record> out = new LinkedHashSet<>();
        for (Path f : files) {
            try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                List<String> row;
                while ((row = csvRow(r)) != null) {
                    if (row.size() < 23) {
                        continue;
                    }
                    String message = row.get(13);
                    String detail = row.get(14);
                    String app = row.get(22);
                    if (app.isEmpty() || app.equals("capture-harness")) {
                        continue;
                    }
                    Matcher m = STATEMENT.matcher(message);
                    Matcher e = EXECUTE.matcher(message);
                    if (m.matches()) {
                        for (String sql : StatementSplitter.split(m.group(1))) {
                            out.add(new Record(app, sql, sql));
                        }
                    } else if (e.matches()) {
                        String sql = e.group(1).trim();
                        out.add(new Record(app, sql, substitute(sql, detail)));
                    }
                }
            }
        }
        return new ArrayList<>(out);
    }

    /** Replaces $n by the logged parameter values (highest n first, so $1 never eats $10). */
    static String substitute(String sql, String detail) {
        Map<Integer, String> values = new TreeMap<>((a, b) -> b - a);
        Matcher m = PARAM.matcher(detail == null ? "" : detail);
        while (m.find()) {
            values.put(Integer.parseInt(m.group(1)), m.group(2));
        }
        String s = sql;
        for (Map.Entry<Integer, String> v : values.entrySet()) {
            s = s.replace("$" + v.getKey(), v.getValue());
        }
        return s;
    }

    /** One CSV record as PostgreSQL's csvlog writes it (quoted fields may span lines). */
    static List<String> csvRow(Reader r) throws IOException {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        int c;
        while ((c = r.read()) >= 0) {
            any = true;
            if (quoted) {
                if (c == '"') {
                    r.mark(1);
                    int n = r.read();
                    if (n == '"') {
                        field.append('"');
                    } else {
                        quoted = false;
                        if (n >= 0) {
                            r.reset();
                        }
                    }
                } else {
                    field.append((char) c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else if (c == '\n') {
                fields.add(field.toString());
                return fields;
            } else {
                field.append((char) c);
            }
        }
        if (!any) {
            return null;
        }
        fields.add(field.toString());
        return fields;
    }

    static void write(List<Record> records, Path file) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("# Statement corpus for InspectionCorpusIT, generated by CorpusCapture (see capture.sh).\n");
        b.append("# source<TAB>statement as sent<TAB>statement with logged parameters substituted;\n");
        b.append("# backslash escapes: \\\\n newline, \\\\t tab, \\\\\\\\ backslash.\n");
        for (Record r : records) {
            b.append(r.source()).append('\t').append(escape(r.sent())).append('\t')
                    .append(escape(r.executable())).append('\n');
        }
        Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
    }

    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
    }

    /** The inverse of {@link #escape}: reads a field of {@code corpus.tsv}. */
    public static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(switch (n) {
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    case 't' -> '\t';
                    default -> n;
                });
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    static void executeQuietly(Statement st, String sql) {
        try {
            st.execute(sql);
        } catch (SQLException e) {
            System.err.println("capture: [" + e.getSQLState() + "] " + e.getMessage());
        }
    }

    static void prepared(Connection c, String sql, Object... params) {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            if (ps.execute()) {
                drain(ps.getResultSet());
            }
        } catch (SQLException e) {
            System.err.println("capture: [" + e.getSQLState() + "] " + e.getMessage() + " in " + sql);
        }
    }
}
