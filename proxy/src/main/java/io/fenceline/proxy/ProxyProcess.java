package io.fenceline.proxy;

import io.fenceline.config.file.ProxySettings;
import io.fenceline.proxy.admin.AdminServer;
import io.fenceline.proxy.metrics.PrometheusMetrics;
import io.fenceline.proxy.net.ProxyServer;
import io.fenceline.proxy.policy.StatementPolicy;
import io.fenceline.config.coordination.MonotonicClock;

import java.util.Optional;

/**
 * A running proxy: the relaying server, its metrics and (when configured) its admin endpoint.
 * {@link #close()} shuts down gracefully within the configured grace period.
 */
public final class ProxyProcess implements AutoCloseable {

    /**
     * One event loop per two cores (at least one). Relaying is mostly system calls, and fewer loops batch
     * more ready connections per epoll wakeup; the proxy is a sidecar, so the cores it leaves idle serve
     * the PostgreSQL backends next to it. On the 2-core bench machine, four alternating quiet runs at
     * {@code -S -M prepared -c 8} kept 0.57 and 0.51 of direct TPS with one loop, 0.55 and 0.47 with two:
     * a small edge, within the noise, never worse (see docs/benchmarks.md). {@code -Dfenceline.ioThreads=N}
     * overrides.
     */
    static final int WORKER_THREADS = Integer.getInteger("fenceline.ioThreads",
            Math.max(1, Runtime.getRuntime().availableProcessors() / 2));

    private final ProxySettings settings;
    private final ProxyServer server;
    private final PrometheusMetrics metrics;
    private final AdminServer admin;

    private ProxyProcess(ProxySettings settings, ProxyServer server, PrometheusMetrics metrics, AdminServer admin) {
        this.settings = settings;
        this.server = server;
        this.metrics = metrics;
        this.admin = admin;
    }

    /** Starts serving; throws {@link IllegalStateException} naming what could not be started. */
    public static ProxyProcess start(ProxySettings settings) {
        return start(settings, StatementPolicy.ALLOW_ALL);
    }

    /** Starts serving with {@code policy} deciding about every statement relayed. */
    public static ProxyProcess start(ProxySettings settings, StatementPolicy policy) {
        PrometheusMetrics metrics = new PrometheusMetrics();
        ProxyServer server = ProxyServer.start(settings, metrics, MonotonicClock.SYSTEM, WORKER_THREADS, policy);
        AdminServer admin = null;
        try {
            if (settings.admin().isPresent()) {
                ProxySettings.Admin a = settings.admin().get();
                admin = AdminServer.start(a.host(), a.port(), server::isAccepting, metrics::scrape);
            }
        } catch (RuntimeException e) {
            server.close();
            throw new IllegalStateException("cannot start the admin endpoint: " + e.getMessage(), e);
        }
        return new ProxyProcess(settings, server, metrics, admin);
    }

    public ProxyServer server() {
        return server;
    }

    /** The admin endpoint's port, when configured. */
    public Optional<Integer> adminPort() {
        return Optional.ofNullable(admin).map(AdminServer::port);
    }

    /** Prometheus text of the proxy's meters. */
    public String scrape() {
        return metrics.scrape();
    }

    /** Graceful shutdown within {@code shutdownGrace}; the admin endpoint reports not-ready meanwhile. */
    public ProxyServer.ShutdownReport shutdown() {
        ProxyServer.ShutdownReport report = server.shutdown(settings.shutdownGrace());
        if (admin != null) {
            admin.close();
        }
        return report;
    }

    @Override
    public void close() {
        shutdown();
    }
}
