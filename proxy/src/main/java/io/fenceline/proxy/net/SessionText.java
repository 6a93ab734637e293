package io.fenceline.proxy.net;

import io.fenceline.proxy.policy.Decision;
import io.fenceline.proxy.session.Session;
import io.fenceline.proxy.sql.StandardStrings;
import io.fenceline.proxy.wire.CStrings;
import io.netty.buffer.ByteBuf;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * How the client's texts are read, from what the server reported ({@link io.fenceline.proxy.session.SessionModel}):
 * the charset of {@code client_encoding} (texts in an encoding the proxy cannot lex are refused unless they are
 * plain ASCII), and {@code standard_conforming_strings} (off: texts are restated with {@code E''} strings and the
 * restated text is what is judged and forwarded).
 */
final class SessionText {

    private final Session session;

    SessionText(Session session) {
        this.session = session;
    }


    /** The charset the client's texts are in, or null when the proxy cannot lex it ({@link #readable}). */
    Charset charset(ByteBuf frame) {
        Charset c = session.model().charset();
        if (c == null && isAscii(frame)) {
            // Every byte below 0x80 is that ASCII character in every encoding PostgreSQL accepts from clients.
            return StandardCharsets.US_ASCII;
        }
        return c;
    }

    /** The charset substitutes are encoded in. */
    Charset outputCharset() {
        Charset c = session.model().charset();
        return c == null ? StandardCharsets.US_ASCII : c;
    }

    /** The refusal of a text the proxy cannot read in the session's encoding, or null when it can. */
    Decision.Deny unreadable(ByteBuf frame) {
        if (charset(frame) == null) {
            return new Decision.Deny("0A000", "the proxy cannot read text in client encoding "
                    + session.model().clientEncoding() + ": its multi-byte characters can contain the bytes of quotes and "
                    + "backslashes, so the proxy cannot tell where strings end",
                    "use client_encoding UTF8 or another encoding listed in docs/data-path.md");
        }
        return null;
    }

    /**
     * {@code sql} as a text that means the same to the server whatever {@code standard_conforming_strings} is,
     * or null when the proxy cannot restate it.
     */
    String standard(String sql) {
        return session.model().standardConformingStrings() ? sql : StandardStrings.toStandard(sql);
    }

    static final Decision.Deny NON_STANDARD = new Decision.Deny("0A000", "the proxy cannot read a N'' or U&'' "
            + "string holding a backslash while standard_conforming_strings is off",
            "use E'' strings, or SET standard_conforming_strings = on");

    private static boolean isAscii(ByteBuf frame) {
        return frame.forEachByte(frame.readerIndex(), frame.readableBytes(), b -> b >= 0) < 0;
    }

    /** A name read in the client's charset as the protocol's names are kept (byte for byte). */
    static String asName(String name, Charset charset) {
        return name == null || charset == CStrings.NAMES ? name : new String(name.getBytes(charset), CStrings.NAMES);
    }
}
