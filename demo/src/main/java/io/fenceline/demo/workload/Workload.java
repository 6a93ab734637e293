package io.fenceline.demo.workload;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The demo's application. Writer threads insert orders with unique ids through the proxy of the cluster they
 * believe is the writer; a write refused with 25006 (read-only) moves that thread to the next candidate
 * cluster, as an application with a list of regions would. A reader per cluster queries through that
 * cluster's proxy. The application version (0: amounts in cents, 1: amounts as numeric) changes by a rolling
 * restart of the writers ({@link #deploy(int)}); when the proxies enforce schema versions, each connection
 * declares its version with {@code options=-c fenceline.schema_version=N}.
 */
public final class Workload implements AutoCloseable {

    /** Where one cluster's proxy listens. */
    public record Endpoint(String cluster, int port) {
    }

    private final List<Endpoint> endpoints;
    private final List<String> candidates;
    private final String database;
    private final boolean declareVersion;
    private final LongSupplier clock;
    private final long paceMillis;
    private final WriteLog log = new WriteLog();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicInteger version = new AtomicInteger();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong readErrors = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();

    /**
     * @param endpoints      every cluster's proxy
     * @param candidates     the clusters writes may go to, the first one tried first
     * @param database       the application database
     * @param declareVersion whether connections declare their schema version
     * @param clock          milliseconds since the run began
     * @param paceMillis     pause between two writes of one thread
     */
    public Workload(List<Endpoint> endpoints, List<String> candidates, String database, boolean declareVersion,
                    LongSupplier clock, long paceMillis) {
        this.endpoints = List.copyOf(endpoints);
        this.candidates = List.copyOf(candidates);
        this.database = database;
        this.declareVersion = declareVersion;
        this.clock = clock;
        this.paceMillis = paceMillis;
    }

    /** Starts {@code writers} writer threads and a reader per cluster. */
    public void start(int writers) {
        for (int i = 0; i < writers; i++) {
            Thread t = new Thread(this::write, "demo-writer-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
        for (Endpoint e : endpoints) {
            Thread t = new Thread(() -> read(e), "demo-reader-" + e.cluster());
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    /** Rolls the writers over to application version {@code v}: each reconnects before its next write. */
    public void deploy(int v) {
        version.set(v);
    }

    public int version() {
        return version.get();
    }

    public WriteLog log() {
        return log;
    }

    public long reads() {
        return reads.get();
    }

    public long readErrors() {
        return readErrors.get();
    }

    private Endpoint endpoint(String cluster) {
        return endpoints.stream().filter(e -> e.cluster().equals(cluster)).findFirst().orElseThrow();
    }

    private Connection connect(Endpoint e, int appVersion) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "app");
        p.setProperty("connectTimeout", "5");
        p.setProperty("socketTimeout", "15");
        p.setProperty("ApplicationName", "demo-app-v" + appVersion);
        if (declareVersion) {
            p.setProperty("options", "-c fenceline.schema_version=" + appVersion);
        }
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + e.port() + "/" + database, p);
    }

    private void write() {
        int target = 0;
        Connection connection = null;
        int connectedVersion = -1;
        String connectedTo = null;
        PreparedStatement insert = null;
        try {
            while (!stop.get()) {
                String cluster = candidates.get(target);
                int appVersion = version.get();
                if (connection == null || connectedVersion != appVersion || !cluster.equals(connectedTo)) {
                    close(connection);
                    connection = null;
                    try {
                        connection = connect(endpoint(cluster), appVersion);
                        insert = connection.prepareStatement(appVersion == 0
                                ? "INSERT INTO orders (id, customer, amount_cents) VALUES (?, ?, ?)"
                                : "INSERT INTO orders (id, customer, amount) VALUES (?, ?, ?)");
                        connectedVersion = appVersion;
                        connectedTo = cluster;
                    } catch (SQLException e) {
                        // Not a write yet: nothing to record. Try the next candidate after a pause.
                        target = (target + 1) % candidates.size();
                        pause(200);
                        continue;
                    }
                }
                long id = ids.incrementAndGet();
                long cents = ThreadLocalRandom.current().nextLong(100, 100_000);
                try {
                    insert.setLong(1, id);
                    insert.setString(2, "customer " + (id % 97));
                    if (appVersion == 0) {
                        insert.setLong(3, cents);
                    } else {
                        insert.setBigDecimal(3, java.math.BigDecimal.valueOf(cents, 2));
                    }
                    insert.executeUpdate();
                    log.add(new Outcome.Accepted(id, cluster, clock.getAsLong()));
                } catch (SQLException e) {
                    String state = e.getSQLState();
                    if (state == null || state.startsWith("08") || !connection.isValid(1)) {
                        log.add(new Outcome.Unknown(id, cluster, clock.getAsLong(), state + " " + e.getMessage()));
                        close(connection);
                        connection = null;
                    } else {
                        log.add(new Outcome.Refused(id, cluster, clock.getAsLong(), state, e.getMessage()));
                        if (state.equals("25006")) {
                            target = (target + 1) % candidates.size();
                        }
                    }
                    pause(50);
                }
                pause(paceMillis);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("writer thread failed outside a write: " + e.getMessage(), e);
        } finally {
            close(connection);
        }
    }

    private void read(Endpoint e) {
        Connection connection = null;
        int connectedVersion = -1;
        while (!stop.get()) {
            try {
                if (connection != null && connectedVersion != version.get()) {
                    // The rolling restart reaches the readers too: no connection of the old version stays behind.
                    close(connection);
                    connection = null;
                }
                if (connection == null) {
                    connectedVersion = version.get();
                    connection = connect(e, connectedVersion);
                }
                try (PreparedStatement s = connection.prepareStatement(
                        "SELECT id, customer FROM orders WHERE id > ? ORDER BY id LIMIT 10")) {
                    s.setLong(1, Math.max(0, ids.get() - 50));
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            rs.getLong(1);
                        }
                    }
                }
                reads.incrementAndGet();
            } catch (SQLException ex) {
                readErrors.incrementAndGet();
                close(connection);
                connection = null;
            }
            pause(100);
        }
        close(connection);
    }

    private void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop.set(true);
        }
    }

    private static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // The connection is being dropped; its close error changes nothing.
            }
        }
    }

    /** Stops every thread and waits for them (each finishes its current statement). */
    @Override
    public void close() {
        stop.set(true);
        for (Thread t : threads) {
            try {
                t.join(20_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Counts of accepted ids present on {@code connection}'s database. */
    public static long countPresent(Connection connection, long[] ids) throws SQLException {
        if (ids.length == 0) {
            return 0;
        }
        Long[] boxed = new Long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            boxed[i] = ids[i];
        }
        try (PreparedStatement s = connection.prepareStatement("SELECT count(*) FROM orders WHERE id = ANY (?)")) {
            s.setArray(1, connection.createArrayOf("bigint", boxed));
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The number of workload rows (positive ids) on {@code connection}'s database. */
    public static long countRows(Connection connection) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("SELECT count(*) FROM orders WHERE id > 0");
             ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** For the report: SQLSTATE counts. */
    public Map<String, Long> refused() {
        return log.refusedBySqlState();
    }
}
