package io.fenceline.proxy.policy;

import io.fenceline.proxy.sql.Verdict;

/**
 * Decides about one statement at the moment the proxy is about to forward it. Called on the connection's
 * event loop for every statement the proxy relays, so implementations must be fast, non-blocking and
 * thread-safe (one instance serves every connection).
 *
 * <p>Where it is called ({@link Point}): for each statement of a simple-protocol {@code Query}, in
 * order (the first decision that is not {@link Decision.Allow} applies to that statement and the rest of
 * the message); for a {@code Parse}, with the verdict of its text; for an {@code Execute}, with the
 * verdict of the statement its portal was bound from — that is where "this Execute runs a write" is
 * decided. A statement whose verdict is unknown (its Parse was not seen) gets a not-understood verdict,
 * which is a possible write and a possible DDL.
 */
@FunctionalInterface
public interface StatementPolicy {

    /** Allows everything: the default until a policy is configured (and a proxy without a {@code group:}). */
    StatementPolicy ALLOW_ALL = (point, verdict, session) -> Decision.ALLOW;

    /** The protocol message that is about to carry the statement to the database. */
    enum Point {
        /** A statement of a simple-protocol {@code Query}: it runs now. */
        QUERY,
        /** An extended-protocol {@code Parse}: the statement is prepared, not run. */
        PARSE,
        /** An extended-protocol {@code Execute}: the portal's statement runs now. */
        EXECUTE,
        /** A {@code FunctionCall} (a function by OID, runs now): large-object functions by what they do, any other
         * not understood. */
        FUNCTION_CALL,
        /**
         * The commit of a transaction that forwarded a possible write ({@link SessionFacts#transactionWrote()}),
         * asked after the commit statement itself was allowed at {@link #QUERY} or {@link #EXECUTE}: an explicit
         * {@code COMMIT}, {@code END} or {@code PREPARE TRANSACTION} (verdict: the statement's), or the
         * {@code Sync} that ends an extended-protocol batch with such a write while no transaction block is
         * known to be open (verdict: {@link #SYNC_VERDICT}). A {@link Decision.Deny} here rolls the transaction
         * back and answers the denial; a {@link Decision.Hold} holds an explicit commit, and is taken as
         * allowed at a Sync (the batch's write was allowed a moment ago; holding its implicit commit would only
         * keep its transaction open).
         */
        COMMIT
    }

    /**
     * The verdict given at {@link Point#COMMIT} for the implicit commit at a {@code Sync}: understood transaction
     * control, which policies that judge tables, columns or DDL let pass.
     */
    Verdict SYNC_VERDICT = new Verdict(io.fenceline.proxy.sql.StatementKind.TRANSACTION, java.util.Set.of(),
            java.util.Set.of(), java.util.Map.of(), java.util.Set.of(), true, "");

    /** The decision for {@code verdict} about to be forwarded at {@code point}. */
    Decision decide(Point point, Verdict verdict, SessionFacts session);

    /**
     * Asked just before the data path hands the bytes of a writing transaction (a write, or a later message of
     * a transaction that wrote, its COMMIT included) to the kernel, when they were decided earlier in the same
     * read batch: whether what this policy allowed then may still be sent now. A policy whose allowance
     * expires (the write authority's lease deadline) answers false once it has; the data path then closes the
     * backend connection instead of sending, so a pause of the proxy between deciding and sending cannot carry
     * a write past the deadline. Called on event loops: must be fast and non-blocking.
     */
    default boolean stillAllowsWrites() {
        return true;
    }

    /**
     * Whether the cluster may write now, asked before each client request: false while a policy would refuse
     * every write (not the writer, lease lost or past its deadline, read-only). The data path then
     * makes the session read-only at the server (docs/safety-session.md). Called on event loops for every
     * request: must be fast, non-blocking and free of side effects.
     */
    default boolean writable() {
        return true;
    }

    /**
     * Asks {@code policies} in order and returns the first decision that is not {@link Decision.Allow}
     * (so a schema check placed before the write gate refuses a statement the gate would have held).
     */
    static StatementPolicy all(StatementPolicy... policies) {
        StatementPolicy[] chain = policies.clone();
        if (chain.length == 1) {
            return chain[0];
        }
        return new StatementPolicy() {
            @Override
            public Decision decide(Point point, Verdict verdict, SessionFacts session) {
                for (StatementPolicy p : chain) {
                    Decision d = p.decide(point, verdict, session);
                    if (!(d instanceof Decision.Allow)) {
                        return d;
                    }
                }
                return Decision.ALLOW;
            }

            @Override
            public boolean stillAllowsWrites() {
                for (StatementPolicy p : chain) {
                    if (!p.stillAllowsWrites()) {
                        return false;
                    }
                }
                return true;
            }

            @Override
            public boolean writable() {
                for (StatementPolicy p : chain) {
                    if (!p.writable()) {
                        return false;
                    }
                }
                return true;
            }
        };
    }
}
