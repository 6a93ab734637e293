package io.fenceline.control.fleet;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One small HikariCP pool per cluster (control runs one statement stream per cluster at a time). Pools are
 * created lazily so that an unreachable cluster is reported when it is used, with its name. Control's sessions
 * write even on a cluster its proxy fenced read-only (see {@link #connect}).
 */
public final class Fleet implements AutoCloseable {

    private final FleetConfig config;
    private final Map<String, HikariDataSource> pools = new LinkedHashMap<>();

    public Fleet(FleetConfig config) {
        this.config = config;
    }

    /** The configuration the pools were made from. */
    public FleetConfig config() {
        return config;
    }

    /**
     * A connection to {@code cluster}'s database (autocommit on), with {@code default_transaction_read_only}
     * off for this session so that migrations also apply on clusters fenced because they are not the writer;
     * the caller closes it.
     *
     * @throws SQLException naming the cluster when it cannot be reached within 5 s
     */
    public Connection connect(String cluster) throws SQLException {
        HikariDataSource pool;
        synchronized (pools) {
            pool = pools.computeIfAbsent(cluster, this::pool);
        }
        try {
            return pool.getConnection();
        } catch (SQLException e) {
            throw new SQLException("cluster " + cluster + " (" + config.cluster(cluster).orElseThrow().jdbcUrl()
                    + ") is not reachable: " + e.getMessage(), e.getSQLState(), e);
        }
    }

    private HikariDataSource pool(String cluster) {
        ClusterConfig c = config.cluster(cluster).orElseThrow(() ->
                new IllegalArgumentException("no cluster " + cluster + " in " + config.source()));
        HikariConfig h = new HikariConfig();
        h.setPoolName("control-" + cluster);
        h.setJdbcUrl(c.jdbcUrl());
        h.setUsername(c.user());
        if (c.password() != null) {
            h.setPassword(c.password());
        }
        h.setMaximumPoolSize(2);
        h.setMinimumIdle(0);
        h.setConnectionTimeout(5_000);
        h.setInitializationFailTimeout(-1);
        h.addDataSourceProperty("ApplicationName", "fenceline-control");
        // A cluster that is not the group's writer is fenced by its proxy (default_transaction_read_only = on,
        // docs/write-authority.md). The fence is for clients; control applies every version's DDL on every
        // cluster, so its own sessions turn it off for themselves, as the proxy's fence sessions do.
        h.setConnectionInitSql("SET default_transaction_read_only = off");
        return new HikariDataSource(h);
    }

    @Override
    public void close() {
        synchronized (pools) {
            pools.values().forEach(HikariDataSource::close);
            pools.clear();
        }
    }
}
