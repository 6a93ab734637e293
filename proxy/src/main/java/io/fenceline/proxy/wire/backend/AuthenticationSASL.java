package io.fenceline.proxy.wire.backend;

import io.fenceline.proxy.wire.CStrings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.ArrayList;
import java.util.List;

/**
 * AuthenticationSASL ('R', code 10): the SASL mechanisms the server offers, in its order of preference
 * ({@code SCRAM-SHA-256-PLUS} first on a TLS connection, then {@code SCRAM-SHA-256}).
 */
public record AuthenticationSASL(List<String> mechanisms) {

    /** The authentication code of this message. */
    public static final int CODE = 10;
    /** The mechanism that binds the SCRAM exchange to the TLS connection it runs on. */
    public static final String SCRAM_SHA_256_PLUS = "SCRAM-SHA-256-PLUS";

    public AuthenticationSASL {
        mechanisms = List.copyOf(mechanisms);
    }

    /**
     * Decodes a whole framed message (type byte first) without moving {@code frame}'s indexes.
     *
     * @return the message, or null when {@code frame} is not a well-formed AuthenticationSASL
     */
    public static AuthenticationSASL decode(ByteBuf frame) {
        int start = frame.readerIndex();
        if (frame.readableBytes() < 9 || frame.getByte(start) != BackendType.AUTHENTICATION
                || frame.getInt(start + 1) != frame.readableBytes() - 1 || frame.getInt(start + 5) != CODE) {
            return null;
        }
        ByteBuf body = frame.slice(start + 9, frame.readableBytes() - 9);
        List<String> names = new ArrayList<>();
        while (body.isReadable() && body.getByte(body.readerIndex()) != 0) {
            String name = CStrings.read(body, body.writerIndex(), CStrings.NAMES);
            if (name == null) {
                return null;
            }
            names.add(name);
        }
        // The list ends with one zero byte, and nothing follows it.
        return body.readableBytes() == 1 ? new AuthenticationSASL(names) : null;
    }

    /** Encodes the framed message. */
    public ByteBuf encode(ByteBufAllocator alloc) {
        int length = 4 + 4 + 1;
        for (String m : mechanisms) {
            length += CStrings.length(m, CStrings.NAMES);
        }
        ByteBuf buf = alloc.buffer(1 + length).writeByte(BackendType.AUTHENTICATION).writeInt(length).writeInt(CODE);
        for (String m : mechanisms) {
            CStrings.write(buf, m, CStrings.NAMES);
        }
        return buf.writeByte(0);
    }
}
