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
 * the StartupMessage it emits each whole message as a retained slice of the received bytes (type byte
 * through last byte, not copied). Every length is checked (at least 4, at most the configured maximum)
 * and the message type is admitted by the {@link Session} from the 5-byte header, before any body is
 * buffered. On the first violation it emits a {@link ProtocolViolation} and discards everything after.
 *
 * <p>After each startup packet the decoder waits ({@link Mode#AWAIT}) until the handler tells it what
 * comes next, so bytes that follow an SSLRequest in the same read are never taken as plaintext: they
 * are refused (the CVE-2021-23214 class of bug).
 */
final class FrontendDecoder extends ByteToMessageDecoder {

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

    private final Session session;
    private final int maxMessageLength;
    private final int maxStartupLength;
    private Mode mode = Mode.STARTUP;

    FrontendDecoder(Session session, int maxMessageLength) {
        this.session = session;
        this.maxMessageLength = maxMessageLength;
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
        while (in.readableBytes() >= 5) {
            int start = in.readerIndex();
            byte type = in.getByte(start);
            int length = in.getInt(start + 1);
            if (length < 4) {
                halt(in, out, ProtocolViolation.of(FrontendType.name(type) + " message length " + length + " is below 4"));
                return;
            }
            if (length > maxMessageLength) {
                halt(in, out, ProtocolViolation.of(FrontendType.name(type) + " message length " + length
                        + " exceeds the maximum of " + maxMessageLength + " bytes"));
                return;
            }
            ProtocolViolation refused = session.admitFrontend(type);
            if (refused != null) {
                halt(in, out, refused);
                return;
            }
            if (in.readableBytes() - 1 < length) {
                return;
            }
            out.add(in.retainedSlice(start, 1 + length));
            in.skipBytes(1 + length);
        }
    }

    private void halt(ByteBuf in, List<Object> out, ProtocolViolation violation) {
        mode = Mode.HALTED;
        in.skipBytes(in.readableBytes());
        out.add(violation);
    }
}
