package io.fenceline.proxy.net;

import io.fenceline.proxy.schema.VersionTracker;
import io.fenceline.proxy.session.CancelKey;
import io.fenceline.proxy.session.Phase;
import io.fenceline.proxy.session.Session;
import io.fenceline.proxy.wire.ProtocolViolation;
import io.fenceline.proxy.wire.SqlState;
import io.fenceline.proxy.wire.backend.ErrorResponse;
import io.fenceline.proxy.wire.frontend.CancelRequest;
import io.fenceline.proxy.wire.frontend.FrontendType;
import io.fenceline.proxy.wire.frontend.StartupMessage;
import io.fenceline.proxy.wire.frontend.StartupPacket;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One client connection and the server connection it is relayed to, both on the same event loop.
 * Startup packets are answered or forwarded here; after the StartupMessage every whole frontend
 * message is forwarded as the decoder framed it, and the server's bytes flow back untouched.
 *
 * <p>Backpressure: reading from one side stops while the other side's outbound buffer is above its
 * high water mark, and resumes when it drains below the low mark.
 *
 * <p>This class is the steady state; its parts are {@link StartupPath} (startup packets, SSL negotiation, the
 * connection to the server), {@link CancelPath} (CancelRequests and the write authority's cancels) and
 * {@link HeldFrames} (frames waiting for a decision).
 *
 * <p>With inspection enabled, every message after startup passes the connection's {@link StatementPath}
 * first (verdicts, policy, substitutes for denials). When a message must wait — its long text is parsed
 * off the event loop, or the policy holds it — {@link HeldFrames} stops reading and queues later messages
 * behind it. While an extended-protocol denial is pending, the server's bytes go through the {@link DenialRewriter}.
 *
 * <p>Errors the proxy reports itself (FATAL, then close) are written only at a server message boundary,
 * so they never split a relayed message; when the server is mid-message the client is closed instead.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter implements Session.Events {

    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);
    static final String DECODER = "frontend-decoder";
    static final String TLS = "tls";

    final Shared shared;
    final Session session;
    final FrontendDecoder decoder;
    final ArrayDeque<ByteBuf> waitingForBackend = new ArrayDeque<>();
    /** Null when inspection is disabled: frames are then relayed without being looked at. */
    final StatementPath statements;
    private final DenialRewriter rewriter;
    /** The frame waiting for its decision and those queued behind it. */
    final HeldFrames held = new HeldFrames(this);
    /** CancelRequests for this session's key, and the write authority's cancels. */
    private final CancelPath cancels = new CancelPath(this);
    Channel client;
    Channel backend;
    boolean backendConnected;
    boolean wroteToBackend;
    boolean wroteToClient;
    private boolean draining;
    boolean terminated;
    boolean closing;
    ScheduledFuture<?> startupTimer;
    /** The connection's schema version, when schema versions are enforced. */
    VersionTracker version;

    FrontendHandler(Shared shared) {
        this.shared = shared;
        this.session = new Session(shared.metrics(), shared.clock(), this, Shared.MAX_PREPARED_PER_CONNECTION);
        this.decoder = new FrontendDecoder(session, shared.settings().limits().maxMessageLength(),
                shared.settings().limits().maxBufferedLength(), shared.inspector() != null);
        if (shared.inspector() != null) {
            this.statements = new StatementPath(shared.inspector(), shared.inspectionExecutor(), shared.policy(), session,
                    io.netty.buffer.PooledByteBufAllocator.DEFAULT, Shared.MAX_PREPARED_PER_CONNECTION, shared.clock(),
                    shared.control(), shared.metrics());
            this.rewriter = new DenialRewriter(session, statements, io.netty.buffer.PooledByteBufAllocator.DEFAULT,
                    shared.settings().limits().maxBufferedLength());
        } else {
            this.statements = null;
            this.rewriter = null;
        }
    }

    /** Startup packets and the connection to the server. */
    private final StartupPath startup = new StartupPath(this);

    StartupPath startup() {
        return startup;
    }

    CancelPath cancels() {
        return cancels;
    }

    FrontendDecoder decoder() {
        return decoder;
    }

    /** This connection is over the connection limit: see {@link StartupPath#refuseAtStartup}. */
    void refuseAtStartup(ErrorResponse error) {
        startup.refuseAtStartup(error);
    }

    Session session() {
        return session;
    }

    // ---- client side ----

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        client = ctx.channel();
        long timeout = shared.settings().limits().startupTimeout().toNanos();
        startupTimer = ctx.executor().schedule(startup::timedOut, timeout, TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ByteBuf frame) {
            relayFromClient(frame);
        } else if (msg instanceof ProtocolViolation violation) {
            fail(violation);
        } else if (msg instanceof StartupPacket packet) {
            startup.packet(packet);
        } else {
            ReferenceCountUtil.release(msg);
            throw new IllegalStateException("unexpected message from the decoder: " + msg.getClass().getName());
        }
    }

    void relayFromClient(ByteBuf frame) {
        if (terminated) {
            // Framed in the same read as Terminate: the session is over, nothing follows it.
            frame.release();
            return;
        }
        if (!backendConnected) {
            waitingForBackend.add(frame);
            return;
        }
        if (held.waiting()) {
            held.add(frame);
            return;
        }
        if (statements != null && session.phase() == Phase.READY) {
            inspectAndForward(frame);
        } else {
            forward(frame);
        }
    }

    /** Runs the statement path on {@code frame}; returns false when the connection now waits or fails. */
    boolean inspectAndForward(ByteBuf frame) {
        switch (statements.process(frame)) {
            case FORWARD -> {
                forward(statements.forward());
                for (ByteBuf next = statements.followUp(); next != null; next = statements.followUp()) {
                    forward(next);
                }
                return true;
            }
            case WAIT -> {
                // A hidden request of the proxy's own (making the session read-only) goes first.
                for (ByteBuf next = statements.followUp(); next != null; next = statements.followUp()) {
                    forward(next);
                }
                held.waitFor(frame);
                return false;
            }
            default -> {
                fail(statements.violation());
                return false;
            }
        }
    }

    /** A CancelRequest for this session arrived on connection {@code canceller} (any event loop): see {@link CancelPath}. */
    void cancelRequested(CancelRequest cancel, Channel canceller) {
        if (!client.eventLoop().inEventLoop()) {
            client.eventLoop().execute(() -> cancelRequested(cancel, canceller));
            return;
        }
        cancels.requested(cancel, canceller);
    }

    /** The write authority fenced the sessions: see {@link CancelPath#cancelRunningWrite}. */
    void cancelRunningWrite(String reason) {
        cancels.cancelRunningWrite(reason);
    }

    /**
     * The database fence found this session's backend (if its pid is in {@code pids}) in a transaction holding a
     * transaction id: whatever the proxy saw, the transaction wrote, and its COMMIT must roll back.
     */
    void wroteInDatabase(java.util.Set<Integer> pids) {
        CancelKey key = session.cancelKey();
        if (!closing && statements != null && key != null && pids.contains(key.processId())
                && statements.wroteBeforeFence()) {
            shared.metrics().wroteInDatabase();
            log.info("the database fence found a transaction id on the backend {} of client {}: its COMMIT will roll back",
                    key.processId(), client.remoteAddress());
        }
    }

    /** A policy's standing changed: a frame held by it is decided again now rather than at its hold's end. */
    void recheckHold() {
        held.recheckHold();
    }

    void forward(ByteBuf frame) {
        if (frame instanceof MessageBody piece) {
            // A piece of a streamed message: its head was counted as the message.
            shared.metrics().frontendBytes(piece.readableBytes());
            backend.write(piece.unwrap(), backend.voidPromise());
            wroteToBackend = true;
            return;
        }
        byte type = frame.getByte(frame.readerIndex());
        shared.metrics().frontendBytes(frame.readableBytes());
        shared.metrics().frontendMessages(1);
        if (type == FrontendType.QUERY || type == FrontendType.EXECUTE || type == FrontendType.FUNCTION_CALL) {
            shared.metrics().statement();
        }
        backend.write(frame, backend.voidPromise());
        session.frontendForwarded(type);
        wroteToBackend = true;
        if (type == FrontendType.TERMINATE) {
            // Nothing may follow Terminate; the server closes and so do we.
            terminated = true;
            decoder.mode(FrontendDecoder.Mode.HALTED);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (wroteToBackend) {
            flushBackend();
        }
        ctx.fireChannelReadComplete();
    }

    /**
     * Hands what this read batch forwarded to the kernel. When it carries a write or the commit of a transaction
     * that wrote, the policy decided it earlier in the batch; if the proxy was paused since (GC, CPU starvation,
     * SIGSTOP) and the lease's deadline passed meanwhile, sending now could make the write take effect after
     * another cluster may have become the writer. So the policy is asked again first, and a stale allowance
     * closes the backend connection with the bytes unsent (Netty fails unflushed writes on close); the client
     * gets 25006 and a closed connection. What remains is the pause between this check and the write system
     * call (docs/safety.md, case 3).
     */
    void flushBackend() {
        wroteToBackend = false;
        if (statements != null && statements.takeUnflushedWrite() && !statements.stillAllowsWrites()) {
            shared.metrics().staleWriteDropped();
            fail(new ProtocolViolation(SqlState.READ_ONLY_SQL_TRANSACTION, "terminating connection: the write "
                    + "authority lapsed between deciding this session's write and sending it to the database "
                    + "(the proxy was paused past its lease deadline); the write was not sent"));
            return;
        }
        backend.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (backend != null && backendConnected) {
            backend.config().setAutoRead(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        session.close();
        if (startupTimer != null) {
            startupTimer.cancel(false);
        }
        releaseWaiting();
        closeBackend();
        CancelKey key = session.cancelKey();
        if (key != null) {
            shared.cancelKeys().unregister(key, shared.upstream());
        }
        if (version != null) {
            version.close();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("client connection {} failed, closing it", client, cause);
        closeBoth();
    }

    // ---- Session.Events ----

    @Override
    public void ready() {
        if (startupTimer != null) {
            startupTimer.cancel(false);
        }
    }

    @Override
    public void cancelKey(CancelKey key) {
        shared.cancelKeys().register(key, shared.upstream(), this);
    }

    @Override
    public void readyForQuery(byte status) {
        if (statements != null) {
            statements.readyForQuery(status);
        }
    }

    @Override
    public void statementDone() {
        if (statements != null) {
            statements.statementDone();
        }
    }

    @Override
    public void errorResponse() {
        if (statements != null) {
            statements.errorResponse();
        }
    }

    // ---- backend side (called by BackendHandler on the same event loop) ----

    void relayFromBackend(ByteBuf buf) {
        if (closing) {
            buf.release();
            return;
        }
        if (rewriter != null && rewriter.active()) {
            String malformed = rewriter.relay(buf, piece -> {
                shared.metrics().backendBytes(piece.readableBytes());
                client.write(piece, client.voidPromise());
                wroteToClient = true;
            });
            if (malformed != null) {
                log.warn("closing client {}: the database sent a malformed stream: {}", client.remoteAddress(), malformed);
                closeBoth();
            }
            return;
        }
        String malformed = session.backendReceived(buf);
        if (malformed != null) {
            buf.release();
            log.warn("closing client {}: the database sent a malformed stream: {}", client.remoteAddress(), malformed);
            closeBoth();
            return;
        }
        shared.metrics().backendBytes(buf.readableBytes());
        client.write(buf, client.voidPromise());
        wroteToClient = true;
    }

    void backendReadComplete() {
        flushClient();
        if (draining && session.isIdle()) {
            terminateIdle();
        }
    }

    void backendWritabilityChanged(boolean writable) {
        if (!closing && !held.waiting()) {
            client.config().setAutoRead(writable);
        }
    }

    void backendClosed() {
        if (!closing) {
            closing = true;
            session.close();
            // Deliver what the server sent (for instance its FATAL error) before closing.
            client.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    void backendFailed(Throwable cause) {
        log.debug("database connection for client {} failed", client, cause);
        closeBoth();
    }

    void flushClient() {
        if (wroteToClient) {
            wroteToClient = false;
            client.flush();
        }
    }

    // ---- shutdown and failure ----

    /** Graceful shutdown: close now if idle, otherwise at the next moment the session is idle. */
    void drain() {
        if (closing) {
            return;
        }
        draining = true;
        if (session.phase() == Phase.STARTUP || session.isIdle()) {
            terminateIdle();
        }
    }

    private void terminateIdle() {
        fail(new ProtocolViolation(SqlState.ADMIN_SHUTDOWN, "terminating connection because the proxy is shutting down"));
    }

    /** Reports {@code violation} to the client (when that cannot split a server message) and closes both sides. */
    void fail(ProtocolViolation violation) {
        if (closing) {
            return;
        }
        closing = true;
        decoder.mode(FrontendDecoder.Mode.HALTED);
        boolean atBoundary = session.backendAtBoundary();
        session.close();
        releaseWaiting();
        closeBackend();
        shared.metrics().error(violation.sqlState());
        if (!SqlState.ADMIN_SHUTDOWN.equals(violation.sqlState())) {
            log.info("closing client {}: {} {}", client.remoteAddress(), violation.sqlState(), violation.message());
        }
        if (atBoundary && client.isActive()) {
            client.writeAndFlush(ErrorResponse.fatal(violation).encode(client.alloc()))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            client.close();
        }
    }

    void closeBoth() {
        closing = true;
        session.close();
        releaseWaiting();
        closeBackend();
        if (client != null) {
            client.close();
        }
    }

    private void closeBackend() {
        // A backend whose registration failed has no event loop to close on.
        if (backend != null && backend.isRegistered()) {
            backend.close();
        }
    }

    private void releaseWaiting() {
        ByteBuf b;
        while ((b = waitingForBackend.poll()) != null) {
            b.release();
        }
        held.release();
        if (rewriter != null) {
            rewriter.release();
        }
        if (statements != null) {
            statements.release();
        }
    }
}
