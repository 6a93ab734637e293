package io.fenceline.proxy.fuzz;

import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.EtcdAccess;
import io.fenceline.config.coordination.EtcdSettings;
import io.fenceline.config.file.ProxySettings;
import io.fenceline.config.group.ControlDatabase;
import io.fenceline.config.group.Failover;
import io.fenceline.config.group.GroupSettings;
import io.fenceline.proxy.ProxyProcess;
import io.fenceline.proxy.TestProxies;
import io.fenceline.proxy.authority.WriteGate;
import io.fenceline.testing.EtcdCluster;
import io.fenceline.testing.PostgresServer;

import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * What the harness runs against: a one-member etcd and two non-writer proxies, each the only candidate of its
 * own group with the operator's mode {@code read-only} set before it starts (so it never holds the writer lease):
 * <ul>
 *   <li>{@code fenced}: the proxy fences its own PostgreSQL (the database fence on);</li>
 *   <li>{@code proxy-only}: the proxy's fence is pointed at a third, otherwise unused PostgreSQL, so the database
 *       behind it is never fenced and only the proxy stands — what every session sees before the fence lands,
 *       and what a proxy in front of a database it cannot fence sees always.</li>
 * </ul>
 * Each database behind a proxy has a {@link DatabaseOracle}, made before its proxy starts.
 */
final class FenceRig implements AutoCloseable {

    /** One proxy and the oracle of the database behind it. */
    record Target(String name, ProxyProcess proxy, DatabaseOracle oracle) {
        InetSocketAddress address() {
            return proxy.server().address();
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(60);

    private final List<AutoCloseable> opened = new ArrayList<>();
    private final List<Target> targets = new ArrayList<>();
    private final EtcdCluster etcd;
    private final Coordinator operator;
    private final PostgresServer fencedPg;
    private final PostgresServer openPg;

    FenceRig() {
        try {
            etcd = keep(EtcdCluster.start(1));
            // The test's own etcd client: a generous timeout, since a loaded machine answers the first requests slowly.
            operator = keep(Coordinator.connect(EtcdSettings.defaults(etcd.endpoints())
                    .withRequestTimeout(Duration.ofSeconds(20))));
            fencedPg = keep(postgres());
            openPg = keep(postgres());
            PostgresServer decoy = keep(PostgresServer.builder().start());
            DatabaseOracle fencedOracle = keep(new DatabaseOracle(fencedPg, "fuzz"));
            DatabaseOracle openOracle = keep(new DatabaseOracle(openPg, "fuzz"));
            targets.add(new Target("fenced", keep(nonWriter("fuzz-fenced", fencedPg, fencedPg)), fencedOracle));
            targets.add(new Target("proxy-only", keep(nonWriter("fuzz-open", openPg, decoy)), openOracle));
            awaitFencedAgainstBypass(fencedPg);
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw new IllegalStateException("cannot start the fuzz rig: " + e.getMessage(), e);
        }
    }

    private static PostgresServer postgres() {
        return PostgresServer.builder().setting("max_prepared_transactions", "5").start();
    }

    List<Target> targets() {
        return targets;
    }

    EtcdCluster etcd() {
        return etcd;
    }

    Coordinator operator() {
        return operator;
    }

    /** The PostgreSQL behind the proxy-only target: the schema harness puts its databases there. */
    PostgresServer openPostgres() {
        return openPg;
    }

    List<PostgresServer> servers() {
        return List.of(fencedPg, openPg);
    }

    /**
     * A proxy of a fresh group whose only candidate is cluster "a", in mode read-only before it starts, relaying
     * to {@code upstream} and fencing {@code fence}.
     */
    private ProxyProcess nonWriter(String group, PostgresServer upstream, PostgresServer fence) {
        try {
            operator.store().putText(operator.keys().mode(group, "a"), "read-only").get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot set the mode of group " + group, e);
        }
        EtcdSettings etcdSettings = EtcdSettings.defaults(etcd.endpoints())
                .withLease(Duration.ofSeconds(3), Duration.ofMillis(500));
        GroupSettings g = GroupSettings.of(group, "a", "a-1", "a", List.of("a"), Failover.MANUAL);
        ControlDatabase fenceDb = new ControlDatabase(fence.jdbcUrl("postgres"), fence.superuser(), null, null,
                Duration.ofSeconds(2));
        ProxySettings settings = TestProxies.settings(upstream).withGroup(
                new ProxySettings.Etcd(etcdSettings, EtcdAccess.NONE), new ProxySettings.Group(g, fenceDb, 3));
        ProxyProcess p = ProxyProcess.start(settings);
        WriteGate gate = p.writerAuthority().orElseThrow().gate();
        if (!(gate.standing() instanceof WriteGate.Standing.Closed)) {
            p.close();
            throw new IllegalStateException("proxy of " + group + " is not closed to writes: " + gate.standing());
        }
        return p;
    }

    /** Waits until a connection that bypasses the proxy, as the sessions' role, cannot insert. */
    private static void awaitFencedAgainstBypass(PostgresServer pg) throws InterruptedException {
        await("the database fence of " + pg + " refuses a bypassing write", () -> {
            Properties p = new Properties();
            p.setProperty("user", FuzzDatabase.ROLE);
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl("fuzz"), p); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                try {
                    s.execute("INSERT INTO t VALUES (-1, 'probe')");
                    return false;
                } catch (SQLException refused) {
                    return true;
                } finally {
                    c.rollback();
                }
            } catch (SQLException e) {
                throw new IllegalStateException("cannot probe " + pg, e);
            }
        });
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new IllegalStateException("not within " + WAIT.toSeconds() + " s: " + what);
            }
            Thread.sleep(20);
        }
    }

    private <T extends AutoCloseable> T keep(T c) {
        opened.add(c);
        return c;
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = new IllegalStateException("closing " + opened.get(i) + " failed", e);
                }
            }
        }
        opened.clear();
        if (first != null) {
            throw first;
        }
    }
}
