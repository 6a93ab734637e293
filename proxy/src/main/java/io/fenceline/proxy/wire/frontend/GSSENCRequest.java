package io.fenceline.proxy.wire.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** GSSENCRequest: the client asks for GSSAPI encryption. The proxy always answers N. */
public final class GSSENCRequest implements StartupPacket {
    /** The request code, 1234 in the high 16 bits and 5680 in the low 16 bits. */
    public static final int CODE = 80877104;
    /** Packet length. */
    public static final int LENGTH = 8;
    /** The only instance. */
    public static final GSSENCRequest INSTANCE = new GSSENCRequest();

    private static final ByteBuf ENCODED = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(LENGTH).writeInt(LENGTH).writeInt(CODE)).asReadOnly();

    private GSSENCRequest() {
    }

    /** The 8 encoded bytes (shared, read-only, unreleasable). */
    public static ByteBuf encode() {
        return ENCODED.duplicate();
    }

    @Override
    public String toString() {
        return "GSSENCRequest";
    }
}
