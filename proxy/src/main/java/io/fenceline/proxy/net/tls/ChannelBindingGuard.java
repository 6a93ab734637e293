package io.fenceline.proxy.net.tls;

import io.fenceline.proxy.wire.backend.AuthenticationSASL;
import io.fenceline.proxy.wire.backend.BackendType;
import io.fenceline.proxy.wire.backend.ErrorResponse;
import io.fenceline.proxy.wire.frontend.FrontendType;
import io.fenceline.proxy.wire.frontend.SASLInitialResponse;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;

import javax.net.ssl.SSLPeerUnverifiedException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Sits on a server connection that runs over TLS, during authentication only, and keeps SCRAM channel binding
 * from being attempted through the proxy, which terminates TLS on both legs.
 *
 * <p>Channel binding ({@code SCRAM-SHA-256-PLUS}, {@code tls-server-end-point}) proves to the server that the
 * client's TLS connection ends at the server: the client signs a hash of the certificate it was shown. Through
 * the proxy that is the proxy's certificate, so the server, which hashes its own, must refuse. So:
 * <ul>
 *   <li>{@code SCRAM-SHA-256-PLUS} is removed from the AuthenticationSASL relayed to the client. A client that
 *       requires channel binding ({@code channel_binding=require}) then stops with its own clear error.</li>
 *   <li>A client on TLS that could bind but, seeing no PLUS, sends the GS2 flag {@code y} ("I support binding,
 *       the server does not") would be refused by the server, which does support it on this TLS connection
 *       (the SCRAM downgrade protection; the flag is covered by the client's proof, so the proxy cannot change
 *       it). The proxy refuses it first with FATAL 08P01 that says what to do: {@code channel_binding=disable}.</li>
 * </ul>
 * One case binds end to end: {@code tls-server-end-point} hashes the server's certificate, not the TLS session,
 * so when the proxy shows clients the very certificate the database showed the proxy (it holds the database's
 * certificate and key), the client's binding data is what the database computes. Then, for a client on TLS, PLUS
 * is relayed and nothing is refused.
 * After AuthenticationOk, or any server message other than an authentication request, it leaves the pipeline.
 */
final class ChannelBindingGuard extends ChannelDuplexHandler {

    /** Authentication requests are small; a longer one is relayed without being looked at. */
    static final int MAX_AUTHENTICATION_MESSAGE = 1 << 20;
    private static final int AUTHENTICATION_OK = 0;

    private final boolean clientOnTls;
    /** The DER of the certificate clients are shown, or null. */
    private final byte[] listenerCertificate;
    /** Decided at the first AuthenticationSASL: the client on TLS sees the database's own certificate. */
    private boolean bindsEndToEnd;
    private ByteBuf pending;
    private boolean saslOffered;
    private boolean refused;

    /**
     * @param clientOnTls         whether the client's own connection to the proxy is TLS
     * @param listenerCertificate DER of the certificate clients are shown, or null
     */
    ChannelBindingGuard(boolean clientOnTls, byte[] listenerCertificate) {
        this.clientOnTls = clientOnTls;
        this.listenerCertificate = listenerCertificate;
    }

    /** For a client not on TLS, or shown another certificate than the database's. */
    ChannelBindingGuard(boolean clientOnTls) {
        this(clientOnTls, null);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf) || refused) {
            if (refused) {
                ReferenceCountUtil.release(msg);
            } else {
                ctx.fireChannelRead(msg);
            }
            return;
        }
        ByteBuf in = pending == null ? buf : ctx.alloc().buffer(pending.readableBytes() + buf.readableBytes())
                .writeBytes(pending).writeBytes(buf);
        if (pending != null) {
            pending.release();
            buf.release();
            pending = null;
        }
        List<ByteBuf> out = new ArrayList<>();
        boolean done = false;
        while (in.readableBytes() >= 5 && !done) {
            int start = in.readerIndex();
            byte type = in.getByte(start);
            int length = in.getInt(start + 1);
            if (type != BackendType.AUTHENTICATION && type != BackendType.NEGOTIATE_PROTOCOL_VERSION
                    || length < 4 || length > MAX_AUTHENTICATION_MESSAGE) {
                done = true;   // past authentication (or not ours to judge): relay the rest untouched
                break;
            }
            if (in.readableBytes() < 1 + length) {
                break;
            }
            ByteBuf message = in.readRetainedSlice(1 + length);
            if (type == BackendType.AUTHENTICATION && length >= 8) {
                int code = message.getInt(message.readerIndex() + 5);
                if (code == AuthenticationSASL.CODE) {
                    bindsEndToEnd = clientOnTls && sameCertificateAsTheDatabase(ctx);
                    if (!bindsEndToEnd) {
                        message = withoutPlus(ctx, message);
                    }
                    saslOffered = true;
                } else if (code == AUTHENTICATION_OK) {
                    done = true;
                }
            }
            out.add(message);
        }
        if (done) {
            if (in.isReadable()) {
                out.add(in.retain());
            }
            in.release();
            ctx.pipeline().remove(this);
        } else if (in.isReadable()) {
            pending = in;
        } else {
            in.release();
        }
        for (ByteBuf b : out) {
            ctx.fireChannelRead(b);
        }
    }

    private boolean sameCertificateAsTheDatabase(ChannelHandlerContext ctx) {
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        if (listenerCertificate == null || tls == null) {
            return false;
        }
        try {
            Certificate[] chain = tls.engine().getSession().getPeerCertificates();
            return chain.length > 0 && Arrays.equals(chain[0].getEncoded(), listenerCertificate);
        } catch (SSLPeerUnverifiedException | CertificateEncodingException e) {
            return false;
        }
    }

    private static ByteBuf withoutPlus(ChannelHandlerContext ctx, ByteBuf message) {
        AuthenticationSASL offered = AuthenticationSASL.decode(message);
        if (offered == null || !offered.mechanisms().contains(AuthenticationSASL.SCRAM_SHA_256_PLUS)) {
            return message;
        }
        List<String> kept = new ArrayList<>(offered.mechanisms());
        kept.remove(AuthenticationSASL.SCRAM_SHA_256_PLUS);
        message.release();
        return new AuthenticationSASL(kept).encode(ctx.alloc());
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (saslOffered && msg instanceof ByteBuf frame && frame.isReadable()
                && frame.getByte(frame.readerIndex()) == FrontendType.PASSWORD) {
            saslOffered = false;   // only the SASLInitialResponse carries the flag
            String refusal = refusal(SASLInitialResponse.decode(frame));
            if (refusal != null) {
                refused = true;
                frame.release();
                if (!promise.isVoid()) {
                    promise.trySuccess();
                }
                // Answer as the server would, at a boundary of its stream (it is waiting for this message), then close.
                ctx.executor().execute(() -> {
                    ctx.fireChannelRead(new ErrorResponse(ErrorResponse.FATAL, "08P01", refusal).encode(ctx.alloc()));
                    ctx.fireChannelReadComplete();
                    ctx.close();
                });
                return;
            }
        }
        ctx.write(msg, promise);
    }

    private String refusal(SASLInitialResponse response) {
        if (response == null || bindsEndToEnd) {
            return null;   // the server judges malformed messages itself
        }
        if (AuthenticationSASL.SCRAM_SHA_256_PLUS.equals(response.mechanism())) {
            return "SCRAM channel binding cannot work through the proxy: it terminates TLS, so the client would bind to "
                    + "the proxy's certificate and the database would refuse; connect with channel_binding=disable";
        }
        if (response.bindingFlag() == 'y' && clientOnTls) {
            return "SCRAM channel binding negotiation cannot pass through the proxy: the client supports channel "
                    + "binding (channel_binding=prefer), the database supports it on its TLS connection from the proxy, "
                    + "and the proxy, which terminates TLS, cannot offer it; the database would refuse this exchange. "
                    + "Connect with channel_binding=disable, or without TLS to the proxy (docs/data-path.md, \"TLS and "
                    + "channel binding\")";
        }
        return null;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }
}
