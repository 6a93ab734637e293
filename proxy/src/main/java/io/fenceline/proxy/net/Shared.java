package io.fenceline.proxy.net;

import io.fenceline.config.file.ProxySettings;
import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.policy.StatementPolicy;
import io.fenceline.proxy.schema.SchemaEnforcement;
import io.fenceline.proxy.session.CancelKeys;
import io.fenceline.config.coordination.MonotonicClock;
import io.fenceline.proxy.sql.Inspector;
import io.netty.channel.Channel;
import io.netty.channel.WriteBufferWaterMark;
import io.fenceline.proxy.net.tls.TlsLegs;

import java.net.SocketAddress;
import java.util.concurrent.Executor;

/**
 * What every connection of one server shares: settings, upstream, TLS of both legs (null: none), cancel keys, metrics, clock,
 * and the statement path: the inspector (null when inspection is disabled), the small executor that
 * parses long uncached statements off the event loops, the policy, the write authority's fence generation, and
 * schema-version enforcement (null when not configured: connections then declare nothing the proxy follows).
 */
record Shared(ProxySettings settings, Transport transport, SocketAddress upstream,
              Class<? extends Channel> upstreamChannel, TlsLegs tls, CancelKeys<SocketAddress, FrontendHandler> cancelKeys,
              ProxyMetrics metrics, MonotonicClock clock, Inspector inspector, Executor inspectionExecutor,
              StatementPolicy policy, SessionControl control, SchemaEnforcement schema) {

    /**
     * Outbound buffering per channel: reading from the other side pauses above the high mark and
     * resumes below the low mark, so a slow reader holds at most about this much plus one read.
     */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(64 * 1024, 256 * 1024);

    /** Prepared-statement names whose verdicts one connection keeps (least recently used dropped). */
    static final int MAX_PREPARED_PER_CONNECTION = 10_000;

    /** A relay without inspection or policy (tests of the bare data path). */
    Shared(ProxySettings settings, Transport transport, SocketAddress upstream, Class<? extends Channel> upstreamChannel,
           TlsLegs tls, CancelKeys<SocketAddress, FrontendHandler> cancelKeys, ProxyMetrics metrics, MonotonicClock clock) {
        this(settings, transport, upstream, upstreamChannel, tls, cancelKeys, metrics, clock, null, Runnable::run,
                StatementPolicy.ALLOW_ALL, new SessionControl(), null);
    }

    /** {@code host:port} or the socket path, for messages. */
    static String describe(SocketAddress address) {
        if (address instanceof java.net.InetSocketAddress inet) {
            return inet.getHostString() + ":" + inet.getPort();
        }
        if (address instanceof io.netty.channel.unix.DomainSocketAddress unix) {
            return unix.path();
        }
        return String.valueOf(address);
    }
}
