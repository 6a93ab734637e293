package io.fenceline.proxy.wire.frontend;

import io.fenceline.proxy.wire.CStrings;
import io.netty.buffer.ByteBuf;

/**
 * SASLInitialResponse ('p' after AuthenticationSASL): the mechanism the client chose and its first message.
 * For SCRAM that message starts with the GS2 header, whose first letter is the client's channel-binding
 * flag: {@code p} (binds, mechanism {@code SCRAM-SHA-256-PLUS}), {@code y} (could bind, but thinks the server
 * cannot) or {@code n} (does not bind).
 *
 * @param mechanism   the chosen mechanism
 * @param bindingFlag the first byte of the initial response, or 0 when there is none
 */
public record SASLInitialResponse(String mechanism, byte bindingFlag) {

    /**
     * Decodes a whole framed {@code 'p'} message without moving {@code frame}'s indexes.
     *
     * @return the message, or null when {@code frame} is not a well-formed SASLInitialResponse
     */
    public static SASLInitialResponse decode(ByteBuf frame) {
        int start = frame.readerIndex();
        if (frame.readableBytes() < 5 || frame.getByte(start) != FrontendType.PASSWORD
                || frame.getInt(start + 1) != frame.readableBytes() - 1) {
            return null;
        }
        ByteBuf body = frame.slice(start + 5, frame.readableBytes() - 5);
        String mechanism = CStrings.read(body, body.writerIndex(), CStrings.NAMES);
        if (mechanism == null || body.readableBytes() < 4) {
            return null;
        }
        int length = body.readInt();
        if (length == -1) {
            return body.isReadable() ? null : new SASLInitialResponse(mechanism, (byte) 0);
        }
        if (length < 0 || length != body.readableBytes()) {
            return null;
        }
        return new SASLInitialResponse(mechanism, length == 0 ? 0 : body.getByte(body.readerIndex()));
    }
}
