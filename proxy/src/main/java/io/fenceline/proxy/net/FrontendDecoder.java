package io.fenceline.proxy.net;

import io.fenceline.proxy.session.Session;
import io.fenceline.proxy.wire.ProtocolViolation;
import io.fenceline.proxy.wire.frontend.FrontendType;
import io.fenceline.proxy.wire.frontend.SSLRequest;
import io.fenceline.proxy.wire.frontend.StartupPacket;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Frames the client's byte stream. In the startup phase it emits decoded {@link StartupPacket}s; after
 * the StartupMessage it emits each message as a retained slice of the received bytes (type byte
 * through last byte, not copied). Every length is checked (at least 4, at most {@code limits.max_message_length})
 * and the message type is admitted by the {@link Session} from the 5-byte header, before any body is
 * buffered. On the first violation it emits a {@link ProtocolViolation} and discards everything after.
 *
 * <p>Large messages are never held whole (issue 15). One longer than {@link #STREAM_ABOVE} bytes that nobody
 * reads — a Bind (its parameter values) or a CopyData, and every message when inspection is off — is emitted as a
 * <em>head</em> of its first {@link #HEAD_LENGTH} bytes (its length field intact, see {@link MessageBody#isHead}),
 * which the statement path judges like the whole message, then as {@link MessageBody} pieces as they arrive. A
 * Query, Parse or FunctionCall longer than {@code limits.max_buffered_length}, which the policy would have to
 * read whole, is emitted as a head too but the rest is read and discarded: the statement path answers it with
 * 54000 program_limit_exceeded and the session goes on. Any other message over a limit is discarded to its end
 * before the violation is emitted, so the client has finished sending and reads the error instead of a reset.
 *
 * <p>After each startup packet the decoder waits ({@link Mode#AWAIT}) until the handler tells it what
 * comes next, so bytes that follow an SSLRequest in the same read are never taken as plaintext: they
 * are refused (the CVE-2021-23214 class of bug).
 */
final class FrontendDecoder extends ByteToMessageDecoder {

    private static final String PROGRAM_LIMIT_EXCEEDED = "54000";

    /** What the decoder expects next. */
    enum Mode {
        /** A startup-phase packet. */
        STARTUP,
        /** Nothing yet: the handler has not decided what follows the previous packet. */
        AWAIT,
        /** Typed messages. */
        MESSAGES,
        /** Nothing: all input is discarded. */
        HALTED
    }

    /** Messages up to this length are framed whole; longer ones of the streamed kinds stream. */
    static final int STREAM_ABOVE = 1 << 20;
    /** Bytes of a streamed or refused message emitted as its head: the names of a Bind or Parse fit in it. */
    static final int HEAD_LENGTH = 64 << 10;

    private final Session session;
    private final int maxMessageLength;
    private final int maxBufferedLength;
    /** Whether the statement path reads Query, Parse and FunctionCall messages (inspection is on). */
    private final boolean textsRead;
    private final int maxStartupLength;
    private Mode mode = Mode.STARTUP;
    /** Bytes of the current streamed message still to emit as {@link MessageBody} pieces. */
    private long streaming;
    /** Bytes of the current refused message still to discard. */
    private long discarding;
    /** What to emit once {@link #discarding} reaches zero, or null to go on with the next message. */
    private ProtocolViolation afterDiscard;

    FrontendDecoder(Session session, int maxMessageLength) {
        this(session, maxMessageLength, maxMessageLength, false);
    }

    FrontendDecoder(Session session, int maxMessageLength, int maxBufferedLength, boolean textsRead) {
        this.session = session;
        this.maxMessageLength = maxMessageLength;
        this.maxBufferedLength = Math.min(maxBufferedLength, maxMessageLength);
        this.textsRead = textsRead;
        this.maxStartupLength = Math.min(StartupPacket.MAX_LENGTH, maxMessageLength);
    }

    void mode(Mode next) {
        mode = next;
    }

    Mode mode() {
        return mode;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (mode) {
            case STARTUP -> decodeStartup(in, out);
            case MESSAGES -> decodeMessages(in, out);
            case HALTED -> in.skipBytes(in.readableBytes());
            case AWAIT -> {
            }
        }
    }

    private void decodeStartup(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 4) {
            return;
        }
        int start = in.readerIndex();
        int length = in.getInt(start);
        if (length < StartupPacket.MIN_LENGTH || length > maxStartupLength) {
            // PostgreSQL logs "invalid length of startup packet" and closes without a reply (a Terminate sent
            // before the StartupMessage reads as length 0x58000000): so does the proxy.
            mode = Mode.HALTED;
            in.skipBytes(in.readableBytes());
            out.add(new StartupPacket.Dropped("invalid length of startup packet: " + length
                    + " (must be " + StartupPacket.MIN_LENGTH + " to " + maxStartupLength + ")"));
            return;
        }
        if (in.readableBytes() < length) {
            return;
        }
        StartupPacket packet = StartupPacket.decode(in.slice(start, length));
        in.skipBytes(length);
        mode = Mode.AWAIT;
        out.add(packet);
        if (packet instanceof SSLRequest && in.isReadable()) {
            // As PostgreSQL: the SSLRequest is answered (in plaintext, and TLS is not started: the handler sees
            // the decoder HALTED), then FATAL; the bytes are never read.
            halt(in, out, ProtocolViolation.of("received unencrypted data after SSL request (" + in.readableBytes()
                    + " bytes, before the TLS handshake)"));
        }
    }

    private void decodeMessages(ByteBuf in, List<Object> out) {
        while (true) {
            if (streaming > 0) {
                int n = (int) Math.min(in.readableBytes(), streaming);
                if (n == 0) {
                    return;
                }
                out.add(new MessageBody(in.readSlice(n).retain()));
                streaming -= n;
                continue;
            }
            if (discarding > 0) {
                int n = (int) Math.min(in.readableBytes(), discarding);
                in.skipBytes(n);
                discarding -= n;
                if (discarding > 0) {
                    return;
                }
                if (afterDiscard != null) {
                    halt(in, out, afterDiscard);
                    return;
                }
                continue;
            }
            if (in.readableBytes() < 5) {
                return;
            }
            int start = in.readerIndex();
            byte type = in.getByte(start);
            int length = in.getInt(start + 1);
            if (length < 4) {
                halt(in, out, ProtocolViolation.of(FrontendType.name(type) + " message length " + length + " is below 4"));
                return;
            }
            ProtocolViolation refused = session.admitFrontend(type);
            if (refused != null) {
                halt(in, out, refused);
                return;
            }
            if (length > maxMessageLength) {
                discardThenFail(length, ProtocolViolation.of(FrontendType.name(type) + " message length " + length
                        + " exceeds the maximum of " + maxMessageLength + " bytes (limits.max_message_length)"));
                continue;
            }
            boolean streams = length > STREAM_ABOVE && streamed(type);
            if (!streams && length > maxBufferedLength && !refusable(type)) {
                discardThenFail(length, new ProtocolViolation(PROGRAM_LIMIT_EXCEEDED, FrontendType.name(type)
                        + " message length " + length + " exceeds the maximum of " + maxBufferedLength
                        + " bytes the proxy holds in memory (limits.max_buffered_length)"));
                continue;
            }
            if (streams || length > maxBufferedLength) {
                // The head: enough to judge the message by (a Bind's or Parse's names), the rest streams or goes.
                // Never the whole message: a head is recognised by holding less than its length announces.
                int head = Math.min(length, HEAD_LENGTH);
                if (in.readableBytes() < head) {
                    return;
                }
                out.add(in.readRetainedSlice(head));
                if (streams) {
                    streaming = 1L + length - head;
                } else {
                    discarding = 1L + length - head;
                    afterDiscard = null;
                }
                continue;
            }
            if (in.readableBytes() - 1 < length) {
                return;
            }
            out.add(in.retainedSlice(start, 1 + length));
            in.skipBytes(1 + length);
        }
    }

    /** Messages whose body nobody reads: they stream when large. */
    private boolean streamed(byte type) {
        return type == FrontendType.BIND || type == FrontendType.COPY_DATA || !textsRead;
    }

    /** Messages the statement path refuses with 54000 from their head when too long to hold. */
    private boolean refusable(byte type) {
        return textsRead && (type == FrontendType.QUERY || type == FrontendType.PARSE
                || type == FrontendType.FUNCTION_CALL);
    }

    /** Discards the message starting at the reader index ({@code length} after its type byte), then fails. */
    private void discardThenFail(int length, ProtocolViolation violation) {
        discarding = 1L + length;
        afterDiscard = violation;
    }

    private void halt(ByteBuf in, List<Object> out, ProtocolViolation violation) {
        mode = Mode.HALTED;
        in.skipBytes(in.readableBytes());
        out.add(violation);
    }
}
