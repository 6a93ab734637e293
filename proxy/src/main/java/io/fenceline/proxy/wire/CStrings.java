package io.fenceline.proxy.wire;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/** Null-terminated UTF-8 strings ("String" in the PostgreSQL message formats). */
public final class CStrings {

    private CStrings() {
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
