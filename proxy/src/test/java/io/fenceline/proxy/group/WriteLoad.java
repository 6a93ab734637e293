package io.fenceline.proxy.group;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * pgJDBC clients writing unique ids through the proxies all the time (each write recorded in a
 * {@link WriteHistory}), and readers on their own sessions (each read recorded here). A writer either stays
 * with its proxy whatever it answers, or follows the writer: on 25006 it reconnects to the next proxy of its
 * route, as an application with a list of hosts does.
 */
final class WriteLoad implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WriteLoad.class);
    static final String INSERT = "INSERT INTO writes (id, cluster, client) VALUES (?, ?, ?)";

    /** One read: null {@code sqlState} when it succeeded. */
    record Read(String client, String cluster, long sentNanos, long endNanos, String sqlState) {
    }

    private final WriteHistory history;
    private final AtomicLong ids;
    private final List<Thread> threads = new ArrayList<>();
    private final ConcurrentLinkedQueue<Read> reads = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> reconnects = new ConcurrentLinkedQueue<>();
    private volatile boolean stop;

    WriteLoad(WriteHistory history, AtomicLong ids) {
        this.history = history;
        this.ids = ids;
    }

    /** A writer that stays with {@code proxy}, whatever it answers (it reconnects only if the connection broke). */
    WriteLoad writer(String name, ProxyChild proxy) {
        return start(name, () -> writeLoop(name, List.of(proxy), false, false));
    }

    /**
     * A writer that starts with {@code route.get(0)} and moves to the next proxy whenever it gets 25006; with
     * {@code simpleProtocol} its statements go as Query messages, else as Parse/Bind/Execute (pgJDBC's default).
     */
    WriteLoad follower(String name, List<ProxyChild> route, boolean simpleProtocol) {
        return start(name, () -> writeLoop(name, List.copyOf(route), true, simpleProtocol));
    }

    /** A reader of {@code proxy} on one session kept open. */
    WriteLoad reader(String name, ProxyChild proxy) {
        return start(name, () -> readLoop(name, proxy));
    }

    private WriteLoad start(String name, Runnable loop) {
        Thread t = new Thread(loop, "load-" + name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
        return this;
    }

    List<Read> reads() {
        return List.copyOf(reads);
    }

    /** "client: from -> to" for every move of a follower. */
    List<String> reconnects() {
        return List.copyOf(reconnects);
    }

    private void writeLoop(String name, List<ProxyChild> route, boolean follow, boolean simpleProtocol) {
        int at = 0;
        Connection c = null;
        PreparedStatement insert = null;
        while (!stop) {
            ProxyChild p = route.get(at);
            if (c == null) {
                try {
                    c = p.connect(simpleProtocol);
                    insert = c.prepareStatement(INSERT);
                } catch (SQLException e) {
                    LOG.debug("{} cannot connect to {}: {}", name, p, e.getMessage());
                    close(c);
                    c = null;
                    pause(50);
                    continue;
                }
            }
            long id = ids.incrementAndGet();
            long sent = System.nanoTime();
            try {
                insert.setLong(1, id);
                insert.setString(2, p.cluster());
                insert.setString(3, name);
                insert.executeUpdate();
                history.acked(id, name, p.cluster(), sent, System.nanoTime());
                pause(2);
            } catch (SQLException e) {
                long end = System.nanoTime();
                String state = e.getSQLState();
                history.failed(id, name, p.cluster(), sent, end, state);
                if ("25006".equals(state)) {
                    if (follow && route.size() > 1) {
                        close(c);
                        c = null;
                        int next = (at + 1) % route.size();
                        reconnects.add(name + ": " + p.cluster() + " -> " + route.get(next).cluster());
                        at = next;
                    }
                    pause(20);
                } else if (state == null || state.startsWith("08")) {
                    close(c);
                    c = null;
                    pause(50);
                } else {
                    LOG.info("{}: write {} to {} failed with {}: {}", name, id, p.cluster(), state, e.getMessage());
                    pause(10);
                }
            }
        }
        close(c);
    }

    private void readLoop(String name, ProxyChild p) {
        Connection c = null;
        while (!stop) {
            long sent = System.nanoTime();
            try {
                if (c == null) {
                    c = p.connect();
                }
                try (PreparedStatement s = c.prepareStatement("SELECT max(id) FROM writes");
                     ResultSet rs = s.executeQuery()) {
                    rs.next();
                }
                reads.add(new Read(name, p.cluster(), sent, System.nanoTime(), null));
            } catch (SQLException e) {
                reads.add(new Read(name, p.cluster(), sent, System.nanoTime(),
                        e.getSQLState() == null ? "?????" : e.getSQLState()));
                if (e.getSQLState() == null || e.getSQLState().startsWith("08")) {
                    close(c);
                    c = null;
                }
            }
            pause(20);
        }
        close(c);
    }

    private static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                LOG.debug("closing a load connection failed", e);
            }
        }
    }

    private void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop = true;
        }
    }

    /** Stops every client and waits until each has finished its current statement. */
    @Override
    public void close() throws InterruptedException {
        stop = true;
        for (Thread t : threads) {
            t.join(70_000);
            if (t.isAlive()) {
                throw new AssertionError(t.getName() + " did not stop within 70 s");
            }
        }
    }
}
