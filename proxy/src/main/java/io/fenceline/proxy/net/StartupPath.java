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


    /** PostgreSQL's answer to one SSLRequest and one GSSENCRequest; a second of either is an unknown code. */
    private boolean sslDone;
    private boolean gssDone;
    /** Set when the connection is over {@code limits.max_connections}: told at its StartupMessage, as PostgreSQL does. */
    private ErrorResponse refusal;

    /**
     * Refuses this connection with {@code error} once its StartupMessage arrives. PostgreSQL answers SSLRequest
     * and GSSENCRequest and acts on a CancelRequest first, and reports "too many clients" only then; a client that
     * sent an SSLRequest reads one byte first, and an error in its place is read as a bad answer.
     */
    void refuseAtStartup(ErrorResponse error) {
        refusal = error;
    }

    void packet(StartupPacket packet) {
        if (packet instanceof StartupPacket.Invalid invalid) {
            h.fail(invalid.violation());
        } else if (packet instanceof StartupPacket.Dropped dropped) {
            closeSilently(dropped.reason());
        } else if (packet instanceof StartupPacket.Unsupported unsupported) {
            unsupported(unsupported);
        } else if (packet instanceof SSLRequest) {
            // A second one, or one inside a direct TLS connection (PostgreSQL 17's sslnegotiation=direct).
            if (sslDone || h.client.pipeline().get(FrontendHandler.TLS) != null) {
                unsupported(new StartupPacket.Unsupported(SSLRequest.CODE));
            } else {
                sslRequest();
            }
        } else if (packet instanceof GSSENCRequest) {
            if (gssDone) {
                unsupported(new StartupPacket.Unsupported(GSSENCRequest.CODE));
            } else {
                gssDone = true;
                h.client.writeAndFlush(EncryptionResponse.decline(), h.client.voidPromise());
                h.decoder.mode(FrontendDecoder.Mode.STARTUP);
            }
        } else if (packet instanceof CancelRequest cancel) {
            cancelRequest(cancel);
        } else if (packet instanceof StartupMessage startup) {
            if (refusal != null) {
                refuse(refusal);
            } else {
                startupMessage(startup);
            }
        }
    }

    /** The connection ends during startup: nothing more is read, the session and its startup timer end. */
    private void endStartup() {
        h.closing = true;
        h.decoder.mode(FrontendDecoder.Mode.HALTED);
        h.session.close();
        if (h.startupTimer != null) {
            h.startupTimer.cancel(false);
        }
    }

    /** Closes the way PostgreSQL does for bytes it cannot take as a startup packet: logged, nothing written. */
    private void closeSilently(String reason) {
        log.info("closing client {} without a reply, as PostgreSQL does: {}", h.client.remoteAddress(), reason);
        endStartup();
        h.client.close();
    }

    /** FATAL 0A000 in PostgreSQL's words, in the old error format for codes below 3.0 as PostgreSQL writes it. */
    private void unsupported(StartupPacket.Unsupported code) {
        if (!code.oldFormat()) {
            refuse(new ErrorResponse(ErrorResponse.FATAL, "0A000", code.message()));
            return;
        }
        endStartup();
        h.shared.metrics().error("0A000");
        log.info("refusing client {}: 0A000 {}", h.client.remoteAddress(), code.message());
        byte[] text = ("FATAL:  " + code.message() + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        h.client.writeAndFlush(h.client.alloc().buffer(text.length + 2).writeByte('E').writeBytes(text).writeByte(0))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /** Writes {@code error} and closes; nothing reached the database. */
    private void refuse(ErrorResponse error) {
        endStartup();
        h.shared.metrics().error(error.sqlState());
        log.info("refusing client {}: {} {}", h.client.remoteAddress(), error.sqlState(), error.message());
        h.client.writeAndFlush(error.encode(h.client.alloc())).addListener(ChannelFutureListener.CLOSE);
    }

    private void sslRequest() {
        sslDone = true;
        if (h.shared.tls() == null || !h.shared.tls().listening() || h.decoder.mode() == FrontendDecoder.Mode.HALTED) {
            // Without TLS, or when plaintext bytes followed the request (the decoder halted on them and reports
            // it next): PostgreSQL answers before it looks, and then writes its FATAL in plaintext.
            h.client.writeAndFlush(EncryptionResponse.decline(), h.client.voidPromise());
        } else {
            // 'S' leaves in plaintext now; only then does TLS sit in front of the decoder.
            h.client.writeAndFlush(EncryptionResponse.acceptTls(), h.client.voidPromise());
            SslHandler tls = h.shared.tls().newClientHandler(h.client.alloc());
            h.client.pipeline().addBefore(FrontendHandler.DECODER, FrontendHandler.TLS, tls);
        }
        if (h.decoder.mode() != FrontendDecoder.Mode.HALTED) {
            h.decoder.mode(FrontendDecoder.Mode.STARTUP);
        }
    }

    /** A CancelRequest: nothing else comes on this connection; {@link CancelPath} takes it where it belongs. */
    private void cancelRequest(CancelRequest cancel) {
        h.decoder.mode(FrontendDecoder.Mode.HALTED);
        h.closing = true;
        if (h.startupTimer != null) {
            h.startupTimer.cancel(false);
        }
        h.cancels().request(cancel);
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
        // tls.client_certificate: a user that must present a client certificate is refused without one (28000).
        ProtocolViolation noCertificate = h.shared.tls() == null ? null
                : h.shared.tls().admit(h.client, startup.parameters().get("user"));
        if (noCertificate != null) {
            h.fail(noCertificate);
            return;
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
            // tls.upstream: SSLRequest and the handshake before the StartupMessage (done at once without it).
            (h.shared.tls() == null ? h.backend.eventLoop().newSucceededFuture(null)
                    : h.shared.tls().secureUpstream(h.backend, h.client)).addListener(secured -> {
                if (!secured.isSuccess()) {
                    failConnect(secured.cause());
                } else if (h.closing) {
                    h.backend.close();
                } else {
                    sendStartup(toSend);
                }
            });
        });
    }

    /** The server connection is ready: the StartupMessage, then what the client sent meanwhile. */
    private void sendStartup(StartupMessage toSend) {
        h.backendConnected = true;
        h.backend.write(toSend.encode(h.backend.alloc()), h.backend.voidPromise());
        while (!h.waitingForBackend.isEmpty()) {
            h.relayFromClient(h.waitingForBackend.poll());
        }
        h.backend.flush();
        h.wroteToBackend = false;
        h.flushClient();
        h.client.config().setAutoRead(true);
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
        endStartup();
        h.shared.metrics().error(deny.sqlState());
        log.info("refusing h.client {}: {} {}", h.client.remoteAddress(), deny.sqlState(), deny.message());
        h.client.writeAndFlush(ErrorResponse.fatal(new ProtocolViolation(deny.sqlState(), deny.message()))
                .encode(h.client.alloc(), deny.hint())).addListener(ChannelFutureListener.CLOSE);
    }

    void timedOut() {
        if (h.session.phase() == Phase.STARTUP && !h.closing) {
            // PostgreSQL's authentication_timeout before a whole startup packet: the backend exits without a word.
            closeSilently("no StartupMessage within " + h.shared.settings().limits().startupTimeout().toMillis() + " ms");
            return;
        }
        if (h.session.phase() != Phase.READY && !h.closing) {
            h.fail(ProtocolViolation.of("startup did not complete within "
                    + h.shared.settings().limits().startupTimeout().toMillis() + " ms (phase " + h.session.phase() + ")"));
        }
    }
}
