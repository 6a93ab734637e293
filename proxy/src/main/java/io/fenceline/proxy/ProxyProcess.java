package io.fenceline.proxy;

import io.fenceline.config.file.ProxySettings;
import io.fenceline.proxy.admin.AdminServer;
import io.fenceline.proxy.metrics.PrometheusMetrics;
import io.fenceline.proxy.net.ProxyServer;
import io.fenceline.proxy.policy.StatementPolicy;
import io.fenceline.config.coordination.MonotonicClock;
import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.file.SchemaSettings;
import io.fenceline.proxy.schema.SchemaEnforcement;
import io.fenceline.proxy.schema.SchemaFollower;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

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
    /** The one etcd connection of the process (schema follower and write authority), when either is configured. */
    private final Coordinator etcd;
    private final SchemaFollower schemaFollower;
    private final SchemaEnforcement schema;

    private static final Logger LOG = LoggerFactory.getLogger(ProxyProcess.class);
    /** How long start waits for the first reading of the window and catalogs before serving without them. */
    private static final long SCHEMA_FIRST_READ_SECONDS = 10;

    private ProxyProcess(ProxySettings settings, ProxyServer server, PrometheusMetrics metrics, AdminServer admin,
                         WriteAuthorityRuntime authority, Coordinator etcd, SchemaFollower schemaFollower,
                         SchemaEnforcement schema) {
        this.settings = settings;
        this.server = server;
        this.metrics = metrics;
        this.admin = admin;
        this.authority = authority;
        this.etcd = etcd;
        this.schemaFollower = schemaFollower;
        this.schema = schema;
    }

    /** Starts serving; throws {@link IllegalStateException} naming what could not be started. */
    public static ProxyProcess start(ProxySettings settings) {
        return start(settings, StatementPolicy.ALLOW_ALL);
    }

    /**
     * Starts serving with {@code policy} deciding about every statement relayed. With {@code schema:},
     * schema-version enforcement (following the group's window and catalogs through the {@code etcd:} section)
     * is asked first; with {@code group:}, the write authority's policy is asked last
     * ({@link StatementPolicy#all}: the first refusal wins, so a schema refusal beats a write that would wait).
     */
    public static ProxyProcess start(ProxySettings settings, StatementPolicy policy) {
        PrometheusMetrics metrics = new PrometheusMetrics();
        Coordinator etcd = null;
        SchemaFollower follower = null;
        SchemaEnforcement schema = null;
        WriteAuthorityRuntime authority = null;
        ProxyServer server = null;
        try {
            StatementPolicy all = policy;
            if (settings.etcd().isPresent() && (settings.schema().isPresent() || settings.group().isPresent())) {
                ProxySettings.Etcd access = settings.etcd().get();
                etcd = Coordinator.connect(access.settings(), access.access(), MonotonicClock.SYSTEM);
            }
            if (settings.schema().isPresent()) {
                SchemaSettings s = settings.schema().get();
                if (settings.etcd().isEmpty()) {
                    throw new IllegalStateException("schema: (group " + s.group()
                            + ") needs the etcd: section to follow the window and catalogs");
                }
                if (!settings.inspection().enabled()) {
                    throw new IllegalStateException("schema: needs inspection enabled (inspection.enabled is false)");
                }
                follower = new SchemaFollower(etcd, s.group());
                awaitFirstRead(follower, s.group());
                schema = new SchemaEnforcement(s, follower, metrics);
                metrics.schemaConnections(schema.counts());
                all = StatementPolicy.all(schema.policy(), all);
            }
            if (settings.group().isPresent()) {
                Supplier<Map<Integer, Integer>> versions = schema == null ? Map::of : schema.counts();
                try {
                    authority = new WriteAuthorityRuntime(etcd, settings.group().get(), metrics, versions);
                } catch (RuntimeException e) {
                    throw new IllegalStateException("cannot start the write authority of group "
                            + settings.group().get().settings().group() + ": " + e.getMessage(), e);
                }
                all = all == StatementPolicy.ALLOW_ALL ? authority.policy() : StatementPolicy.all(all, authority.policy());
            } else if (schema != null) {
                LOG.warn("schema: without group: this proxy publishes no status record, so control's drain before a "
                        + "contract step cannot see its connections per version (docs/schema-versions.md)");
            }
            server = ProxyServer.start(settings, metrics, MonotonicClock.SYSTEM, WORKER_THREADS, all, schema);
            AdminServer admin = null;
            if (settings.admin().isPresent()) {
                ProxySettings.Admin a = settings.admin().get();
                try {
                    admin = AdminServer.start(a.host(), a.port(), server::isAccepting, metrics::scrape);
                } catch (RuntimeException e) {
                    throw new IllegalStateException("cannot start the admin endpoint: " + e.getMessage(), e);
                }
            }
            if (authority != null) {
                authority.attach(server);
            }
            return new ProxyProcess(settings, server, metrics, admin, authority, etcd, follower, schema);
        } catch (RuntimeException e) {
            closeInOrder(e, server, authority, follower, etcd);
            throw e;
        }
    }

    private static void awaitFirstRead(SchemaFollower follower, String group) {
        try {
            if (!follower.awaitFirstRead(SCHEMA_FIRST_READ_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("the schema window and catalogs of group {} were not read from etcd within {} s: serving "
                        + "without them until they arrive", group, SCHEMA_FIRST_READ_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the schema window of group " + group, e);
        }
    }

    /** The write authority, when a {@code group:} is configured. */
    public Optional<io.fenceline.proxy.authority.WriterAuthority> writerAuthority() {
        return Optional.ofNullable(authority).map(WriteAuthorityRuntime::authority);
    }

    /**
     * Open connections per declared schema version (empty without {@code schema:}): what the proxy's status
     * record publishes as {@code versionsInUse} ({@code WriterAuthority.Sessions.versionsInUse()}).
     */
    public Supplier<Map<Integer, Integer>> versionsInUse() {
        return schema == null ? Map::of : schema.counts();
    }

    /** Schema-version enforcement, when configured. */
    public Optional<SchemaEnforcement> schema() {
        return Optional.ofNullable(schema);
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

    /** Graceful shutdown within {@code shutdown_grace}; the admin endpoint reports not-ready meanwhile. */
    public ProxyServer.ShutdownReport shutdown() {
        ProxyServer.ShutdownReport report = null;
        RuntimeException failure = null;
        try {
            report = server.shutdown(settings.shutdownGrace());
        } catch (RuntimeException e) {
            failure = e;
        }
        // The authority after the sessions (they may commit within the grace while the lease is held); etcd after
        // the authority, because closing it revokes the lease, which must happen only once the database is fenced.
        closeInOrder(failure, authority, schemaFollower, etcd, admin);
        if (failure != null) {
            throw failure;
        }
        return report;
    }

    /**
     * Closes each non-null resource in order, every one even when an earlier one fails; failures are added to
     * {@code failure} when given, else the first is thrown after all were closed.
     */
    private static void closeInOrder(RuntimeException failure, AutoCloseable... resources) {
        RuntimeException first = null;
        for (AutoCloseable r : resources) {
            if (r == null) {
                continue;
            }
            try {
                r.close();
            } catch (Exception e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                } else if (first == null) {
                    first = e instanceof RuntimeException re ? re : new IllegalStateException("cannot close " + r, e);
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public void close() {
        shutdown();
    }
}
