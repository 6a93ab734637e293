package io.fenceline.proxy.net.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * The proxy's side of PostgreSQL's SSL negotiation on a new server connection: sends SSLRequest, reads the
 * one-byte answer, and on {@code S} replaces itself with a client {@link SslHandler}; {@code promise} succeeds
 * when the handshake does. {@code N}, anything else, bytes after the {@code S} that arrived before the handshake
 * (a man in the middle could inject them: CVE-2021-23222) and a closed connection fail it.
 */
final class UpstreamNegotiation extends ChannelInboundHandlerAdapter {

    /** SSLRequest: length 8, code 80877103. */
    private static final int SSL_REQUEST_CODE = 80877103;

    private final SslContext context;
    private final String host;
    private final int port;
    private final boolean verifyHost;
    private final String modeKey;
    private final Promise<Void> promise;

    UpstreamNegotiation(SslContext context, String host, int port, boolean verifyHost, String modeKey,
                        Promise<Void> promise) {
        this.context = context;
        this.host = host;
        this.port = port;
        this.verifyHost = verifyHost;
        this.modeKey = modeKey;
        this.promise = promise;
    }

    /** The SSLRequest packet. */
    static ByteBuf sslRequest(ByteBufAllocator alloc) {
        return alloc.buffer(8).writeInt(8).writeInt(SSL_REQUEST_CODE);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            if (!buf.isReadable() || promise.isDone()) {
                return;
            }
            byte answer = buf.readByte();
            if (answer != 'S') {
                fail(ctx, answer == 'N'
                        ? "the database at " + where() + " does not accept TLS (it answered N to SSLRequest: ssl = off?), and "
                        + modeKey + " does not allow plain text"
                        : "the database at " + where() + " answered SSLRequest with 0x" + Integer.toHexString(answer & 0xFF)
                        + ", not S or N");
                return;
            }
            if (buf.isReadable()) {
                fail(ctx, "the database at " + where() + " sent " + buf.readableBytes()
                        + " unencrypted bytes after accepting TLS, before the handshake");
                return;
            }
            SslHandler tls = context.newHandler(ctx.alloc(), host, port);
            SSLEngine engine = tls.engine();
            SSLParameters parameters = engine.getSSLParameters();
            // verify-full: the certificate must name the host (SAN DNS or IP entries, as libpq checks them).
            parameters.setEndpointIdentificationAlgorithm(verifyHost ? "HTTPS" : null);
            engine.setSSLParameters(parameters);
            ctx.pipeline().replace(this, TlsLegs.UPSTREAM_TLS, tls);
            tls.handshakeFuture().addListener(f -> {
                if (f.isSuccess()) {
                    promise.trySuccess(null);
                } else {
                    promise.tryFailure(new SSLException("TLS handshake with the database at " + where()
                            + " failed: " + f.cause().getMessage(), f.cause()));
                }
            });
        } finally {
            buf.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        promise.tryFailure(new SSLException("the database at " + where() + " closed the connection before answering SSLRequest"));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!promise.tryFailure(cause)) {
            ctx.fireExceptionCaught(cause);
        }
    }

    private void fail(ChannelHandlerContext ctx, String why) {
        promise.tryFailure(new SSLException(why));
        ctx.close();
    }

    private String where() {
        return host + ":" + port;
    }
}
