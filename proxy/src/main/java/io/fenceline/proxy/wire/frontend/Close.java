package io.fenceline.proxy.wire.frontend;

import io.fenceline.proxy.wire.CStrings;
import io.fenceline.proxy.wire.ProtocolViolation;
import io.netty.buffer.ByteBuf;

/**
 * Close ('C'): closes prepared statement ({@link #STATEMENT}) or portal ({@link #PORTAL}) {@code name}.
 *
 * @param target {@link #STATEMENT} or {@link #PORTAL}
 * @param name   the name; empty for the unnamed statement or portal
 */
public record Close(byte target, String name) {
    /** Target byte of a prepared statement. */
    public static final byte STATEMENT = 'S';
    /** Target byte of a portal. */
    public static final byte PORTAL = 'P';

    /** Outcome of decoding: the message or what was wrong. */
    public sealed interface Decoded {
    }

    /** A decoded Close. */
    public record Ok(Close close) implements Decoded {
    }

    /** A malformed Close. */
    public record Malformed(ProtocolViolation violation) implements Decoded {
    }

    /** Decodes a whole framed message (type byte to last byte) without changing the buffer. */
    public static Decoded decode(ByteBuf frame) {
        int start = frame.readerIndex();
        int end = start + frame.readableBytes();
        if (end - start < 6) {
            return new Malformed(ProtocolViolation.of("Close ends before its target byte"));
        }
        byte target = frame.getByte(start + 5);
        if (target != STATEMENT && target != PORTAL) {
            return new Malformed(ProtocolViolation.of("Close target must be 'S' or 'P', was 0x" + Integer.toHexString(target & 0xFF)));
        }
        ByteBuf view = frame.duplicate().readerIndex(start + 6);
        String name = CStrings.read(view, end, CStrings.NAMES);
        if (name == null || view.readerIndex() != end) {
            return new Malformed(ProtocolViolation.of("Close must end with one name ending with a zero byte"));
        }
        return new Ok(new Close(target, name));
    }
}
