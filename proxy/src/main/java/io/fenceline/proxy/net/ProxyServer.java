package io.fenceline.proxy.net;

import io.fenceline.config.file.ProxySettings;
import io.fenceline.proxy.authority.SessionFence;
import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.net.tls.TlsLegs;
import io.fenceline.proxy.policy.StatementPolicy;
import io.fenceline.proxy.schema.SchemaEnforcement;
import io.fenceline.proxy.sql.Inspector;
import io.fenceline.proxy.session.CancelKeys;
import io.fenceline.config.coordination.MonotonicClock;
import io.fenceline.proxy.wire.SqlState;
import io.fenceline.proxy.wire.backend.ErrorResponse;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The listening proxy: accepts PostgreSQL connections and relays each to the configured database.
 * Start with {@link #start}; stop with {@link #shutdown}, which stops accepting, lets sessions finish
 * within a bound and then closes what is left.
 */
public final class ProxyServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

    /** How a shutdown ended. */
    public record ShutdownReport(int sessionsAtStart, int closedByForce, Duration took) {
    }

    private final Shared shared;
    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
    private final AtomicInteger active = new AtomicInteger();
    private final Channel serverChannel;
    /** Parses long uncached statements off the event loops; null when inspection is disabled. */
    private final ExecutorService offload;

    /**
     * Threads and queued statements of the inspection offload executor. Two threads keep a burst of long
     * statements from starving each other; a full queue makes the event loop inspect the text itself.
     */
    static final int OFFLOAD_THREADS = 2;
    static final int OFFLOAD_QUEUE = 1024;
    private volatile boolean accepting = true;

    private ProxyServer(Shared shared, EventLoopGroup boss, EventLoopGroup workers, Channel serverChannel,
                        ExecutorService offload) {
        this.offload = offload;
        this.shared = shared;
        this.bossGroup = boss;
        this.workerGroup = workers;
        this.serverChannel = serverChannel;
    }

    /**
     * Binds the listen address and starts serving.
     *
     * @param workerThreads event loop threads for connections; 0 means Netty's default (2 x cores)
     * @throws IllegalStateException when the TLS files cannot be used, the upstream is a Unix socket and
     *                               epoll is unavailable, or the address cannot be bound
     */
    public static ProxyServer start(ProxySettings settings, ProxyMetrics metrics, MonotonicClock clock, int workerThreads) {
        return start(settings, metrics, clock, workerThreads, StatementPolicy.ALLOW_ALL);
    }

    /**
     * Binds the listen address and starts serving, asking {@code policy} about every statement relayed
     * (when {@code settings.inspection().enabled()}).
     *
     * @param workerThreads event loop threads for connections; 0 means Netty's default (2 x cores)
     */
    public static ProxyServer start(ProxySettings settings, ProxyMetrics metrics, MonotonicClock clock, int workerThreads,
                                    StatementPolicy policy) {
        return start(settings, metrics, clock, workerThreads, policy, null);
    }

    /**
     * Like {@link #start(ProxySettings, ProxyMetrics, MonotonicClock, int, StatementPolicy)}, with {@code schema}
     * (may be null) following each connection's declared schema version and refusing, at startup, connections
     * whose version is outside the window. {@code policy} should include {@code schema.policy()}.
     */
    public static ProxyServer start(ProxySettings settings, ProxyMetrics metrics, MonotonicClock clock, int workerThreads,
                                    StatementPolicy policy, SchemaEnforcement schema) {
        Transport transport = Transport.best();
        SocketAddress upstream;
        Class<? extends Channel> upstreamChannel;
        if (settings.upstream() instanceof ProxySettings.Upstream.UnixSocket unix) {
            upstreamChannel = transport.domainSocketChannel();
            if (upstreamChannel == null) {
                throw new IllegalStateException("upstream socket " + unix.path()
                        + " needs the epoll transport, which is not available on this machine");
            }
            upstream = new DomainSocketAddress(unix.path().toFile());
        } else {
            ProxySettings.Upstream.Tcp tcp = (ProxySettings.Upstream.Tcp) settings.upstream();
            upstream = InetSocketAddress.createUnresolved(tcp.host(), tcp.port());
            upstreamChannel = transport.socketChannel();
        }
        TlsLegs tls = TlsLegs.from(settings);
        ProxySettings.Inspection inspection = settings.inspection();
        Inspector inspector = null;
        ThreadPoolExecutor offload = null;
        if (inspection.enabled()) {
            inspector = new Inspector((long) inspection.cacheMegabytes() << 20, inspection.offloadThreshold(), metrics);
            offload = new ThreadPoolExecutor(OFFLOAD_THREADS, OFFLOAD_THREADS, 30, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(OFFLOAD_QUEUE), new DefaultThreadFactory("fenceline-inspect", true),
                    new ThreadPoolExecutor.AbortPolicy());
            offload.allowCoreThreadTimeOut(true);
        }
        Shared shared = new Shared(settings, transport, upstream, upstreamChannel, tls, new CancelKeys<>(), metrics, clock,
                inspector, offload == null ? Runnable::run : offload, policy, new SessionControl(),
                inspector == null ? null : schema);

        EventLoopGroup boss = transport.newGroup(1, "fenceline-accept");
        EventLoopGroup workers = transport.newGroup(workerThreads, "fenceline-io");
        ProxyServer[] self = new ProxyServer[1];
        ServerBootstrap bootstrap = transport.configureChildren(new ServerBootstrap())
                .group(boss, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, Shared.WATER_MARK)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        self[0].accepted(ch);
                    }
                });
        try {
            Channel server = bootstrap.bind(settings.listen().host(), settings.listen().port()).syncUninterruptibly().channel();
            self[0] = new ProxyServer(shared, boss, workers, server, offload);
            log.info("proxy listening on {} ({}), relaying to {}, {}", server.localAddress(), transport, Shared.describe(upstream),
                    tls);
            return self[0];
        } catch (RuntimeException e) {
            if (offload != null) {
                offload.shutdownNow();
            }
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException("cannot listen on " + settings.listen().host() + ":"
                    + settings.listen().port() + ": " + e, e);
        }
    }

    private void accepted(Channel ch) {
        int limit = shared.settings().limits().maxConnections();
        if (!accepting) {
            shared.metrics().connectionRefused();
            shared.metrics().error(SqlState.ADMIN_SHUTDOWN);
            ch.writeAndFlush(new ErrorResponse(ErrorResponse.FATAL, SqlState.ADMIN_SHUTDOWN, "the proxy is shutting down")
                    .encode(ch.alloc())).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        FrontendHandler handler = new FrontendHandler(shared);
        if (shared.tls().listening()) {
            ch.pipeline().addLast("direct-tls", shared.tls().directTlsDetector(FrontendHandler.TLS));
        }
        ch.pipeline().addLast(FrontendHandler.DECODER, handler.decoder());
        ch.pipeline().addLast("frontend", handler);
        clients.add(ch);
        if (active.incrementAndGet() > limit) {
            // As PostgreSQL: the startup packets are answered (SSLRequest, GSSENCRequest; a CancelRequest still
            // acts), and the StartupMessage gets "too many clients". The connection does not count as active;
            // the startup timeout bounds how long it may stay.
            active.decrementAndGet();
            shared.metrics().connectionRefused();
            handler.refuseAtStartup(new ErrorResponse(ErrorResponse.FATAL, SqlState.TOO_MANY_CONNECTIONS,
                    "sorry, too many clients already: the proxy serves at most " + limit + " connections"));
            return;
        }
        shared.metrics().connectionOpened();
        ch.closeFuture().addListener(f -> {
            active.decrementAndGet();
            shared.metrics().connectionClosed();
        });
    }

    /** Runs {@code action} on each client session, on that session's event loop (from any thread). */
    private void eachSession(java.util.function.Consumer<FrontendHandler> action) {
        for (Channel ch : clients) {
            ch.eventLoop().execute(() -> {
                FrontendHandler h = ch.pipeline().get(FrontendHandler.class);
                if (h != null) {
                    action.accept(h);
                }
            });
        }
    }

    /**
     * Asks the policy again, now, about every statement it is holding ({@link io.fenceline.proxy.policy.Decision.Hold}),
     * instead of at the end of each hold. For policies whose standing changes (a paused mode lifted): call from
     * their change listener; any thread.
     */
    public void recheckHeld() {
        eachSession(FrontendHandler::recheckHold);
    }

    /**
     * The sessions' part of the write authority's fencing sequence ({@link SessionFence}), acting on every
     * connection of this server. Nothing blocks: each call only hands work to the event loops.
     * <ul>
     *   <li>{@code rollbackWritingCommits}: starts a new fence generation; from now on the commit of every
     *       transaction whose first write was forwarded before it (explicit COMMIT, END, PREPARE TRANSACTION, or
     *       the implicit commit at the Sync of an extended-protocol batch that wrote outside a block) is turned
     *       into ROLLBACK and answered with 25006 naming {@code reason}; the session stays usable ('I').</li>
     *   <li>{@code cancelRunningWrites}: a CancelRequest, with the session's BackendKeyData, for each session
     *       with a possible write in flight.</li>
     *   <li>{@code backendPids}: the process ids of the sessions' backends.</li>
     * </ul>
     */
    public SessionFence sessionFence() {
        return new SessionFence() {
            @Override
            public void rollbackWritingCommits(String reason) {
                shared.control().fence(reason);
                log.info("sessions fenced (generation {}): commits of transactions that wrote are rolled back: {}",
                        shared.control().generation(), reason);
                // A commit held by a pause is decided again now: it can only roll back.
                recheckHeld();
            }

            @Override
            public void cancelRunningWrites(String reason) {
                eachSession(h -> h.cancelRunningWrite(reason));
            }

            @Override
            public void wroteInDatabase(java.util.Set<Integer> pids) {
                eachSession(h -> h.wroteInDatabase(pids));
            }

            @Override
            public java.util.Set<Integer> backendPids() {
                return shared.cancelKeys().processIds();
            }

            @Override
            public java.util.Set<Integer> heldBackendPids() {
                return shared.control().heldPids();
            }
        };
    }

    /** The bound listen address (useful with port 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** True until shutdown begins. */
    public boolean isAccepting() {
        return accepting && serverChannel.isActive();
    }

    /** Client connections open now. */
    public int activeConnections() {
        return active.get();
    }

    /** Live cancel keys (one per session past authentication). */
    public int cancelKeys() {
        return shared.cancelKeys().size();
    }

    /** "epoll" or "nio". */
    public String transport() {
        return shared.transport().toString();
    }

    /**
     * Bytes written to clients but not yet taken by their sockets, summed over connections. With
     * backpressure this stays near (connections x high water mark) however large the results are.
     */
    public long pendingClientBytes() {
        long sum = 0;
        for (Channel ch : clients) {
            var buffer = ch.unsafe().outboundBuffer();
            if (buffer != null) {
                sum += buffer.totalPendingWriteBytes();
            }
        }
        return sum;
    }

    /**
     * Stops accepting, closes idle sessions (FATAL 57P01) and each busy one as soon as it is idle, waits
     * up to {@code grace} for all to end, then closes the rest and releases the event loops.
     */
    public ShutdownReport shutdown(Duration grace) {
        long start = shared.clock().nanoTime();
        accepting = false;
        serverChannel.close().syncUninterruptibly();
        int atStart = clients.size();
        eachSession(FrontendHandler::drain);
        long deadline = start + grace.toNanos();
        while (!clients.isEmpty() && shared.clock().nanoTime() - deadline < 0) {
            long leftMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - shared.clock().nanoTime()));
            clients.newCloseFuture().awaitUninterruptibly(Math.min(leftMillis, 100));
        }
        int forced = clients.size();
        if (forced > 0) {
            log.warn("shutdown grace of {} ms ended with {} sessions still busy; closing them", grace.toMillis(), forced);
            clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        if (offload != null) {
            offload.shutdownNow();
        }
        bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        Duration took = Duration.ofNanos(shared.clock().nanoTime() - start);
        log.info("proxy stopped: {} sessions at shutdown, {} closed by force, took {} ms", atStart, forced, took.toMillis());
        return new ShutdownReport(atStart, forced, took);
    }

    /** Shuts down with no grace period. */
    @Override
    public void close() {
        if (bossGroup.isShuttingDown()) {
            return;
        }
        shutdown(Duration.ZERO);
    }
}
