package io.fenceline.proxy.wire.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * CancelRequest: sent on a new connection with the key from {@code BackendKeyData}; the server never
 * answers and closes the connection.
 */
public record CancelRequest(int processId, int secretKey) implements StartupPacket {
    /** The request code, 1234 in the high 16 bits and 5678 in the low 16 bits. */
    public static final int CODE = 80877102;
    /** Packet length. */
    public static final int LENGTH = 16;

    /** Encodes the 16-byte packet. */
    public ByteBuf encode(ByteBufAllocator alloc) {
        return alloc.buffer(LENGTH).writeInt(LENGTH).writeInt(CODE).writeInt(processId).writeInt(secretKey);
    }

    @Override
    public String toString() {
        // The secret stays out of logs.
        return "CancelRequest[processId=" + processId + "]";
    }
}
