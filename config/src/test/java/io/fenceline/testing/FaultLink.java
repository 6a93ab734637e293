package io.fenceline.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP forwarder to place between two parties (a client and the proxy, the proxy and PostgreSQL or etcd)
 * whose behaviour can be switched while connections are open:
 * <ul>
 *   <li>{@link #pass()}: bytes flow both ways as they arrive;</li>
 *   <li>{@link #delay(Duration)}: every chunk, in both directions, is delivered that much later, in order;</li>
 *   <li>{@link #blackhole()}: connections are accepted and kept open but nothing is forwarded. Bytes are
 *       <em>held, never discarded</em>: the link stops reading, so they wait in its queues and the kernel's
 *       socket buffers, as they would behind a network partition; new connections are accepted but not yet
 *       connected onwards. Switching back to pass or delay delivers the held bytes in order and connects the
 *       waiting connections;</li>
 *   <li>{@link #reset()}: every open connection is closed with a TCP RST (SO_LINGER=0) on both sides and new
 *       connections are reset as soon as they are accepted.</li>
 * </ul>
 * Both channels of a connection live on the link's single event loop; reads resume only when the other side
 * can take more (autoread off, as in Netty's proxy example). Every buffer is released, also on close.
 */
public final class FaultLink implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FaultLink.class);
    /** Bytes a direction may hold in delay mode before it stops reading from its source. */
    private static final int MAX_HELD_BYTES = 1 << 20;

    private enum Kind { PASS, DELAY, BLACKHOLE, RESET }

    private record Mode(Kind kind, long delayNanos) {
    }

    private final String targetHost;
    private final int targetPort;
    private final EventLoopGroup group;
    private final Channel server;
    private final Set<Pair> pairs = ConcurrentHashMap.newKeySet();
    private volatile Mode mode = new Mode(Kind.PASS, 0);

    private FaultLink(String targetHost, int targetPort, int listenPort) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.group = new NioEventLoopGroup(1);
        try {
            this.server = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            Pair pair = new Pair(ch);
                            ch.pipeline().addLast(new Relay(pair, true));
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", listenPort))
                    .syncUninterruptibly()
                    .channel();
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException("fault link could not listen on 127.0.0.1:" + listenPort
                    + " (forwarding to " + targetHost + ":" + targetPort + "): " + e, e);
        }
    }

    /** Starts a link in pass mode on a free loopback port, forwarding to {@code host:port}. */
    public static FaultLink start(String targetHost, int targetPort) {
        return new FaultLink(targetHost, targetPort, 0);
    }

    /** Starts a link in pass mode on the given loopback port, forwarding to {@code host:port}. */
    public static FaultLink start(String targetHost, int targetPort, int listenPort) {
        return new FaultLink(targetHost, targetPort, listenPort);
    }

    /** The local port clients connect to instead of the target. */
    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public String host() {
        return "127.0.0.1";
    }

    /** Connections currently open through the link (accepted and not yet closed). */
    public int openConnections() {
        return pairs.size();
    }

    /** Forward bytes as they arrive; held bytes are delivered, waiting connections are connected onwards. */
    public void pass() {
        switchTo(new Mode(Kind.PASS, 0));
    }

    /** Deliver every chunk {@code latency} after it arrived, both directions, keeping order. */
    public void delay(Duration latency) {
        if (latency.isNegative()) {
            throw new IllegalArgumentException("fault link delay must not be negative, got " + latency);
        }
        switchTo(new Mode(Kind.DELAY, latency.toNanos()));
    }

    /** Keep connections open but forward nothing; bytes are held (see the class description). */
    public void blackhole() {
        switchTo(new Mode(Kind.BLACKHOLE, 0));
    }

    /** Reset (RST) all open connections and every new one until another mode is chosen. */
    public void reset() {
        switchTo(new Mode(Kind.RESET, 0));
    }

    /** The current mode, e.g. {@code PASS} or {@code DELAY 200ms}. */
    public String mode() {
        Mode m = mode;
        return m.kind == Kind.DELAY ? "DELAY " + TimeUnit.NANOSECONDS.toMillis(m.delayNanos) + "ms" : m.kind.name();
    }

    private void switchTo(Mode next) {
        mode = next;
        // Every pair applies the new mode on the event loop, which owns all its state.
        group.next().submit(() -> {
            for (Pair pair : pairs) {
                pair.apply();
            }
        }).syncUninterruptibly();
    }

    /** Closes the listening socket and every connection, releasing held bytes. */
    @Override
    public void close() {
        if (group.isShuttingDown()) {
            return;
        }
        group.next().submit(() -> {
            server.close();
            for (Pair pair : pairs) {
                pair.closeBoth(false);
            }
        }).syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Override
    public String toString() {
        return "fault link 127.0.0.1:" + (server.isOpen() ? port() : "closed") + " -> " + targetHost + ":"
                + targetPort + " (" + mode() + ")";
    }

    /** A chunk waiting to be delivered no earlier than {@code dueNanos}. */
    private record Held(ByteBuf bytes, long dueNanos) {
    }

    /** One direction of a connection: what was read from {@code from}, waiting to be written to {@code to}. */
    private final class Direction {
        private final Pair pair;
        private final boolean fromClient;
        private final ArrayDeque<Held> queue = new ArrayDeque<>();
        private long heldBytes;
        private boolean drainScheduled;
        /** The source closed: deliver what is held (when the mode allows), then close the destination. */
        private boolean closeAfterDrain;

        Direction(Pair pair, boolean fromClient) {
            this.pair = pair;
            this.fromClient = fromClient;
        }

        Channel from() {
            return fromClient ? pair.client : pair.target;
        }

        Channel to() {
            return fromClient ? pair.target : pair.client;
        }

        void received(ByteBuf bytes) {
            if (pair.closed) {
                bytes.release();
                return;
            }
            queue.add(new Held(bytes, System.nanoTime() + mode.delayNanos));
            heldBytes += bytes.readableBytes();
            drain();
        }

        /** Writes what the current mode allows, then asks for more if the destination can take it. */
        void drain() {
            Mode m = mode;
            if (pair.closed || m.kind == Kind.BLACKHOLE || m.kind == Kind.RESET) {
                return;
            }
            Channel to = to();
            if (to == null || !to.isActive()) {
                releaseAll();
                return;
            }
            boolean wrote = false;
            while (!queue.isEmpty()) {
                Held head = queue.peek();
                long wait = head.dueNanos - System.nanoTime();
                if (m.kind == Kind.DELAY && wait > 0) {
                    scheduleDrain(wait);
                    break;
                }
                queue.poll();
                heldBytes -= head.bytes.readableBytes();
                to.write(head.bytes).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
                wrote = true;
            }
            if (wrote) {
                to.flush();
            }
            if (closeAfterDrain && queue.isEmpty()) {
                to.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> pair.closeBoth(false));
                return;
            }
            readMore();
        }

        void readMore() {
            Mode m = mode;
            if (pair.closed || !pair.connected || m.kind == Kind.BLACKHOLE || m.kind == Kind.RESET) {
                return;
            }
            boolean roomToHold = m.kind == Kind.DELAY ? heldBytes < MAX_HELD_BYTES : queue.isEmpty();
            if (roomToHold && to().isWritable()) {
                from().read();
            }
        }

        private void scheduleDrain(long waitNanos) {
            if (drainScheduled) {
                return;
            }
            drainScheduled = true;
            from().eventLoop().schedule(() -> {
                drainScheduled = false;
                drain();
            }, waitNanos, TimeUnit.NANOSECONDS);
        }

        void releaseAll() {
            Held held;
            while ((held = queue.poll()) != null) {
                ReferenceCountUtil.release(held.bytes);
            }
            heldBytes = 0;
        }
    }

    /** A client connection and its onward connection to the target; all state is touched on the event loop. */
    private final class Pair {
        private final Channel client;
        private Channel target;
        private boolean connecting;
        private boolean connected;
        private boolean closed;
        private final Direction up = new Direction(this, true);
        private final Direction down = new Direction(this, false);

        Pair(Channel client) {
            this.client = client;
        }

        void accepted() {
            pairs.add(this);
            apply();
        }

        /** Brings this connection in line with the link's current mode. */
        void apply() {
            if (closed) {
                return;
            }
            switch (mode.kind) {
                case RESET -> closeBoth(true);
                case BLACKHOLE -> {
                    // hold: nothing is read or written until the mode changes
                }
                case PASS, DELAY -> {
                    if (!connected) {
                        connectOnwards();
                    } else {
                        up.drain();
                        down.drain();
                    }
                }
            }
        }

        private void connectOnwards() {
            if (connecting) {
                return;
            }
            connecting = true;
            new Bootstrap()
                    .group(client.eventLoop())
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                    .handler(new Relay(this, false))
                    .connect(targetHost, targetPort)
                    .addListener((ChannelFutureListener) future -> {
                        connecting = false;
                        if (!future.isSuccess()) {
                            LOG.warn("fault link could not connect to {}:{}: {}", targetHost, targetPort,
                                    future.cause().toString());
                            closeBoth(false);
                            return;
                        }
                        target = future.channel();
                        if (closed) {
                            target.close();
                            return;
                        }
                        connected = true;
                        apply();
                    });
        }

        Direction readingFrom(Channel channel) {
            return channel == client ? up : down;
        }

        Direction writingTo(Channel channel) {
            return channel == client ? down : up;
        }

        /** Closes both sides; with {@code rst} the close sends a TCP reset instead of a FIN. */
        void closeBoth(boolean rst) {
            if (closed) {
                return;
            }
            closed = true;
            pairs.remove(this);
            up.releaseAll();
            down.releaseAll();
            for (Channel channel : new Channel[] {client, target}) {
                if (channel == null || !channel.isOpen()) {
                    continue;
                }
                if (rst) {
                    channel.config().setOption(ChannelOption.SO_LINGER, 0);
                }
                channel.close();
            }
        }

        /**
         * One side closed: what it sent before closing still reaches the other side as the mode allows (held
         * while blackholed, late while delayed, at once in pass), then the other side is closed too.
         */
        void sideClosed(Channel side) {
            if (closed) {
                return;
            }
            Channel other = side == client ? target : client;
            if (other == null || !other.isActive() || mode.kind == Kind.RESET) {
                closeBoth(false);
                return;
            }
            Direction toOther = readingFrom(side);
            toOther.closeAfterDrain = true;
            toOther.drain();
        }
    }

    /** The handler on both channels of a pair. */
    private final class Relay extends ChannelInboundHandlerAdapter {
        private final Pair pair;
        private final boolean clientSide;

        Relay(Pair pair, boolean clientSide) {
            this.pair = pair;
            this.clientSide = clientSide;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (clientSide) {
                pair.accepted();
            }
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf bytes)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            pair.readingFrom(ctx.channel()).received(bytes);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                pair.writingTo(ctx.channel()).readMore();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            pair.sideClosed(ctx.channel());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("fault link connection {} failed: {}", ctx.channel(), cause.toString());
            pair.closeBoth(false);
        }
    }
}
