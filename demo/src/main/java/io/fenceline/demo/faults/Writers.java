package io.fenceline.demo.faults;

import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * pgJDBC writers through every proxy, each with unique ids and every outcome recorded: {@code ok}
 * (acknowledged), a refusal with its SQLSTATE, or {@code unknown} (the connection broke or timed out before the
 * answer). Three shapes of write: one INSERT in autocommit; a batch of three INSERTs (pgJDBC pipelines them:
 * Parse/Bind/Execute three times, one Sync); and an explicit transaction of two INSERTs and COMMIT.
 */
final class Writers {

    /** What the client saw for one id. */
    record Outcome(long id, String cluster, String kind, String result) {
        boolean acknowledged() {
            return result.equals("ok");
        }

        boolean unknown() {
            return result.equals("unknown");
        }
    }

    private static final AtomicLong IDS = new AtomicLong(System.currentTimeMillis() * 1000);

    private final FaultRig rig;
    private final long schedule;
    private final long seed;
    private final Map<Long, Outcome> outcomes = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stop;

    Writers(FaultRig rig, long schedule, long seed) {
        this.rig = rig;
        this.schedule = schedule;
        this.seed = seed;
    }

    void start(int perProxy) {
        int n = 0;
        for (String cluster : FaultRig.CLUSTERS) {
            for (int i = 0; i < perProxy; i++) {
                Random r = new Random(seed * 31 + n++);
                Thread t = new Thread(() -> run(cluster, r), "faults-writer-" + cluster + "-" + i);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
        }
    }

    /** Stops the writers and waits for their last write (bounded by the socket timeout). */
    void stop() throws InterruptedException {
        stop = true;
        for (Thread t : threads) {
            t.join(30_000);
        }
    }

    Map<Long, Outcome> outcomes() {
        return Map.copyOf(outcomes);
    }

    private void run(String cluster, Random r) {
        Connection c = null;
        while (!stop) {
            try {
                if (c == null) {
                    c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + rig.proxyPort(cluster) + "/"
                            + FaultRig.DATABASE + "?user=postgres&connectTimeout=3&socketTimeout=12"
                            + "&ApplicationName=faults-writer");
                }
            } catch (SQLException e) {
                pause(100);
                continue;
            }
            int shape = r.nextInt(3);
            String kind = shape == 0 ? "single" : shape == 1 ? "batch" : "transaction";
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < (shape == 0 ? 1 : shape == 1 ? 3 : 2); i++) {
                ids.add(IDS.incrementAndGet());
            }
            String result;
            try {
                write(c, shape, ids, kind);
                result = "ok";
            } catch (SQLException e) {
                String state = sqlState(e);
                boolean broken = state == null || state.startsWith("08") || state.startsWith("57P");
                result = broken ? "unknown" : state;
                if (broken) {
                    close(c);
                    c = null;
                } else {
                    rollbackQuietly(c);
                }
            }
            for (long id : ids) {
                outcomes.put(id, new Outcome(id, cluster, kind, result));
            }
            pause(5 + r.nextInt(15));
        }
        close(c);
    }

    private void write(Connection c, int shape, List<Long> ids, String kind) throws SQLException {
        String sql = "INSERT INTO w (id, schedule, kind) VALUES (?, " + schedule + ", '" + kind + "')";
        if (shape == 0) {
            c.setAutoCommit(true);
            try (PreparedStatement s = c.prepareStatement(sql)) {
                s.setLong(1, ids.get(0));
                s.executeUpdate();
            }
        } else if (shape == 1) {
            c.setAutoCommit(true);
            try (PreparedStatement s = c.prepareStatement(sql)) {
                for (long id : ids) {
                    s.setLong(1, id);
                    s.addBatch();
                }
                s.executeBatch();
            }
        } else {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement(sql)) {
                for (long id : ids) {
                    s.setLong(1, id);
                    s.executeUpdate();
                }
            }
            c.commit();
        }
    }

    private static String sqlState(SQLException e) {
        SQLException x = e;
        if (e instanceof BatchUpdateException && e.getNextException() != null) {
            x = e.getNextException();
        }
        if (x.getSQLState() == null && x.getCause() instanceof SQLException inner) {
            return inner.getSQLState();
        }
        return x.getSQLState();
    }

    private static void rollbackQuietly(Connection c) {
        try {
            if (!c.getAutoCommit()) {
                c.rollback();
            }
        } catch (SQLException ignored) {
            // The next write reconnects if the connection is gone.
        }
    }

    private static void close(Connection c) {
        if (c == null) {
            return;
        }
        try (Statement ignored = null) {
            c.close();
        } catch (SQLException ignored) {
            // Already broken.
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
