package io.fenceline.proxy.net;

import io.fenceline.proxy.session.Session;
import io.fenceline.proxy.wire.backend.BackendType;
import io.fenceline.proxy.wire.backend.ErrorResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.function.Consumer;

/**
 * The server-to-client relay while an extended-protocol denial is pending: frames the server's bytes
 * message by message and replaces the one ErrorResponse that a denial's substitute message caused
 * (recognised by the denial's token, {@link StatementPath#claim}) with the denial's own ErrorResponse,
 * at the same position in the stream; and drops the messages a proxy-sent ROLLBACK caused
 * ({@link StatementPath#hides}), so a commit turned into a rollback looks like one failed COMMIT. Other messages are forwarded as they arrive, as slices (not copied);
 * only an ErrorResponse is held until it is whole, and a header split across reads (at most 4 bytes) is
 * kept for the next read.
 *
 * <p>It takes over only at a message boundary: {@link #relay} first forwards, through the session's scanner,
 * the rest of a message that was in progress when the denial was registered. Every byte it forwards is
 * also given to the {@link Session} so the session's scanner stays in step; once no denial is pending and
 * the stream is at a boundary, the handler goes back to the plain relay.
 */
final class DenialRewriter {

    private final Session session;
    private final StatementPath statements;
    private final ByteBufAllocator alloc;
    private final int maxErrorLength;
    private ByteBuf carry;
    private int passThrough;
    private boolean dropping;
    private boolean synced;

    DenialRewriter(Session session, StatementPath statements, ByteBufAllocator alloc, int maxErrorLength) {
        this.session = session;
        this.statements = statements;
        this.alloc = alloc;
        this.maxErrorLength = maxErrorLength;
    }

    /** True while this rewriter must see the server's bytes. */
    boolean active() {
        return statements.hasDenials() || statements.hasHidden() || carry != null || passThrough > 0 || (synced && !session.backendAtBoundary());
    }

    /**
     * Relays {@code buf} (released here) to {@code out}, each piece already followed by the session.
     *
     * @return null, or why the server's stream cannot be followed (the caller closes the connection)
     */
    String relay(ByteBuf buf, Consumer<ByteBuf> out) {
        ByteBuf in = buf;
        if (!synced) {
            if (!session.backendAtBoundary()) {
                // Finish the message in progress with the session's scanner, then frame from its end.
                int end = session.backendReceivedToBoundary(buf);
                if (end < 0) {
                    buf.release();
                    return "the database sent a message header with a length below 4";
                }
                int start = buf.readerIndex();
                if (end > start) {
                    out.accept(buf.retainedSlice(start, end - start));
                }
                buf.readerIndex(end);
                if (!session.backendAtBoundary()) {
                    buf.release();
                    return null;
                }
            }
            synced = true;
        }
        if (carry != null) {
            carry.writeBytes(in);
            in.release();
            in = carry;
            carry = null;
        }
        try {
            while (in.isReadable()) {
                if (passThrough > 0) {
                    int n = Math.min(passThrough, in.readableBytes());
                    String bad = emit(in.readRetainedSlice(n), out, dropping);
                    passThrough -= n;
                    if (bad != null) {
                        return bad;
                    }
                    continue;
                }
                if (in.readableBytes() < 5) {
                    keep(in);
                    break;
                }
                int start = in.readerIndex();
                byte type = in.getByte(start);
                int length = in.getInt(start + 1);
                if (length < 4) {
                    return "backend message type 0x" + Integer.toHexString(type & 0xFF) + " has length " + length + " below 4";
                }
                boolean drop = statements.hides(type);
                if (type != BackendType.ERROR_RESPONSE || drop) {
                    int n = Math.min(1 + length, in.readableBytes());
                    passThrough = 1 + length - n;
                    dropping = drop;
                    String bad = emit(in.readRetainedSlice(n), out, drop);
                    if (bad != null) {
                        return bad;
                    }
                    continue;
                }
                if (length > maxErrorLength) {
                    return "backend ErrorResponse of " + length + " bytes exceeds " + maxErrorLength;
                }
                if (in.readableBytes() < 1 + length) {
                    keep(in);
                    break;
                }
                ByteBuf error = in.readRetainedSlice(1 + length);
                Denials.PendingDenial denial = statements.claim(error);
                if (denial != null) {
                    error.release();
                    error = new ErrorResponse(ErrorResponse.ERROR, denial.deny().sqlState(), denial.deny().message())
                            .encode(alloc, denial.deny().hint());
                }
                String bad = emit(error, out, false);
                if (bad != null) {
                    return bad;
                }
            }
        } finally {
            in.release();
        }
        if (!active()) {
            synced = false;
        }
        return null;
    }

    private void keep(ByteBuf in) {
        carry = alloc.buffer(Math.max(256, in.readableBytes()));
        carry.writeBytes(in);
    }

    /** Follows {@code piece} in the session, then forwards it, or releases it when {@code drop}. */
    private String emit(ByteBuf piece, Consumer<ByteBuf> out, boolean drop) {
        String bad = session.backendReceived(piece);
        if (bad != null || drop) {
            piece.release();
            return bad;
        }
        out.accept(piece);
        return null;
    }

    /** Releases what is held (the connection is closing). */
    void release() {
        if (carry != null) {
            carry.release();
            carry = null;
        }
    }
}
