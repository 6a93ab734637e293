package io.fenceline.proxy.net;

import io.netty.bootstrap.AbstractBootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollMode;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/** Native epoll when Netty can load it, otherwise NIO (which cannot reach a Unix-domain socket). */
final class Transport {

    /**
     * Level-triggered epoll unless {@code -Dfenceline.epollMode=edge}. Edge-triggered, Netty's default, must
     * read a socket until {@code recv} says EAGAIN, so every read event costs one extra system call; level-
     * triggered stops after a short read. The relay makes about four reads per round trip, and its CPU is
     * almost all system calls (docs/benchmarks.md).
     */
    private static final EpollMode EPOLL_MODE = "edge".equalsIgnoreCase(System.getProperty("fenceline.epollMode"))
            ? EpollMode.EDGE_TRIGGERED : EpollMode.LEVEL_TRIGGERED;

    private final boolean epoll;

    private Transport(boolean epoll) {
        this.epoll = epoll;
    }

    /** The best transport on this machine. */
    static Transport best() {
        return new Transport(Epoll.isAvailable());
    }

    boolean isEpoll() {
        return epoll;
    }

    EventLoopGroup newGroup(int threads, String name) {
        DefaultThreadFactory factory = new DefaultThreadFactory(name, true);
        return epoll ? new EpollEventLoopGroup(threads, factory) : new NioEventLoopGroup(threads, factory);
    }

    Class<? extends ServerChannel> serverChannel() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    Class<? extends Channel> socketChannel() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** The Unix-domain socket channel class, or null when this transport has none. */
    Class<? extends Channel> domainSocketChannel() {
        return epoll ? EpollDomainSocketChannel.class : null;
    }

    /** Sets the transport's socket options on a client-side (backend) bootstrap. */
    <B extends AbstractBootstrap<B, C>, C extends Channel> B configure(B bootstrap) {
        return epoll ? bootstrap.option(EpollChannelOption.EPOLL_MODE, EPOLL_MODE) : bootstrap;
    }

    /** Sets the transport's socket options on the accepted (client) channels of a server bootstrap. */
    ServerBootstrap configureChildren(ServerBootstrap bootstrap) {
        return epoll ? bootstrap.childOption(EpollChannelOption.EPOLL_MODE, EPOLL_MODE) : bootstrap;
    }

    @Override
    public String toString() {
        return epoll ? "epoll" : "nio";
    }
}
