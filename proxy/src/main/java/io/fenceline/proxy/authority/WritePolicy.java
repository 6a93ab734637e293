package io.fenceline.proxy.authority;

import io.fenceline.proxy.metrics.ProxyMetrics;
import io.fenceline.proxy.policy.SessionFacts;
import io.fenceline.proxy.policy.StatementPolicy;
import io.fenceline.proxy.sql.Verdict;

/**
 * The write authority as a {@link StatementPolicy}: asks the group's {@link WriteGate} about every statement
 * that may write, at the moment the data path forwards it, and maps the gate's answer onto the data path's
 * decisions.
 *
 * <ul>
 *   <li>{@code QUERY}, {@code EXECUTE}, {@code FUNCTION_CALL}: a verdict that {@link Verdict#mayWrite()}
 *       (write, DDL, opaque, not understood; a FunctionCall always) asks the gate; reads, transaction control
 *       and session statements pass without asking.</li>
 *   <li>{@code PARSE}: allowed. Preparing runs nothing; the statement is judged at each {@code Execute}, when it
 *       runs, with the standing of that moment. Refusing at Parse would break a statement prepared while the
 *       cluster was read-only and executed after it became the writer, and would gain nothing: a denied Parse
 *       cannot stop an Execute of a statement prepared earlier.</li>
 *   <li>{@code COMMIT} (the commit of a transaction that forwarded a possible write): asks the gate, so a
 *       transaction that wrote before the deadline and commits after it is rolled back (the data path turns the
 *       denied commit into ROLLBACK), and a paused cluster holds the commit like any write.</li>
 * </ul>
 *
 * Gate answers: Allow → allow; Deny → deny with the gate's SQLSTATE (25006), message and hint; Hold → hold,
 * bounded by the gate's pause bound measured from {@link SessionFacts#heldSinceNanos()}, the instant the
 * message was first held, so re-deciding after a standing change never extends the wait; at the bound the
 * answer is 57014 ({@link Decision.Hold#timedOut}).
 */
public final class WritePolicy implements StatementPolicy {

    private final WriteGate gate;
    private final ProxyMetrics metrics;

    /**
     * @param gate    the group's gate
     * @param metrics told about every write refused (by SQLSTATE) and every write that starts waiting
     */
    public WritePolicy(WriteGate gate, ProxyMetrics metrics) {
        this.gate = gate;
        this.metrics = metrics;
    }

    /** The gate asked. */
    public WriteGate gate() {
        return gate;
    }

    @Override
    public io.fenceline.proxy.policy.Decision decide(Point point, Verdict verdict, SessionFacts session) {
        switch (point) {
            case PARSE:
                return io.fenceline.proxy.policy.Decision.ALLOW;
            case COMMIT:
                return ask(session);
            default:
                return verdict.mayWrite() ? ask(session) : io.fenceline.proxy.policy.Decision.ALLOW;
        }
    }

    /** The lease still backs writes allowed earlier ({@link WriteGate#inTenure}), read with the gate's clock now. */
    @Override
    public boolean stillAllowsWrites() {
        return gate.inTenure(gate.clock().nanoTime());
    }

    /**
     * The gate would allow a write now, or it is paused while the cluster still holds the writer lease (writes
     * wait at the gate and go on after the pause; the sessions stay as they are). Two volatile reads and a clock
     * reading; no metrics.
     */
    @Override
    public boolean writable() {
        long now = gate.clock().nanoTime();
        return gate.allows(now) || (gate.standing() instanceof WriteGate.Standing.Paused && gate.inTenure(now));
    }

    private io.fenceline.proxy.policy.Decision ask(SessionFacts session) {
        long now = gate.clock().nanoTime();
        Decision d = gate.decide(now);
        if (d instanceof Decision.Allow) {
            return io.fenceline.proxy.policy.Decision.ALLOW;
        }
        if (d instanceof Decision.Deny deny) {
            metrics.writeRejected(deny.sqlState());
            return new io.fenceline.proxy.policy.Decision.Deny(deny.sqlState(), deny.message(), deny.hint());
        }
        // Hold: the cluster is paused.
        long since = session.heldSinceNanos();
        if (since == SessionFacts.NOT_HELD) {
            since = now;
            metrics.writeHeld();
        }
        long until = since + gate.pauseBoundNanos();
        if (now - until >= 0) {
            Decision.Deny timedOut = new Decision.Hold(until, since).timedOut(now);
            metrics.writeRejected(timedOut.sqlState());
            return new io.fenceline.proxy.policy.Decision.Deny(timedOut.sqlState(), timedOut.message(), timedOut.hint());
        }
        return new io.fenceline.proxy.policy.Decision.Hold(until);
    }
}
