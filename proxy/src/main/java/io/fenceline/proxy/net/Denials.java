package io.fenceline.proxy.net;

import io.fenceline.proxy.policy.Decision;
import io.fenceline.proxy.session.Session;
import io.fenceline.proxy.wire.backend.BackendType;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * What the server's stream must look like to the client around the proxy's own doings: the denials whose server
 * error is still to be replaced by the denial's own ErrorResponse, and the requests whose answers the client must
 * not see (the proxy's ROLLBACK after a refused COMMIT, its hidden {@code SET default_transaction_read_only}).
 *
 * <p>Every denial carries a token ({@code fl_denied_N_}) that the server's error names: the portal that cannot
 * exist, the Parse text that cannot parse, or the {@code SCHEMA} field the DO block raises with. The
 * {@link DenialRewriter} swaps that whole ErrorResponse for one holding only the denial's severity, SQLSTATE,
 * message and hint, so nothing of the mechanism (a PL/pgSQL CONTEXT, a position) reaches the client.
 */
final class Denials {

    /** A denial whose server error is still to be replaced. */
    record PendingDenial(String token, Decision.Deny deny, long batch) {
    }

    /** Which of a request's answers the client must not see. */
    enum Hide {
        /** Only its ReadyForQuery (a request failed on purpose; the proxy's ROLLBACK follows). */
        READY_FOR_QUERY,
        /** Everything but its ReadyForQuery (the proxy's ROLLBACK). */
        ALL_BUT_READY_FOR_QUERY,
        /** Everything (a request the proxy sent on its own). */
        ALL
    }

    private record Hidden(long request, Hide hide) {
    }

    private static final String TOKEN_PREFIX = "fl_denied_";

    private final Session session;
    private final ArrayDeque<PendingDenial> denials = new ArrayDeque<>();
    private final ArrayDeque<Hidden> hidden = new ArrayDeque<>(2);
    private long count;

    Denials(Session session) {
        this.session = session;
    }

    /** Registers {@code deny} for the request the next Query, FunctionCall or Sync forwarded ends; returns its token. */
    String register(Decision.Deny deny) {
        String token = TOKEN_PREFIX + (++count) + "_";
        denials.add(new PendingDenial(token, deny, session.requestsForwarded() + 1));
        return token;
    }

    /** Request {@code request}'s answers are hidden as {@code hide} says. */
    void hide(long request, Hide hide) {
        hidden.add(new Hidden(request, hide));
    }

    boolean hasDenials() {
        return !denials.isEmpty();
    }

    boolean hasHidden() {
        long current = session.requestsAnswered() + 1;
        while (!hidden.isEmpty() && hidden.peek().request() < current) {
            hidden.poll();
        }
        return !hidden.isEmpty();
    }

    /**
     * Whether the server message of {@code type} that starts now is hidden from the client. Called at each message
     * boundary before the message is followed by the session.
     */
    boolean hides(byte type) {
        long current = session.requestsAnswered() + 1;
        while (!hidden.isEmpty() && hidden.peek().request() < current) {
            hidden.poll();
        }
        boolean rfq = type == BackendType.READY_FOR_QUERY;
        Hidden h = hidden.peek();
        if (h == null || h.request() != current) {
            return false;
        }
        if (rfq) {
            // This ReadyForQuery ends the request: its entry is done.
            hidden.poll();
        }
        if (asynchronous(type)) {
            // Not the hidden request's own answer: a notification, a notice or a changed setting the server sends
            // whenever it likes (the setting may be the proxy's own default_transaction_read_only: the client is
            // told the truth about its session, as PostgreSQL would tell it).
            return false;
        }
        return switch (h.hide()) {
            case READY_FOR_QUERY -> rfq;
            case ALL_BUT_READY_FOR_QUERY -> !rfq;
            case ALL -> true;
        };
    }

    /** NotificationResponse, NoticeResponse, ParameterStatus: the messages the protocol calls asynchronous. */
    static boolean asynchronous(byte type) {
        return type == BackendType.NOTIFICATION_RESPONSE || type == BackendType.NOTICE_RESPONSE
                || type == BackendType.PARAMETER_STATUS;
    }

    /**
     * The pending denial whose substitute caused {@code error} (a whole ErrorResponse frame), removed from the
     * pending ones; null when the error is the server's own.
     */
    PendingDenial claim(ByteBuf error) {
        String text = error.toString(error.readerIndex(), error.readableBytes(), StandardCharsets.ISO_8859_1);
        for (var it = denials.iterator(); it.hasNext(); ) {
            PendingDenial d = it.next();
            if (text.contains(d.token())) {
                it.remove();
                return d;
            }
        }
        return null;
    }

    /** A ReadyForQuery was followed: denials of the requests it answered are over. */
    void readyForQuery() {
        long answered = session.requestsAnswered();
        while (!denials.isEmpty() && denials.peek().batch() <= answered) {
            denials.poll();
        }
    }

    /**
     * A {@code DO} block that makes the server raise {@code deny}, naming {@code token} as the error's schema so
     * the rewriter recognises it. Values are dollar-quoted with tags that cannot end inside them, so no text of
     * the denial can close a quote early.
     */
    static String raiseBlock(Decision.Deny deny, String token) {
        String message = deny.message();
        String hint = deny.hint();
        String inner = tag("m", message, hint == null ? "" : hint);
        StringBuilder body = new StringBuilder(128 + message.length() + (hint == null ? 0 : hint.length()));
        body.append("BEGIN RAISE EXCEPTION USING ERRCODE = '").append(deny.sqlState())
                .append("', MESSAGE = ").append(inner).append(message).append(inner);
        if (hint != null) {
            body.append(", HINT = ").append(inner).append(hint).append(inner);
        }
        if (token != null) {
            body.append(", SCHEMA = '").append(token).append('\'');
        }
        body.append("; END ");
        String outer = tag("fl", body.toString(), "");
        return "DO " + outer + body + outer;
    }

    /** A dollar-quote tag that first occurs, in each of {@code values} followed by it, at the value's end. */
    private static String tag(String base, String a, String b) {
        String t = "$" + base + "$";
        for (int n = 0; !closesAtEnd(a, t) || !closesAtEnd(b, t); n++) {
            t = "$" + base + n + "$";
        }
        return t;
    }

    private static boolean closesAtEnd(String value, String tag) {
        return (value + tag).indexOf(tag) == value.length();
    }
}
