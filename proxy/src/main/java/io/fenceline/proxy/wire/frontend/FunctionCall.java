package io.fenceline.proxy.wire.frontend;

import io.fenceline.proxy.wire.ProtocolViolation;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalInt;

/**
 * FunctionCall ('F', the fast-path interface): runs the function whose {@code pg_proc} OID is {@code functionOid}
 * with {@code arguments} (null for SQL NULL), each in the format {@link #formatOf} gives it (0 text, 1 binary),
 * and answers in {@code resultFormat}. libpq's large-object functions ({@code lo_open}, {@code loread}, psql's
 * {@code \lo_import} and {@code \lo_export}) and pgJDBC's {@code LargeObjectManager} use it.
 *
 * @param functionOid   the function's OID
 * @param formats       the argument format codes as sent: none (all text), one (for all), or one per argument
 * @param arguments     the argument values, null for NULL
 * @param resultFormat  the result's format code
 */
public record FunctionCall(int functionOid, List<Short> formats, List<byte[]> arguments, short resultFormat) {

    public FunctionCall {
        formats = List.copyOf(formats);
        arguments = Collections.unmodifiableList(new ArrayList<>(arguments));
    }

    /** Outcome of decoding: the message or what was wrong. */
    public sealed interface Decoded {
    }

    /** A decoded FunctionCall. */
    public record Ok(FunctionCall call) implements Decoded {
    }

    /** A malformed FunctionCall. */
    public record Malformed(ProtocolViolation violation) implements Decoded {
    }

    /** Decodes a whole framed message (type byte to last byte) without changing the buffer. */
    public static Decoded decode(ByteBuf frame) {
        int start = frame.readerIndex();
        int end = start + frame.readableBytes();
        ByteBuf v = frame.duplicate().readerIndex(start + 5);
        if (end - v.readerIndex() < 6) {
            return malformed("a function OID and a format count");
        }
        int oid = v.readInt();
        int nFormats = v.readUnsignedShort();
        if (end - v.readerIndex() < 2 * nFormats + 2) {
            return malformed(nFormats + " format codes and an argument count");
        }
        List<Short> formats = new ArrayList<>(nFormats);
        for (int k = 0; k < nFormats; k++) {
            formats.add(v.readShort());
        }
        int nArgs = v.readUnsignedShort();
        if (nFormats > 1 && nFormats != nArgs) {
            return malformed("as many format codes as arguments (" + nFormats + " for " + nArgs + ")");
        }
        List<byte[]> args = new ArrayList<>(nArgs);
        for (int k = 0; k < nArgs; k++) {
            if (end - v.readerIndex() < 4) {
                return malformed("the length of argument " + (k + 1));
            }
            int len = v.readInt();
            if (len == -1) {
                args.add(null);
                continue;
            }
            if (len < 0 || end - v.readerIndex() < len) {
                return malformed("argument " + (k + 1) + " of " + len + " bytes");
            }
            byte[] b = new byte[len];
            v.readBytes(b);
            args.add(b);
        }
        if (end - v.readerIndex() != 2) {
            return malformed("a result format code as its last two bytes");
        }
        return new Ok(new FunctionCall(oid, formats, args, v.readShort()));
    }

    private static Malformed malformed(String what) {
        return new Malformed(ProtocolViolation.of("FunctionCall must hold " + what));
    }

    /** The format code of argument {@code index} (0-based): text when none was sent. */
    public short formatOf(int index) {
        return formats.isEmpty() ? 0 : formats.size() == 1 ? formats.get(0) : formats.get(index);
    }

    /**
     * Argument {@code index} read as a PostgreSQL {@code int4} in its format (4 bytes big-endian in binary; an
     * optionally signed decimal with surrounding spaces in text, as {@code int4in} reads it); empty when it is
     * absent, NULL or not such a value.
     */
    public OptionalInt intArgument(int index) {
        if (index >= arguments.size() || arguments.get(index) == null) {
            return OptionalInt.empty();
        }
        byte[] b = arguments.get(index);
        short format = formatOf(index);
        if (format == 1) {
            return b.length == 4 ? OptionalInt.of((b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8
                    | (b[3] & 0xff)) : OptionalInt.empty();
        }
        if (format != 0) {
            return OptionalInt.empty();
        }
        String s = new String(b, java.nio.charset.StandardCharsets.US_ASCII).strip();
        if (!s.matches("[+-]?[0-9]{1,10}")) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(s));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /** Encodes the framed message. */
    public ByteBuf encode(ByteBufAllocator alloc) {
        int len = 4 + 4 + 2 + 2 * formats.size() + 2 + 2;
        for (byte[] a : arguments) {
            len += 4 + (a == null ? 0 : a.length);
        }
        ByteBuf buf = alloc.buffer(1 + len).writeByte(FrontendType.FUNCTION_CALL).writeInt(len);
        buf.writeInt(functionOid).writeShort(formats.size());
        formats.forEach(f -> buf.writeShort(f));
        buf.writeShort(arguments.size());
        for (byte[] a : arguments) {
            if (a == null) {
                buf.writeInt(-1);
            } else {
                buf.writeInt(a.length).writeBytes(a);
            }
        }
        return buf.writeShort(resultFormat);
    }
}
