package io.fenceline.proxy.net;

import io.fenceline.proxy.policy.Decision;
import io.fenceline.proxy.schema.VersionTracker;
import io.fenceline.proxy.session.CancelKey;
import io.fenceline.proxy.session.Phase;
import io.fenceline.proxy.wire.ProtocolViolation;
import io.fenceline.proxy.wire.SqlState;
import io.fenceline.proxy.wire.backend.EncryptionResponse;
import io.fenceline.proxy.wire.backend.ErrorResponse;
import io.fenceline.proxy.wire.backend.NegotiateProtocolVersion;
import io.fenceline.proxy.wire.frontend.CancelRequest;
import io.fenceline.proxy.wire.frontend.GSSENCRequest;
import io.fenceline.proxy.wire.frontend.SSLRequest;
import io.fenceline.proxy.wire.frontend.StartupMessage;
import io.fenceline.proxy.wire.frontend.StartupPacket;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;

/**
 * The startup half of a {@link FrontendHandler}: SSLRequest and GSSENCRequest answered, CancelRequest forwarded to
 * the server that issued the key, the StartupMessage checked (protocol version, schema version, options that would
 * lift read-only on a cluster that may not write) and sent on a new connection to the server, with the frames that
 * arrived meanwhile. Runs on the connection's event loop.
 */
final class StartupPath {

    private static final Logger log = LoggerFactory.getLogger(StartupPath.class);

    private final FrontendHandler h;

    StartupPath(FrontendHandler h) {
        this.h = h;
    }


    void packet(StartupPacket packet) {
        if (packet instanceof StartupPacket.Invalid invalid) {
            h.fail(invalid.violation());
        } else if (packet instanceof SSLRequest) {
            sslRequest();
        } else if (packet instanceof GSSENCRequest) {
            h.client.writeAndFlush(EncryptionResponse.decline(), h.client.voidPromise());
            h.decoder.mode(FrontendDecoder.Mode.STARTUP);
        } else if (packet instanceof CancelRequest cancel) {
            cancelRequest(cancel);
        } else if (packet instanceof StartupMessage startup) {
            startupMessage(startup);
        }
    }

    private void sslRequest() {
        if (h.encryptionRequested || h.client.pipeline().get(FrontendHandler.TLS) != null) {
            h.fail(ProtocolViolation.of("SSLRequest sent twice"));
            return;
        }
        h.encryptionRequested = true;
        if (h.shared.tls() == null) {
            h.client.writeAndFlush(EncryptionResponse.decline(), h.client.voidPromise());
        } else {
            // 'S' leaves in plaintext now; only then does TLS sit in front of the decoder. The decoder has
            // already refused any bytes that came with the SSLRequest.
            h.client.writeAndFlush(EncryptionResponse.acceptTls(), h.client.voidPromise());
            SslHandler tls = h.shared.tls().newHandler(h.client.alloc());
            h.client.pipeline().addBefore(FrontendHandler.DECODER, FrontendHandler.TLS, tls);
        }
        h.decoder.mode(FrontendDecoder.Mode.STARTUP);
    }

