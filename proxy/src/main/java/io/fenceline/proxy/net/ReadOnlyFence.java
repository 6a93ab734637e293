package io.fenceline.proxy.net;

import io.fenceline.proxy.policy.Decision;
import io.fenceline.proxy.policy.StatementPolicy;
import io.fenceline.proxy.session.Session;
import io.fenceline.proxy.session.SessionModel;
import io.fenceline.proxy.wire.frontend.Query;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.concurrent.CompletableFuture;

/**
 * The session half of the fence: whenever the policy says the cluster may not write ({@link
 * StatementPolicy#writable()} false), every request of the session runs read-only <em>at the server</em>, so a
 * write the inspector cannot see (a function behind a SELECT, a lexer gap) meets PostgreSQL's own 25006.
 *
 * <p>Asked at the first message of each client request ({@link #beforeRequest}):
 * <ul>
 *   <li>Not writable: the request waits until every earlier request is answered (a function in flight may have
 *       turned the default off; its ParameterStatus is the proof), then goes ahead only when the {@link
 *       SessionModel} shows the session read-only at the server — the reported {@code default_transaction_read_only}
 *       is on and no block is open, or the open block is read-only. Otherwise the proxy first sends, hidden from
 *       the client, {@code SET default_transaction_read_only = on} (and, in a block, {@code SET
 *       transaction_read_only = on} before it: PostgreSQL lets a transaction become read-only at any time) and
 *       waits for its answer. In a failed block ('E') the request goes ahead: the server runs nothing there but
 *       the end of the block or a rollback to a savepoint, after which the next request asserts again. An
 *       assertion the server refused closes the session (fail closed).</li>
 *   <li>Writable again, and the server holds the proxy's own default: {@code RESET default_transaction_read_only},
 *       hidden, at the next point where nothing is in flight (a RESET returns to what the role, the database, the
 *       startup options or the database fence say).</li>
 * </ul>
 * Within one request the statement path refuses, while not writable, what would start a new transaction after a
 * statement that may have turned the default off (anything after a COMMIT, ROLLBACK or ROLLBACK TO in the same
 * message or batch), and what would lift read-only directly (SET / RESET / {@code set_config} of the two
 * settings, READ WRITE transaction modes).
 */
final class ReadOnlyFence {

    /** What to do with the first message of a request. */
    enum Step {
        /** Go ahead. */
        PROCEED,
        /** Wait for {@link #answers()}; {@link #injected()} may hold a hidden request to forward first. */
        WAIT,
        /** Close the session: it cannot be made read-only ({@link #failure()}). */
        FAIL
    }

    static final String ASSERT_IDLE = "SET default_transaction_read_only = on";
    static final String ASSERT_IN_BLOCK = "SET transaction_read_only = on; SET default_transaction_read_only = on";
    static final String LIFT = "RESET default_transaction_read_only";

    private final StatementPolicy policy;
    private final Session session;
    private final Denials denials;
    private final ByteBufAllocator alloc;
    private CompletableFuture<Void> answers;
    private ByteBuf injected;
    private boolean asserted;
    private boolean readOnlyRequest;

    ReadOnlyFence(StatementPolicy policy, Session session, Denials denials, ByteBufAllocator alloc) {
        this.policy = policy;
        this.session = session;
        this.denials = denials;
        this.alloc = alloc;
    }

    /** Decides about the request whose first message is about to be judged. */
    Step beforeRequest() {
        SessionModel model = session.model();
        if (policy.writable()) {
            readOnlyRequest = false;
            asserted = false;
            if (model.proxyDefault() && !model.assertionInFlight() && session.outstanding() == 0) {
                return inject(LIFT, true);
            }
            return Step.PROCEED;
        }
        readOnlyRequest = true;
        if (session.outstanding() > 0) {
            return awaitAnswers();
        }
        if (model.readOnlyAtServer()) {
            asserted = false;
            model.requestStartedReadOnly(session.requestsForwarded() + 1);
            return Step.PROCEED;
        }
        if (model.transactionStatus() == 'E') {
            asserted = false;
            return Step.PROCEED;
        }
        if (asserted || model.assertionFailed()) {
            return Step.FAIL;
        }
        asserted = true;
        return inject(model.transactionStatus() == 'I' ? ASSERT_IDLE : ASSERT_IN_BLOCK, false);
    }

    /** Whether the current request was let through as one that may not write (see the in-request rules). */
    boolean readOnlyRequest() {
        return readOnlyRequest;
    }

    /** Whether the cluster may write now (asked again for a message in the middle of a request). */
    boolean writable() {
        return policy.writable();
    }

    /** The denial for a statement that would lift read-only, or start a transaction the proxy cannot vouch for. */
    static Decision.Deny denial(String what) {
        return new Decision.Deny(StatementPath.READ_ONLY_SQL_TRANSACTION, "cannot " + what
                + ": this proxy's cluster may not write now, and its sessions are read-only",
                "writes go to the group's current writer");
    }

    String failure() {
        String lost = session.model().lost();
        return lost != null ? "the proxy lost track of the session: " + lost
                : "the session could not be made read-only at the server while this cluster may not write";
    }

    /** When {@link Step#WAIT}: completes once every request forwarded so far is answered. */
    CompletableFuture<Void> answers() {
        return answers;
    }

    /** The hidden request to forward before waiting, or null. */
    ByteBuf injected() {
        ByteBuf b = injected;
        injected = null;
        return b;
    }

    /** A ReadyForQuery was followed. */
    void readyForQuery() {
        if (answers != null && session.outstanding() == 0) {
            CompletableFuture<Void> a = answers;
            answers = null;
            a.complete(null);
        }
    }

    private Step inject(String sql, boolean lifts) {
        long request = session.requestsForwarded() + 1;
        session.model().assertionSent(request, lifts);
        denials.hide(request, Denials.Hide.ALL);
        injected = new Query(sql).encode(alloc);
        return awaitAnswers();
    }

    private Step awaitAnswers() {
        answers = new CompletableFuture<>();
        return Step.WAIT;
    }

    void release() {
        if (injected != null) {
            injected.release();
            injected = null;
        }
    }
}
