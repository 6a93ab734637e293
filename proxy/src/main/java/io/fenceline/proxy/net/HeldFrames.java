package io.fenceline.proxy.net;

import io.fenceline.proxy.session.Phase;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The steady state's waiting room, part of a {@link FrontendHandler}. When a frame must wait for its decision
 * (its long text is inspected off the event loop, a policy holds it, or it waits for the answers to the proxy's
 * own hidden request), the connection stops reading from the client and later frames queue behind it, so the
 * client's order is kept; other connections of the event loop carry on. Runs on the connection's event loop.
 */
final class HeldFrames {

    private final FrontendHandler h;
    /** Frames that arrived while {@link #waiting} is set, in order. */
    private final ArrayDeque<ByteBuf> held = new ArrayDeque<>();
    /** The frame whose inspection or policy decision is awaited; later frames queue in {@link #held}. */
    private ByteBuf waiting;
    private ScheduledFuture<?> holdTimer;

    HeldFrames(FrontendHandler h) {
        this.h = h;
    }

    /** Whether a frame waits: frames arriving now queue behind it. */
    boolean waiting() {
        return waiting != null;
    }

    /** Queues {@code frame} behind the waiting one. */
    void add(ByteBuf frame) {
        held.add(frame);
    }

    /**
     * Stops reading from the client until {@code frame} can be decided: its long text is being inspected
     * off the event loop, or the policy holds it. Its order with later frames is kept: they queue behind it.
     */
    void waitFor(ByteBuf frame) {
        waiting = frame;
        h.client.config().setAutoRead(false);
        StatementPath statements = h.statements;
        var inspection = statements.waitFor();
        if (inspection != null) {
            if (!statements.waitingForAnswers()) {
                h.shared.metrics().inspectionOffloaded();
            }
            inspection.whenComplete((v, e) -> h.client.eventLoop().execute(this::resume));
        } else {
            long delay = Math.max(0, statements.holdUntil() - h.shared.clock().nanoTime());
            holdTimer = h.client.eventLoop().schedule(this::resume, delay, TimeUnit.NANOSECONDS);
            if (h.session.cancelKey() != null && statements.quiet()) {
                // Nothing runs on the backend while this frame waits: a handoff's drain need not wait for it.
                h.shared.control().held(h.session.cancelKey().processId());
            }
        }
    }

    /**
     * A CancelRequest for this session: when a frame waits here and nothing of the client's runs on the backend
     * (or only the proxy's hidden request), cancels the waiting statement (it is denied with 57014 when decided)
     * and returns true; otherwise returns false, and the request is for the database.
     */
    boolean cancel() {
        StatementPath statements = h.statements;
        if (h.closing || waiting == null || !(statements.waitingForHiddenAnswers() || statements.quiet())) {
            return false;
        }
        statements.cancelHeld();
        // A policy hold is decided again now; an offloaded parse or the hidden request's answers when they complete.
        recheckHold();
        return true;
    }

    /** A policy's standing changed: a frame held by it is decided again now rather than at its hold's end. */
    void recheckHold() {
        if (holdTimer != null && holdTimer.cancel(false)) {
            resume();
        }
    }

    /** The awaited decision can be made now: decide it, then the frames queued behind it, in order. */
    private void resume() {
        holdTimer = null;
        releaseHeldPid();
        if (h.closing || waiting == null) {
            return;
        }
        ByteBuf frame = waiting;
        waiting = null;
        boolean going = h.inspectAndForward(frame);
        while (going && !h.closing && waiting == null && !held.isEmpty()) {
            ByteBuf next = held.poll();
            if (h.terminated) {
                next.release();
            } else if (h.session.phase() == Phase.READY) {
                going = h.inspectAndForward(next);
            } else {
                h.forward(next);
            }
        }
        if (waiting == null) {
            // A cancel applies to the statements it found held, not to later ones.
            h.statements.clearCancel();
        }
        if (h.wroteToBackend && !h.closing) {
            h.flushBackend();
        }
        if (waiting == null && !h.closing) {
            h.client.config().setAutoRead(h.backend.isWritable());
        }
    }

    private void releaseHeldPid() {
        if (h.session.cancelKey() != null) {
            h.shared.control().released(h.session.cancelKey().processId());
        }
    }

    /** Releases every frame held and stops the hold's timer (the connection is closing). */
    void release() {
        ByteBuf b;
        while ((b = held.poll()) != null) {
            b.release();
        }
        if (waiting != null) {
            waiting.release();
            waiting = null;
        }
        if (holdTimer != null) {
            holdTimer.cancel(false);
            holdTimer = null;
        }
        releaseHeldPid();
    }
}
