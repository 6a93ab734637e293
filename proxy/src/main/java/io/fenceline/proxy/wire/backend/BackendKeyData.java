package io.fenceline.proxy.wire.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** BackendKeyData ('K'): the process id and secret a client needs to cancel a running statement. */
public record BackendKeyData(int processId, int secretKey) {
    /** Message length including the length field (protocol 3.0). */
    public static final int LENGTH = 12;

    /** Encodes the framed message. */
    public ByteBuf encode(ByteBufAllocator alloc) {
        return alloc.buffer(13).writeByte(BackendType.BACKEND_KEY_DATA).writeInt(LENGTH)
                .writeInt(processId).writeInt(secretKey);
    }

    @Override
    public String toString() {
        return "BackendKeyData[processId=" + processId + "]";
    }
}
