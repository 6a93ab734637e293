package io.fenceline.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server for one test class: {@code initdb} into a fresh temporary directory and
 * {@code pg_ctl start} on a free loopback port. When the JVM runs as root the server runs as the
 * {@code postgres} OS user ({@code runuser -u postgres --}), because PostgreSQL refuses to run as root.
 *
 * <p>The server is configured for tests: {@code wal_level=logical} with enough WAL senders and slots for
 * logical replication between instances, no fsync, {@code listen_addresses=127.0.0.1}, its unix socket
 * inside the temporary directory, and {@code trust} authentication for everyone unless the builder adds
 * {@link Builder#hba(String) pg_hba lines} (placed before the trust lines). Several servers may run at once.
 *
 * <p>{@link #close()} stops the server and deletes the directory; a JVM shutdown hook does the same for
 * servers still open when the JVM exits. Failure to start throws at once with the cause and the last lines
 * of the initdb or server log.
 */
public final class PostgresServer implements AutoCloseable, LogSource {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresServer.class);
    private static final String SUPERUSER = "postgres";
    private static final int START_ATTEMPTS = 3;

    private final Path binDir;
    private final Path baseDir;
    private final Path dataDir;
    private final Path socketDir;
    private final Path logFile;
    private final boolean asPostgresUser;
    private final int port;
    private final Duration startTimeout;
    private volatile boolean running;
    private volatile boolean closed;

    private PostgresServer(Builder builder, Path binDir, Path baseDir, int port) {
        this.binDir = binDir;
        this.baseDir = baseDir;
        this.dataDir = baseDir.resolve("data");
        this.socketDir = baseDir.resolve("socket");
        this.logFile = baseDir.resolve("server.log");
        this.asPostgresUser = builder.runAsPostgresUser;
        this.port = port;
        this.startTimeout = builder.startTimeout;
    }

    /** A builder with the test defaults; call {@link Builder#start()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of a server to start. */
    public static final class Builder {
        private final Map<String, String> settings = new LinkedHashMap<>();
        private final List<String> hbaLines = new ArrayList<>();
        private Path binDir;
        private int port;
        private Duration startTimeout = Duration.ofSeconds(60);
        private boolean runAsPostgresUser = Os.isRoot();

        private Builder() {
        }

        /** Adds or overrides a {@code postgresql.conf} setting, e.g. {@code setting("max_connections", "200")}. */
        public Builder setting(String name, String value) {
            settings.put(name, value);
            return this;
        }

        /**
         * Adds a {@code pg_hba.conf} line, placed before the default trust lines so that users with
         * {@code md5} or {@code scram-sha-256} authentication can be tested.
         */
        public Builder hba(String line) {
            hbaLines.add(line);
            return this;
        }

        /** Sets {@code password_encryption} ({@code md5} or {@code scram-sha-256}) for passwords set later. */
        public Builder passwordEncryption(String method) {
            return setting("password_encryption", method);
        }

        /** Uses the server binaries in this directory instead of searching for them. */
        public Builder binDir(Path dir) {
            this.binDir = dir;
            return this;
        }

        /** Listens on this port instead of a free one (mostly for testing start-up failures). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** How long {@code pg_ctl start} may take before start-up counts as failed (default 60 s). */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /**
         * Initialises and starts the server.
         *
         * @throws IllegalStateException naming the cause and the last log lines when it cannot start
         */
        public PostgresServer start() {
            Path bin = binDir != null ? checkBinDir(binDir) : findBinDir();
            // An automatically chosen port can be taken by another process between probe and bind;
            // only that case is tried again, with a new port and a new directory.
            RuntimeException lastFailure = null;
            int attempts = port != 0 ? 1 : START_ATTEMPTS;
            for (int attempt = 1; attempt <= attempts; attempt++) {
                int chosen = port != 0 ? port : FreePorts.take(1)[0];
                PostgresServer server = new PostgresServer(this, bin, createBaseDir(), chosen);
                OpenFixtures.add(server);
                try {
                    server.initialise(settings, hbaLines);
                    server.start();
                    return server;
                } catch (RuntimeException e) {
                    server.close();
                    boolean portRace = port == 0 && e.getMessage() != null
                            && e.getMessage().contains("Address already in use");
                    if (!portRace) {
                        throw e;
                    }
                    LOG.warn("port {} was taken before PostgreSQL could bind it; trying another port", chosen);
                    lastFailure = e;
                }
            }
            throw lastFailure;
        }

        private Path createBaseDir() {
            try {
                Path dir = Files.createTempDirectory("fenceline-pg-");
                Files.createDirectories(dir.resolve("socket"));
                if (runAsPostgresUser) {
                    Os.Result chown = Os.run(List.of("chown", "-R", SUPERUSER + ":", dir.toString()), null,
                            dir.resolve("chown.log"), 30);
                    if (!chown.ok()) {
                        throw new IllegalStateException("could not give " + dir + " to the OS user postgres: "
                                + chown.output());
                    }
                }
                return dir;
            } catch (IOException e) {
                throw new UncheckedIOException("could not create a temporary directory for PostgreSQL", e);
            }
        }
    }

    /** The directory with {@code initdb}, {@code pg_ctl} and {@code postgres}: PATH, pg_config, newest install. */
    static Path findBinDir() {
        List<String> looked = new ArrayList<>();
        Path pgCtl = Os.onPath("pg_ctl");
        if (pgCtl != null && Files.isExecutable(pgCtl.resolveSibling("initdb"))) {
            return pgCtl.getParent();
        }
        looked.add("PATH=" + System.getenv("PATH"));
        Path pgConfig = Os.onPath("pg_config");
        if (pgConfig != null) {
            try {
                Process process = new ProcessBuilder(pgConfig.toString(), "--bindir").redirectErrorStream(true).start();
                String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                if (process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0
                        && Files.isExecutable(Path.of(out, "pg_ctl"))) {
                    return Path.of(out);
                }
                looked.add("pg_config --bindir=" + out);
            } catch (IOException e) {
                looked.add("pg_config failed: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while running pg_config", e);
            }
        }
        Path installs = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(installs)) {
            try (Stream<Path> versions = Files.list(installs)) {
                Optional<Path> newest = versions
                        .filter(v -> v.getFileName().toString().matches("\\d+(\\.\\d+)?"))
                        .filter(v -> Files.isExecutable(v.resolve("bin/pg_ctl")))
                        .max(Comparator.comparingDouble(v -> Double.parseDouble(v.getFileName().toString())));
                if (newest.isPresent()) {
                    return newest.get().resolve("bin");
                }
            } catch (IOException e) {
                looked.add(installs + ": " + e.getMessage());
            }
        }
        looked.add(installs + "/*/bin");
        throw new IllegalStateException("PostgreSQL server binaries (initdb, pg_ctl) not found; looked in "
                + String.join("; ", looked) + ". Install them with: apt-get install -y postgresql postgresql-contrib");
    }

    private static Path checkBinDir(Path dir) {
        for (String binary : List.of("initdb", "pg_ctl", "postgres")) {
            if (!Files.isExecutable(dir.resolve(binary))) {
                throw new IllegalStateException("PostgreSQL binary " + binary + " not found or not executable in "
                        + dir + " (builder.binDir)");
            }
        }
        return dir;
    }

    private void initialise(Map<String, String> settings, List<String> hbaLines) {
        Path initdbLog = baseDir.resolve("initdb.log");
        Os.Result initdb = Os.run(command(binDir.resolve("initdb").toString(), "-D", dataDir.toString(),
                "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"), baseDir, initdbLog, 120);
        if (!initdb.ok()) {
            throw new IllegalStateException("initdb failed (exit " + initdb.exitCode() + ") in " + dataDir
                    + "; last lines of " + initdbLog + ":\n" + initdb.output());
        }
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("listen_addresses", "'127.0.0.1'");
        conf.put("port", Integer.toString(port));
        conf.put("unix_socket_directories", "'" + socketDir + "'");
        conf.put("wal_level", "logical");
        conf.put("max_wal_senders", "20");
        conf.put("max_replication_slots", "20");
        conf.put("max_worker_processes", "16");
        conf.put("max_logical_replication_workers", "8");
        conf.put("fsync", "off");
        conf.put("synchronous_commit", "off");
        conf.put("full_page_writes", "off");
        conf.put("shared_buffers", "32MB");
        conf.put("max_connections", "100");
        conf.put("log_line_prefix", "'%m [%p] %q%u@%d '");
        settings.forEach((name, value) -> conf.put(name, quoteIfNeeded(value)));
        StringBuilder text = new StringBuilder("\n# fenceline test fixture\n");
        conf.forEach((name, value) -> text.append(name).append(" = ").append(value).append('\n'));

        StringBuilder hba = new StringBuilder("# fenceline test fixture: builder lines first, then trust\n");
        hbaLines.forEach(line -> hba.append(line).append('\n'));
        hba.append("local all all trust\n")
                .append("host all all 127.0.0.1/32 trust\n")
                .append("host all all ::1/128 trust\n")
                .append("local replication all trust\n")
                .append("host replication all 127.0.0.1/32 trust\n");
        try {
            Files.writeString(dataDir.resolve("postgresql.conf"), text, StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.APPEND);
            Files.writeString(dataDir.resolve("pg_hba.conf"), hba, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the configuration of " + dataDir, e);
        }
    }

    private static String quoteIfNeeded(String value) {
        if (value.matches("-?[0-9.]+[a-zA-Z]*|on|off|true|false|'.*'")) {
            return value;
        }
        return "'" + value.replace("'", "''") + "'";
    }

    private List<String> command(String... args) {
        List<String> command = new ArrayList<>();
        if (asPostgresUser) {
            command.addAll(List.of("runuser", "-u", SUPERUSER, "--"));
        }
        command.addAll(List.of(args));
        return command;
    }

    private Os.Result pgCtl(String... args) {
        List<String> full = new ArrayList<>(List.of(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString()));
        full.addAll(List.of(args));
        return Os.run(command(full.toArray(String[]::new)), baseDir, baseDir.resolve("pg_ctl.log"),
                startTimeout.toSeconds() + 30);
    }

    /**
     * Starts the (stopped or killed) server again on the same port and data directory.
     *
     * @throws IllegalStateException with the server log tail when it does not come up
     */
    public synchronized void start() {
        checkOpen();
        if (running) {
            return;
        }
        Os.Result result = pgCtl("-l", logFile.toString(), "-w", "-t", Long.toString(startTimeout.toSeconds()), "start");
        if (!result.ok()) {
            throw new IllegalStateException("PostgreSQL did not start on 127.0.0.1:" + port + " (pg_ctl exit "
                    + result.exitCode() + "): " + lastLine(result.output()) + "\nlast lines of " + logFile + ":\n"
                    + logTail(30));
        }
        running = true;
        LOG.info("PostgreSQL started on 127.0.0.1:{} in {}", port, baseDir);
    }

    private static String lastLine(String output) {
        String[] lines = output.strip().split("\n");
        return lines.length == 0 ? "" : lines[lines.length - 1];
    }

    /** Stops the server cleanly ({@code pg_ctl stop -m fast}); {@link #start()} brings it back. */
    public synchronized void stop() {
        if (!running) {
            return;
        }
        Os.Result result = pgCtl("-m", "fast", "-w", "-t", "30", "stop");
        if (!result.ok()) {
            throw new IllegalStateException("pg_ctl stop failed for 127.0.0.1:" + port + ": " + result.output()
                    + "\nlast lines of " + logFile + ":\n" + logTail(30));
        }
        running = false;
    }

    /**
     * Kills the postmaster with SIGKILL, as a crash would, and waits until all of its processes are gone so
     * that {@link #start()} can run crash recovery on the same data directory.
     */
    public synchronized void kill() {
        if (!running) {
            return;
        }
        Optional<ProcessHandle> postmaster = postmaster();
        if (postmaster.isPresent()) {
            List<ProcessHandle> children = postmaster.get().descendants().toList();
            postmaster.get().destroyForcibly();
            waitGone(postmaster.get(), Duration.ofSeconds(10));
            // Backends notice the postmaster's death on their own; make sure none lingers.
            for (ProcessHandle child : children) {
                if (!waitGone(child, Duration.ofSeconds(5))) {
                    child.destroyForcibly();
                    waitGone(child, Duration.ofSeconds(5));
                }
            }
        }
        running = false;
    }

    private static boolean waitGone(ProcessHandle handle, Duration timeout) {
        try {
            handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return !handle.isAlive();
        } catch (java.util.concurrent.ExecutionException e) {
            return !handle.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !handle.isAlive();
        }
    }

    /** The postmaster process, from the first line of {@code postmaster.pid}. */
    public Optional<ProcessHandle> postmaster() {
        Path pidFile = dataDir.resolve("postmaster.pid");
        try {
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            return lines.isEmpty() ? Optional.empty() : ProcessHandle.of(Long.parseLong(lines.get(0).strip()));
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("could not read " + pidFile, e);
        }
    }

    /** Whether the server was started and not stopped or killed since. */
    public boolean isRunning() {
        return running;
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    /** The directory of the server's unix socket ({@code .s.PGSQL.<port>}). */
    public Path socketDir() {
        return socketDir;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path logFile() {
        return logFile;
    }

    /** The superuser's name, {@code postgres}; it needs no password (trust). */
    public String superuser() {
        return SUPERUSER;
    }

    /** A pgJDBC URL for a database of this server. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port + "/" + database;
    }

    /** A new superuser connection to database {@code postgres}; the caller closes it. */
    public Connection connect() throws SQLException {
        return connect("postgres");
    }

    /** A new superuser connection to {@code database}; the caller closes it. */
    public Connection connect(String database) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", SUPERUSER);
        props.setProperty("connectTimeout", "10");
        return DriverManager.getConnection(jdbcUrl(database), props);
    }

    /**
     * Runs SQL as the superuser on database {@code postgres}, in its own connection.
     *
     * @throws IllegalStateException naming the server and statement when PostgreSQL rejects it
     */
    public void execute(String sql) {
        executeIn("postgres", sql);
    }

    /** Runs SQL as the superuser on {@code database}, in its own connection. */
    public void executeIn(String database, String sql) {
        try (Connection connection = connect(database); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("statement failed on postgres " + host() + ":" + port + "/" + database
                    + " [" + e.getSQLState() + "] " + e.getMessage() + "; statement: " + sql, e);
        }
    }

    /** The first column of the first row of a query as text, or null when it returns no row. */
    public String queryValue(String database, String sql) {
        try (Connection connection = connect(database); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            return rows.next() ? rows.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException("query failed on postgres " + host() + ":" + port + "/" + database
                    + " [" + e.getSQLState() + "] " + e.getMessage() + "; query: " + sql, e);
        }
    }

    @Override
    public String describe() {
        return "postgres 127.0.0.1:" + port + " (" + baseDir + ")";
    }

    @Override
    public String logTail(int lines) {
        return Os.tail(logFile, lines);
    }

    /** Stops the server (killing it when a clean stop fails) and deletes its directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (running) {
                try {
                    stop();
                } catch (RuntimeException e) {
                    LOG.warn("clean stop of {} failed, killing it", describe(), e);
                    kill();
                }
            } else if (postmaster().isPresent()) {
                // A failed start may leave a postmaster behind.
                running = true;
                kill();
            }
        } finally {
            List<String> problems = Os.deleteTree(baseDir);
            if (!problems.isEmpty()) {
                LOG.warn("could not delete all of {}: {}", baseDir, problems);
            }
            OpenFixtures.remove(this);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(describe() + " is closed");
        }
    }

    @Override
    public String toString() {
        return describe();
    }
}
