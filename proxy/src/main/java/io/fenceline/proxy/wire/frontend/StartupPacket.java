package io.fenceline.proxy.wire.frontend;

import io.fenceline.proxy.wire.ProtocolViolation;
import io.netty.buffer.ByteBuf;

/**
 * A packet of the startup phase: int32 length (counting itself), int32 code, then the body. There is no
 * type byte; the code tells {@link SSLRequest}, {@link GSSENCRequest}, {@link CancelRequest} and
 * {@link StartupMessage} (the code is the protocol version) apart.
 */
public sealed interface StartupPacket
        permits SSLRequest, GSSENCRequest, CancelRequest, StartupMessage, StartupPacket.Invalid {

    /** Smallest startup packet: length and code. */
    int MIN_LENGTH = 8;
    /** Largest startup packet PostgreSQL accepts ({@code MAX_STARTUP_PACKET_LENGTH}). */
    int MAX_LENGTH = 10_000;

    /** A packet whose framing was sound but whose content was not. */
    record Invalid(ProtocolViolation violation) implements StartupPacket {
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
        return switch (code) {
            case SSLRequest.CODE -> length == SSLRequest.LENGTH ? SSLRequest.INSTANCE
                    : new Invalid(ProtocolViolation.of("SSLRequest must be 8 bytes, was " + length));
            case GSSENCRequest.CODE -> length == GSSENCRequest.LENGTH ? GSSENCRequest.INSTANCE
                    : new Invalid(ProtocolViolation.of("GSSENCRequest must be 8 bytes, was " + length));
            case CancelRequest.CODE -> length == CancelRequest.LENGTH
                    ? new CancelRequest(packet.getInt(start + 8), packet.getInt(start + 12))
                    : new Invalid(ProtocolViolation.of("CancelRequest must be 16 bytes, was " + length));
            default -> StartupMessage.decode(packet);
        };
    }
}
