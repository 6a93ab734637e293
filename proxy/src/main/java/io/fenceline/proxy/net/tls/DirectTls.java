package io.fenceline.proxy.net.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL 17's direct TLS ({@code sslnegotiation=direct}): a client that starts with a TLS ClientHello instead
 * of an SSLRequest. Looks at the first byte a client sends: a TLS handshake record (0x16) can never begin a
 * startup packet (its length would be over 369 MB), so this handler then puts a TLS handler in its own place and
 * hands it the bytes; anything else leaves the pipeline untouched. As PostgreSQL, a direct connection must
 * negotiate the ALPN protocol {@code postgresql}, or it is closed.
 */
final class DirectTls extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(DirectTls.class);
    /** TLS record type of a handshake message. */
    private static final int HANDSHAKE_RECORD = 0x16;

    private final SslContext context;
    private final String tlsName;

    DirectTls(SslContext context, String tlsName) {
        this.context = context;
        this.tlsName = tlsName;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf) || !buf.isReadable()) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (buf.getUnsignedByte(buf.readerIndex()) != HANDSHAKE_RECORD) {
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(buf);
            return;
        }
        SslHandler tls = context.newHandler(ctx.alloc());
        tls.handshakeFuture().addListener(f -> {
            if (f.isSuccess() && !TlsLegs.ALPN_POSTGRESQL.equals(tls.applicationProtocol())) {
                log.info("closing client {}: direct TLS without the ALPN protocol \"postgresql\" (offered {})",
                        ctx.channel().remoteAddress(), tls.applicationProtocol());
                ctx.channel().close();
            }
        });
        // The replaced context forwards to the new handler, which thus reads the ClientHello.
        ctx.pipeline().replace(this, tlsName, tls);
        ctx.fireChannelRead(buf);
    }
}
