package io.fenceline.proxy.wire.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** Terminate ('X'): the client is closing the session. */
public final class Terminate {
    private static final ByteBuf ENCODED = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(5).writeByte(FrontendType.TERMINATE).writeInt(4)).asReadOnly();

    private Terminate() {
    }

    /** The 5 encoded bytes (shared, read-only, unreleasable). */
    public static ByteBuf encode() {
        return ENCODED.duplicate();
    }
}
