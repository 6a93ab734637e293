package io.fenceline.proxy.wire.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** SSLRequest: the client asks for TLS before its StartupMessage. Answered by one byte, S or N. */
public final class SSLRequest implements StartupPacket {
    /** The request code, 1234 in the high 16 bits and 5679 in the low 16 bits. */
    public static final int CODE = 80877103;
    /** Packet length. */
    public static final int LENGTH = 8;
    /** The only instance. */
    public static final SSLRequest INSTANCE = new SSLRequest();

    private static final ByteBuf ENCODED = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(LENGTH).writeInt(LENGTH).writeInt(CODE)).asReadOnly();

    private SSLRequest() {
    }

    /** The 8 encoded bytes (a shared, read-only, unreleasable buffer; duplicate before writing it). */
    public static ByteBuf encode() {
        return ENCODED.duplicate();
    }

    @Override
    public String toString() {
        return "SSLRequest";
    }
}
