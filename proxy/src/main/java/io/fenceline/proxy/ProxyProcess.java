package io.fenceline.proxy;

import io.fenceline.config.file.ProxySettings;
import io.fenceline.proxy.admin.AdminServer;
import io.fenceline.proxy.metrics.PrometheusMetrics;
import io.fenceline.proxy.net.ProxyServer;
import io.fenceline.proxy.policy.StatementPolicy;
import io.fenceline.config.coordination.MonotonicClock;

import java.util.Optional;

/**
 * A running proxy: the relaying server, its metrics, (when configured) its admin endpoint, and (with a
 * {@code group:} section) the write authority: writes are forwarded only while this proxy's cluster holds the
 * group's writer lease (docs/write-authority.md). Without {@code group:} nothing gates writes.
 * {@link #close()} shuts down gracefully within the configured grace period, then stops the write authority
 * (which fences the local database before the lease is revoked).
 *
 * <p>Readiness ({@code /ready}) means "accepting clients": it does not change with the writer lease, since a
 * proxy that may not write still serves reads (and answers writes with 25006, which clients understand).
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
    private final WriteAuthorityRuntime authority;

    private ProxyProcess(ProxySettings settings, ProxyServer server, PrometheusMetrics metrics, AdminServer admin,
                         WriteAuthorityRuntime authority) {
        this.settings = settings;
        this.server = server;
        this.metrics = metrics;
        this.admin = admin;
        this.authority = authority;
    }

    /** Starts serving; throws {@link IllegalStateException} naming what could not be started. */
    public static ProxyProcess start(ProxySettings settings) {
        return start(settings, StatementPolicy.ALLOW_ALL);
    }

    /**
     * Starts serving with {@code policy} deciding about every statement relayed; with a {@code group:} the
     * write authority's policy is asked after it ({@link StatementPolicy#all}: the first refusal wins).
     */
    public static ProxyProcess start(ProxySettings settings, StatementPolicy policy) {
        PrometheusMetrics metrics = new PrometheusMetrics();
        WriteAuthorityRuntime authority = null;
        StatementPolicy all = policy;
        if (settings.group().isPresent()) {
            try {
                authority = new WriteAuthorityRuntime(settings.etcd().orElseThrow(), settings.group().get(), metrics);
            } catch (RuntimeException e) {
                throw new IllegalStateException("cannot start the write authority of group "
                        + settings.group().get().settings().group() + ": " + e.getMessage(), e);
            }
            all = policy == StatementPolicy.ALLOW_ALL ? authority.policy() : StatementPolicy.all(policy, authority.policy());
        }
        ProxyServer server;
        try {
            server = ProxyServer.start(settings, metrics, MonotonicClock.SYSTEM, WORKER_THREADS, all);
        } catch (RuntimeException e) {
            if (authority != null) {
                authority.close();
            }
            throw e;
        }
        AdminServer admin = null;
        try {
            if (settings.admin().isPresent()) {
                ProxySettings.Admin a = settings.admin().get();
                admin = AdminServer.start(a.host(), a.port(), server::isAccepting, metrics::scrape);
            }
        } catch (RuntimeException e) {
            server.close();
            if (authority != null) {
                authority.close();
            }
            throw new IllegalStateException("cannot start the admin endpoint: " + e.getMessage(), e);
        }
        if (authority != null) {
            authority.attach(server);
        }
        return new ProxyProcess(settings, server, metrics, admin, authority);
    }

    /** The write authority, when a {@code group:} is configured. */
    public Optional<io.fenceline.proxy.authority.WriterAuthority> writerAuthority() {
        return Optional.ofNullable(authority).map(WriteAuthorityRuntime::authority);
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
        ProxyServer.ShutdownReport report;
        try {
            report = server.shutdown(settings.shutdownGrace());
        } finally {
            try {
                if (authority != null) {
                    // After the sessions: they may commit their writes within the grace while the lease is held.
                    authority.close();
                }
            } finally {
                if (admin != null) {
                    admin.close();
                }
            }
        }
        return report;
    }

    @Override
    public void close() {
        shutdown();
    }
}
