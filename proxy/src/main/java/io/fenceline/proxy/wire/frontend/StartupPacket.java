package io.fenceline.proxy.wire.frontend;

import io.fenceline.proxy.wire.ProtocolViolation;
import io.netty.buffer.ByteBuf;

/**
 * A packet of the startup phase: int32 length (counting itself), int32 code, then the body. There is no
 * type byte; the code tells {@link SSLRequest}, {@link GSSENCRequest}, {@link CancelRequest} and
 * {@link StartupMessage} (the code is the protocol version) apart.
 */
public sealed interface StartupPacket
        permits SSLRequest, GSSENCRequest, CancelRequest, StartupMessage, StartupPacket.Invalid,
        StartupPacket.Dropped, StartupPacket.Unsupported {

    /** Smallest startup packet: length and code. */
    int MIN_LENGTH = 8;
    /**
     * Largest startup packet PostgreSQL accepts: its length field minus 4 may be {@code MAX_STARTUP_PACKET_LENGTH}
     * (10000), so the field itself may be 10004.
     */
    int MAX_LENGTH = 10_004;

    /** A packet whose framing was sound but whose content was not: answered with FATAL, then closed. */
    record Invalid(ProtocolViolation violation) implements StartupPacket {
    }

    /**
     * Bytes PostgreSQL closes on without a word (it logs them as a COMMERROR, which the client never sees): a
     * length below 8 or above {@link #MAX_LENGTH} (a Terminate sent before the StartupMessage reads as length
     * 0x58000000), a CancelRequest of the wrong size.
     */
    record Dropped(String reason) implements StartupPacket {
    }

    /**
     * A code that is neither a request PostgreSQL knows at this point nor protocol 3: PostgreSQL answers FATAL
     * 0A000 "unsupported frontend protocol M.m: server supports 3.0 to 3.0", in the old (protocol 2) error format
     * when the code's major version is 1 or 2 (or 0 with a non-zero minor), as a v3 ErrorResponse otherwise.
     *
     * @param code the code as sent
     */
    record Unsupported(int code) implements StartupPacket {
        /** PostgreSQL's message for this code. */
        public String message() {
            return "unsupported frontend protocol " + (code >>> 16) + "." + (code & 0xFFFF)
                    + ": server supports 3.0 to 3.0";
        }

        /** True when PostgreSQL writes the error in the pre-3.0 format: 'E', the text, a newline, a zero byte. */
        public boolean oldFormat() {
            return code != 0 && (code >>> 16) < 3;
        }
    }

    /**
     * Decodes one whole packet, {@code packet} spanning exactly its length field to its last byte.
     * Does not change the buffer's indexes or reference count.
     */
    static StartupPacket decode(ByteBuf packet) {
        int length = packet.readableBytes();
        int start = packet.readerIndex();
        if (length < MIN_LENGTH || packet.getInt(start) != length) {
            return new Invalid(ProtocolViolation.of("invalid startup packet length " + length));
        }
        int code = packet.getInt(start + 4);
        // PostgreSQL 15 does not check an SSLRequest's or GSSENCRequest's length (the extra bytes are part of the
        // packet, read and ignored); a CancelRequest of the wrong size is logged and closed on without a reply.
        return switch (code) {
            case SSLRequest.CODE -> SSLRequest.INSTANCE;
            case GSSENCRequest.CODE -> GSSENCRequest.INSTANCE;
            case CancelRequest.CODE -> length == CancelRequest.LENGTH
                    ? new CancelRequest(packet.getInt(start + 8), packet.getInt(start + 12))
                    : new Dropped("CancelRequest of " + length + " bytes (must be 16)");
            default -> StartupMessage.decode(packet);
        };
    }
}
