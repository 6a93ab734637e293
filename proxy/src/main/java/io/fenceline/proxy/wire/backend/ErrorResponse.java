package io.fenceline.proxy.wire.backend;

import io.fenceline.proxy.wire.CStrings;
import io.fenceline.proxy.wire.ProtocolViolation;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.Objects;

/**
 * ErrorResponse ('E') as the proxy writes it: severity (both the localized 'S' and the 'V' field),
 * SQLSTATE code 'C' and message 'M'.
 */
public record ErrorResponse(String severity, String sqlState, String message) {
    /** Severity of an error that ends the session. */
    public static final String FATAL = "FATAL";
    /** Severity of an error that ends the statement only. */
    public static final String ERROR = "ERROR";
    /** SQLSTATE reported when an error's code cannot be read. */
    public static final String UNKNOWN_SQLSTATE = "?????";

    public ErrorResponse {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(sqlState, "sqlState");
        Objects.requireNonNull(message, "message");
        if (sqlState.length() != 5) {
            throw new IllegalArgumentException("SQLSTATE must have 5 characters, was \"" + sqlState + "\"");
        }
    }

    /** The FATAL error that reports {@code violation} before the connection is closed. */
    public static ErrorResponse fatal(ProtocolViolation violation) {
        return new ErrorResponse(FATAL, violation.sqlState(), violation.message());
    }

    /** Encodes the framed message. */
    public ByteBuf encode(ByteBufAllocator alloc) {
        return encode(alloc, null);
    }

    /** Encodes the framed message with a hint ('H' field) when {@code hint} is not null. */
    public ByteBuf encode(ByteBufAllocator alloc, String hint) {
        int len = 4 + 1 + CStrings.length(severity) + 1 + CStrings.length(severity)
                + 1 + CStrings.length(sqlState) + 1 + CStrings.length(message) + 1
                + (hint == null ? 0 : 1 + CStrings.length(hint));
        ByteBuf buf = alloc.buffer(1 + len).writeByte(BackendType.ERROR_RESPONSE).writeInt(len);
        buf.writeByte('S');
        CStrings.write(buf, severity);
        buf.writeByte('V');
        CStrings.write(buf, severity);
        buf.writeByte('C');
        CStrings.write(buf, sqlState);
        buf.writeByte('M');
        CStrings.write(buf, message);
        if (hint != null) {
            buf.writeByte('H');
            CStrings.write(buf, hint);
        }
        return buf.writeByte(0);
    }

    /**
     * Finds the SQLSTATE ('C' field) in the first {@code length} bytes of an ErrorResponse body;
     * {@link #UNKNOWN_SQLSTATE} when those bytes do not reach it.
     */
    public static String sqlStateOf(byte[] body, int length) {
        int i = 0;
        while (i < length && body[i] != 0) {
            byte field = body[i++];
            int valueStart = i;
            while (i < length && body[i] != 0) {
                i++;
            }
            if (i >= length) {
                break;
            }
            if (field == 'C' && i - valueStart == 5) {
                return new String(body, valueStart, 5, java.nio.charset.StandardCharsets.US_ASCII);
            }
            i++;
        }
        return UNKNOWN_SQLSTATE;
    }
}
