package io.fenceline.proxy.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DuplicatedByteBuf;

/**
 * A piece of the body of a frontend message that streams through the proxy instead of being held whole (see
 * {@link FrontendDecoder}): a large Bind or CopyData, or any large message when inspection is off. The message's
 * first bytes came before it as a <em>head</em>, a frame whose length field announces more bytes than it holds
 * ({@link #isHead}); the pieces follow in order, and nothing else of the client's comes between them. A piece is
 * relayed as it is, never decoded: it is not a message and counts as none.
 *
 * <p>It is a duplicate of {@code piece}, only to be told apart from a framed message; it shares {@code piece}'s
 * reference count, and {@link #unwrap()} is {@code piece} itself, which is what gets written. {@code piece} must
 * not be a pooled derived buffer (such as {@code retainedSlice}'s), whose duplicate would read its parent.
 */
@SuppressWarnings("deprecation")
final class MessageBody extends DuplicatedByteBuf {

    MessageBody(ByteBuf piece) {
        super(piece);
    }

    /** Whether {@code frame} (type byte first) holds fewer bytes than its length field announces. */
    static boolean isHead(ByteBuf frame) {
        return !(frame instanceof MessageBody) && frame.readableBytes() >= 5
                && frame.readableBytes() < 1L + frame.getInt(frame.readerIndex() + 1);
    }

    /** The length a head announces, counting the length field (PostgreSQL's message length). */
    static int announcedLength(ByteBuf frame) {
        return frame.getInt(frame.readerIndex() + 1);
    }
}
