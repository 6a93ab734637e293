package io.fenceline.proxy.wire.frontend;

import io.fenceline.proxy.wire.CStrings;
import io.fenceline.proxy.wire.ProtocolViolation;
import io.netty.buffer.ByteBuf;

/**
 * Bind ('B'): creates portal {@code portal} (empty for the unnamed portal) from prepared statement
 * {@code statement}. Only the two names are decoded: the proxy attributes the portal to its statement
 * and forwards the parameter values untouched, so formats and values are never copied out.
 */
public record Bind(String portal, String statement) {

    /** Outcome of decoding: the names or what was wrong. */
    public sealed interface Decoded {
    }

    /** A decoded Bind (names only). */
    public record Ok(Bind bind) implements Decoded {
    }

    /** A malformed Bind. */
    public record Malformed(ProtocolViolation violation) implements Decoded {
    }

    /** Decodes the names of a whole framed message (type byte to last byte) without changing the buffer. */
    public static Decoded decode(ByteBuf frame) {
        int start = frame.readerIndex();
        int end = start + frame.readableBytes();
        ByteBuf view = frame.duplicate().readerIndex(start + 5);
        String portal = CStrings.read(view, end, CStrings.NAMES);
        String statement = portal == null ? null : CStrings.read(view, end, CStrings.NAMES);
        if (statement == null) {
            return new Malformed(ProtocolViolation.of("Bind must start with a portal name and a statement name, each ending with a zero byte"));
        }
        return new Ok(new Bind(portal, statement));
    }
}
