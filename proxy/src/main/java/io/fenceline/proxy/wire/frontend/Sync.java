package io.fenceline.proxy.wire.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** Sync ('S'): ends an extended-query cycle; the server answers ReadyForQuery. */
public final class Sync {
    private static final ByteBuf ENCODED = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(5).writeByte(FrontendType.SYNC).writeInt(4)).asReadOnly();

    private Sync() {
    }

    /** The 5 encoded bytes (shared, read-only, unreleasable). */
    public static ByteBuf encode() {
        return ENCODED.duplicate();
    }
}