    private void cancelRequest(CancelRequest cancel) {
        h.decoder.mode(FrontendDecoder.Mode.HALTED);
        CancelKey key = new CancelKey(cancel.processId(), cancel.secretKey());
        SocketAddress issuer = h.shared.cancelKeys().issuerOf(key).orElse(null);
        if (issuer == null) {
            // Like PostgreSQL: an unknown key gets no answer, so keys cannot be probed. Logged, because behind one
            // Service with several proxy instances the key may be another instance's (docs/data-path.md).
            log.info("CancelRequest for process {} ignored: no session of this proxy holds its key (it may belong to "
                    + "another proxy instance, which this one cannot reach)", cancel.processId());
            h.closing = true;
            h.client.close();
            return;
        }
        connectTo(issuer, new CancelRelay(cancel, h.client)).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                log.info("cannot forward CancelRequest for process {} to {}: {}", cancel.processId(), issuer, f.cause().toString());
                h.client.close();
            }
        });
    }

    private void startupMessage(StartupMessage startup) {
        StartupMessage upstream = startup;
        if (startup.minor() != 0 || !startup.protocolOptions().isEmpty()) {
            // The proxy speaks 3.0: say so, and forward 3.0 without the options it does not know.
            h.client.write(new NegotiateProtocolVersion(0, startup.protocolOptions()).encode(h.client.alloc()),
                    h.client.voidPromise());
            h.wroteToClient = true;
            upstream = startup.asVersion30();
        }
        String lifts = h.statements == null ? null : io.fenceline.proxy.session.StartupOptions.liftsReadOnly(startup.parameters());
        if (lifts != null && !h.shared.policy().writable()) {
            refuseStartup(ReadOnlyFence.denial("start a h.session with " + lifts));
            return;
        }
        if (h.statements != null && h.shared.schema() != null) {
            VersionTracker tracker = h.shared.schema().tracker(startup.parameters());
            Decision.Deny refused = tracker.admit();
            if (refused != null) {
                refuseStartup(refused);
                return;
            }
            h.version = tracker;
            h.statements.tracker(tracker);
        }
        h.session.startupForwarded(startup);
        h.decoder.mode(FrontendDecoder.Mode.MESSAGES);
        h.client.config().setAutoRead(false);
        StartupMessage toSend = upstream;
        ChannelFuture connect = connectTo(h.shared.upstream(), new BackendHandler(h));
        h.backend = connect.channel();
        connect.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                failConnect(f.cause());
                return;
            }
            if (h.closing) {
                h.backend.close();
                return;
            }
            h.backendConnected = true;
            h.backend.write(toSend.encode(h.backend.alloc()), h.backend.voidPromise());
            while (!h.waitingForBackend.isEmpty()) {
                h.relayFromClient(h.waitingForBackend.poll());
            }
            h.backend.flush();
            h.wroteToBackend = false;
            h.flushClient();
            h.client.config().setAutoRead(true);
        });
    }

    ChannelFuture connectTo(SocketAddress address, io.netty.channel.ChannelHandler handler) {
        return h.shared.transport().configure(new Bootstrap())
                .group(h.client.eventLoop())
                .channel(h.shared.upstreamChannel())
                .option(ChannelOption.ALLOCATOR, h.client.alloc())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Shared.WATER_MARK)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.min(Integer.MAX_VALUE, h.shared.settings().limits().startupTimeout().toMillis()))
                .handler(handler)
                .connect(address);
    }

    private void failConnect(Throwable cause) {
        String upstream = Shared.describe(h.shared.upstream());
        log.warn("cannot connect to the database at {} for h.client {}: {}", upstream, h.client.remoteAddress(), cause.toString());
        h.fail(new ProtocolViolation(SqlState.CONNECTION_FAILURE,
                "the proxy cannot connect to the database at " + upstream + ": " + cause.getMessage()));
    }

    /** Refuses the connection before anything reached the database: FATAL with the denial's SQLSTATE and hint. */
    private void refuseStartup(Decision.Deny deny) {
        h.closing = true;
        h.decoder.mode(FrontendDecoder.Mode.HALTED);
        h.session.close();
        if (h.startupTimer != null) {
            h.startupTimer.cancel(false);
        }
        h.shared.metrics().error(deny.sqlState());
        log.info("refusing h.client {}: {} {}", h.client.remoteAddress(), deny.sqlState(), deny.message());
        h.client.writeAndFlush(ErrorResponse.fatal(new ProtocolViolation(deny.sqlState(), deny.message()))
                .encode(h.client.alloc(), deny.hint())).addListener(ChannelFutureListener.CLOSE);
    }

    void timedOut() {
        if (h.session.phase() != Phase.READY && !h.closing) {
            h.fail(ProtocolViolation.of("startup did not complete within "
                    + h.shared.settings().limits().startupTimeout().toMillis() + " ms (phase " + h.session.phase() + ")"));
        }
    }
}
