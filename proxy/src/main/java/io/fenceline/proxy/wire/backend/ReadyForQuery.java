package io.fenceline.proxy.wire.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * ReadyForQuery ('Z'): the server is idle again; the status byte tells the transaction state.
 *
 * @param status {@link #IDLE}, {@link #IN_TRANSACTION} or {@link #FAILED_TRANSACTION}
 */
public record ReadyForQuery(byte status) {
    /** Not in a transaction block. */
    public static final byte IDLE = 'I';
    /** In a transaction block. */
    public static final byte IN_TRANSACTION = 'T';
    /** In a failed transaction block (statements rejected until the block ends). */
    public static final byte FAILED_TRANSACTION = 'E';
    /** Message length including the length field. */
    public static final int LENGTH = 5;

    /** True when {@code status} is one of the three documented values. */
    public static boolean isValidStatus(byte status) {
        return status == IDLE || status == IN_TRANSACTION || status == FAILED_TRANSACTION;
    }

    /** Encodes the framed message. */
    public ByteBuf encode(ByteBufAllocator alloc) {
        return alloc.buffer(6).writeByte(BackendType.READY_FOR_QUERY).writeInt(LENGTH).writeByte(status);
    }
}
