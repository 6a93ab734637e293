package io.fenceline.proxy.wire.frontend;

import io.fenceline.proxy.wire.CStrings;
import io.fenceline.proxy.wire.ProtocolViolation;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Execute ('E'): runs portal {@code portal} (empty for the unnamed portal), returning at most
 * {@code maxRows} rows (0 for no limit).
 */
public record Execute(String portal, int maxRows) {

    /** Outcome of decoding: the message or what was wrong. */
    public sealed interface Decoded {
    }

    /** A decoded Execute. */
    public record Ok(Execute execute) implements Decoded {
    }

    /** A malformed Execute. */
    public record Malformed(ProtocolViolation violation) implements Decoded {
    }

    /** Decodes a whole framed message (type byte to last byte) without changing the buffer. */
    public static Decoded decode(ByteBuf frame) {
        int start = frame.readerIndex();
        int end = start + frame.readableBytes();
        ByteBuf view = frame.duplicate().readerIndex(start + 5);
        String portal = CStrings.read(view, end, CStrings.NAMES);
        if (portal == null || end - view.readerIndex() != 4) {
            return new Malformed(ProtocolViolation.of("Execute must hold a portal name ending with a zero byte and a 4-byte row limit"));
        }
        return new Ok(new Execute(portal, view.readInt()));
    }

    /** Encodes the framed message. */
    public ByteBuf encode(ByteBufAllocator alloc) {
        int len = 4 + CStrings.length(portal, CStrings.NAMES) + 4;
        ByteBuf buf = alloc.buffer(1 + len).writeByte(FrontendType.EXECUTE).writeInt(len);
        CStrings.write(buf, portal, CStrings.NAMES);
        return buf.writeInt(maxRows);
    }
}
