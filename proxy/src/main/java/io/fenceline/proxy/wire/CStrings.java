package io.fenceline.proxy.wire;

import io.netty.buffer.ByteBuf;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * Null-terminated strings ("String" in the PostgreSQL message formats). SQL text is decoded in the session's
 * client encoding; names (statements, portals) are read byte for byte ({@link #NAMES}), so two names that
 * differ in their bytes never become the same Java string, whatever the encoding.
 */
public final class CStrings {

    /** The charset of names: ISO-8859-1 maps every byte to one char, so decoding is one-to-one. */
    public static final Charset NAMES = StandardCharsets.ISO_8859_1;

    private CStrings() {
    }

    /** Like {@link #read(ByteBuf, int)}, decoding the bytes with {@code charset}. */
    public static String read(ByteBuf buf, int limit, Charset charset) {
        int start = buf.readerIndex();
        int nul = buf.indexOf(start, limit, (byte) 0);
        if (nul < 0) {
            return null;
        }
        String s = buf.toString(start, nul - start, charset);
        buf.readerIndex(nul + 1);
        return s;
    }

    /** Writes {@code s} in {@code charset} followed by a zero byte. */
    public static void write(ByteBuf buf, String s, Charset charset) {
        buf.writeBytes(s.getBytes(charset));
        buf.writeByte(0);
    }

    /** Encoded length of {@code s} in {@code charset} including its terminator. */
    public static int length(String s, Charset charset) {
        return charset == StandardCharsets.UTF_8 ? io.netty.buffer.ByteBufUtil.utf8Bytes(s) + 1 : s.getBytes(charset).length + 1;
    }

    /**
     * Reads a string starting at {@code buf.readerIndex()} that must end before {@code limit};
     * returns null when no terminator is found there (the caller reports the violation).
     */
    public static String read(ByteBuf buf, int limit) {
        int start = buf.readerIndex();
        int nul = buf.indexOf(start, limit, (byte) 0);
        if (nul < 0) {
            return null;
        }
        String s = buf.toString(start, nul - start, StandardCharsets.UTF_8);
        buf.readerIndex(nul + 1);
        return s;
    }

    /** Writes {@code s} as UTF-8 followed by a zero byte. */
    public static void write(ByteBuf buf, String s) {
        buf.writeCharSequence(s, StandardCharsets.UTF_8);
        buf.writeByte(0);
    }

    /** Encoded length of {@code s} including its terminator. */
    public static int length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length + 1;
    }
}
