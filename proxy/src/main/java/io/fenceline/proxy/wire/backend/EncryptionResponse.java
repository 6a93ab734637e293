package io.fenceline.proxy.wire.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** The single byte that answers SSLRequest or GSSENCRequest: 'S' (or 'G') to proceed, 'N' to decline. */
public final class EncryptionResponse {
    private static final ByteBuf ACCEPT_TLS = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(1).writeByte('S')).asReadOnly();
    private static final ByteBuf DECLINE = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(1).writeByte('N')).asReadOnly();

    private EncryptionResponse() {
    }

    /** 'S': TLS handshake follows. */
    public static ByteBuf acceptTls() {
        return ACCEPT_TLS.duplicate();
    }

    /** 'N': continue unencrypted. */
    public static ByteBuf decline() {
        return DECLINE.duplicate();
    }
}
