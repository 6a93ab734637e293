package io.fenceline.proxy.wire.frontend;

import io.fenceline.proxy.wire.CStrings;
import io.fenceline.proxy.wire.ProtocolViolation;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.Arrays;

/**
 * Parse ('P'): prepares {@code sql} as statement {@code name} (empty for the unnamed statement) with
 * the given parameter type OIDs (0 leaves a type unspecified).
 */
public record Parse(String name, String sql, int[] parameterTypes) {

    public Parse {
        parameterTypes = parameterTypes.clone();
    }

    @Override
    public int[] parameterTypes() {
        return parameterTypes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Parse p && p.name.equals(name) && p.sql.equals(sql)
                && Arrays.equals(p.parameterTypes, parameterTypes);
    }

    @Override
    public int hashCode() {
        return (name.hashCode() * 31 + sql.hashCode()) * 31 + Arrays.hashCode(parameterTypes);
    }

    @Override
    public String toString() {
        return "Parse[name=" + name + ", sql=" + sql + ", parameterTypes=" + Arrays.toString(parameterTypes) + "]";
    }

    /** Outcome of decoding: the message or what was wrong. */
    public sealed interface Decoded {
    }

    /** A decoded Parse. */
    public record Ok(Parse parse) implements Decoded {
    }

    /** A malformed Parse. */
    public record Malformed(ProtocolViolation violation) implements Decoded {
    }

    /** Decodes a whole framed message (type byte to last byte) without changing the buffer. */
    public static Decoded decode(ByteBuf frame) {
        return decode(frame, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Decodes a whole framed message, its text in the client's {@code charset} and its name byte for byte. */
    public static Decoded decode(ByteBuf frame, java.nio.charset.Charset charset) {
        int start = frame.readerIndex();
        int end = start + frame.readableBytes();
        ByteBuf view = frame.duplicate().readerIndex(start + 5);
        String name = CStrings.read(view, end, CStrings.NAMES);
        String sql = name == null ? null : CStrings.read(view, end, charset);
        if (sql == null) {
            return new Malformed(ProtocolViolation.of("Parse must start with a statement name and a query, each ending with a zero byte"));
        }
        if (end - view.readerIndex() < 2) {
            return new Malformed(ProtocolViolation.of("Parse ends before its parameter type count"));
        }
        int count = view.readUnsignedShort();
        if (end - view.readerIndex() != count * 4) {
            return new Malformed(ProtocolViolation.of("Parse declares " + count + " parameter types but carries "
                    + (end - view.readerIndex()) + " bytes for them"));
        }
        int[] types = new int[count];
        for (int i = 0; i < count; i++) {
            types[i] = view.readInt();
        }
        return new Ok(new Parse(name, sql, types));
    }

    /** Encodes the framed message. */
    public ByteBuf encode(ByteBufAllocator alloc) {
        return encode(alloc, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Encodes the framed message, its text in the client's {@code charset}, its name byte for byte. */
    public ByteBuf encode(ByteBufAllocator alloc, java.nio.charset.Charset charset) {
        int len = 4 + CStrings.length(name, CStrings.NAMES) + CStrings.length(sql, charset) + 2 + 4 * parameterTypes.length;
        ByteBuf buf = alloc.buffer(1 + len).writeByte(FrontendType.PARSE).writeInt(len);
        CStrings.write(buf, name, CStrings.NAMES);
        CStrings.write(buf, sql, charset);
        buf.writeShort(parameterTypes.length);
        for (int t : parameterTypes) {
            buf.writeInt(t);
        }
        return buf;
    }
}
