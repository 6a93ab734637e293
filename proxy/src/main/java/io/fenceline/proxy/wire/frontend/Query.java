package io.fenceline.proxy.wire.frontend;

import io.fenceline.proxy.wire.CStrings;
import io.fenceline.proxy.wire.ProtocolViolation;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Query ('Q'): one or more SQL statements in the simple query protocol. */
public record Query(String sql) {

    /** Outcome of decoding: the message or what was wrong. */
    public sealed interface Decoded {
    }

    /** A decoded Query. */
    public record Ok(Query query) implements Decoded {
    }

    /** A malformed Query. */
    public record Malformed(ProtocolViolation violation) implements Decoded {
    }

    /** Decodes a whole framed message (type byte to last byte) without changing the buffer. */
    public static Decoded decode(ByteBuf frame) {
        return decode(frame, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Decodes a whole framed message, its text in the client's {@code charset}. */
    public static Decoded decode(ByteBuf frame, java.nio.charset.Charset charset) {
        int start = frame.readerIndex();
        int end = start + frame.readableBytes();
        ByteBuf view = frame.duplicate().readerIndex(start + 5);
        String sql = CStrings.read(view, end, charset);
        if (sql == null || view.readerIndex() != end) {
            return new Malformed(ProtocolViolation.of("Query must hold exactly one string ending with a zero byte"));
        }
        return new Ok(new Query(sql));
    }

    /** Encodes the framed message. */
    public ByteBuf encode(ByteBufAllocator alloc) {
        return encode(alloc, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Encodes the framed message, its text in the client's {@code charset}. */
    public ByteBuf encode(ByteBufAllocator alloc, java.nio.charset.Charset charset) {
        int len = 4 + CStrings.length(sql, charset);
        ByteBuf buf = alloc.buffer(1 + len).writeByte(FrontendType.QUERY).writeInt(len);
        CStrings.write(buf, sql, charset);
        return buf;
    }
}
