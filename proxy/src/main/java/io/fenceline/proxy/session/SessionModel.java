package io.fenceline.proxy.session;

import io.fenceline.proxy.sql.SessionEffects;
import io.fenceline.proxy.sql.Verdict;
import io.fenceline.proxy.wire.backend.BackendType;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the proxy believes about one session, and why: every belief here comes from what the server confirmed.
 * The client side only announces what it sent ({@link #parseSent}, {@link #bindSent}, {@link #closeSent},
 * {@link #sqlSent}); the server's answers make it true:
 * <ul>
 *   <li><b>Prepared statements</b> enter at their ParseComplete (a failed Parse — 42P05, a syntax error — changes
 *       nothing) and leave at their CloseComplete, or at the CommandComplete of a {@code DEALLOCATE},
 *       {@code DEALLOCATE ALL} or {@code DISCARD ALL}, in either protocol. A confirmed DEALLOCATE or PREPARE the
 *       proxy cannot match to a name it sent forgets every statement (they are judged not understood).</li>
 *   <li><b>Portals</b> enter at their BindComplete, tagged with the request (Sync batch) that bound them, and are
 *       gone at the next ReadyForQuery 'I' (the transaction ended) or their CloseComplete.</li>
 *   <li>Until a message is answered, a lookup ({@link #statementFor}, {@link #portalFor}) takes what the server
 *       will use: a Parse or Bind earlier in the <em>same</em> batch is certain (had it failed, the server skips
 *       the rest of the batch); one in an earlier, unanswered batch leaves two candidates, and when they differ
 *       the answer is a not-understood verdict.</li>
 *   <li><b>Settings</b> from ParameterStatus (the startup burst included): {@code default_transaction_read_only},
 *       {@code standard_conforming_strings}, {@code client_encoding}.</li>
 *   <li><b>Transaction status</b> from ReadyForQuery, and whether the open transaction is read-only at the server:
 *       it began while the reported default was on with nothing in flight, or the proxy's own
 *       {@code SET transaction_read_only = on} was answered without error; forgotten at the end of the transaction
 *       and whenever a statement that ends or rolls back (to a savepoint) is sent.</li>
 * </ul>
 * When the server's stream contradicts the model (a ParseComplete with no Parse pending, a followed setting cut
 * short), {@link #lost()} says why and the data path closes the session: it never guesses. Event-loop only.
 */
public final class SessionModel {

    /** A prepared statement as the proxy judged its text. */
    public record Statement(Verdict verdict, SessionEffects effects) {
    }

    /** What a lookup returns when an unanswered batch may have replaced the statement or portal. */
    static final Statement AMBIGUOUS = new Statement(
            Verdict.unknown("the statement was being replaced by a Parse or Bind the server had not answered yet"),
            new SessionEffects(false, true, true, SessionEffects.Prepared.NONE, null));

    private record Portal(Statement statement, long batch) {
    }

    /** A Parse, Bind or Close sent and not yet answered; {@code awaits} is the answer's type byte. */
    private record Pending(byte awaits, boolean statement, String name, Statement value, long batch) {
    }

    private record SqlAction(SessionEffects.Prepared kind, String name, long request) {
    }

    private final Map<String, Statement> statements;
    private final Map<String, Portal> portals = new HashMap<>();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final ArrayDeque<SqlAction> sqlActions = new ArrayDeque<>();

    private byte transactionStatus = 'I';
    private String defaultReadOnly;
    private boolean standardStrings = true;
    private String clientEncoding = "UTF8";
    private Charset charset = StandardCharsets.UTF_8;
    private boolean transactionReadOnly;
    /** The latest request sent while the session was read-only at the server with nothing in flight. */
    private long startedReadOnly = -1;
    /** The proxy's own hidden request that makes the session read-only (or lifts it), 0 when none is unanswered. */
    private long assertion;
    private boolean assertionLifts;
    private boolean assertionFailed;
    /** The proxy's {@code SET default_transaction_read_only = on} is what the server holds now. */
    private boolean proxyDefault;
    private boolean errorInRequest;
    private String lost;

    /** @param maxStatements statements kept; the least recently used are forgotten (then judged not understood) */
    public SessionModel(int maxStatements) {
        this.statements = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Statement> eldest) {
                return size() > maxStatements;
            }
        };
    }

    // ---- what the client sent (announced; nothing here is believed until answered) ----

    /** A Parse of statement {@code name} in request {@code batch} was forwarded. */
    public void parseSent(String name, Statement statement, long batch) {
        pending.add(new Pending(BackendType.PARSE_COMPLETE, true, name, statement, batch));
    }

    /** A Bind of {@code portal} from {@code statementName} in request {@code batch} was forwarded. */
    public void bindSent(String portal, String statementName, long batch) {
        pending.add(new Pending(BackendType.BIND_COMPLETE, false, portal, statementFor(statementName, batch), batch));
    }

    /** A Close of a statement (or a portal) named {@code name} in request {@code batch} was forwarded. */
    public void closeSent(boolean statement, String name, long batch) {
        pending.add(new Pending(BackendType.CLOSE_COMPLETE, statement, name, null, batch));
    }

    /** A statement with a prepared-statement effect (PREPARE, DEALLOCATE, DISCARD ALL) runs in {@code request}. */
    public void sqlSent(SessionEffects effects, String name, long request) {
        sqlActions.add(new SqlAction(effects.prepared(), name, request));
    }

    /** The proxy's hidden request {@code request} makes the session read-only ({@code lifts} false) or lifts it. */
    public void assertionSent(long request, boolean lifts) {
        assertion = request;
        assertionLifts = lifts;
        assertionFailed = false;
    }

    /** Client request {@code request} was sent while {@link #readOnlyAtServer()} with nothing in flight. */
    public void requestStartedReadOnly(long request) {
        startedReadOnly = request;
    }

    /** A statement that ends the transaction or rolls back to a savepoint was sent: its read-only state is unknown. */
    public void transactionControlSent() {
        transactionReadOnly = false;
    }

    // ---- lookups ----

    /** The statement a Bind of {@code name} in request {@code batch} will use, or null when none is known. */
    public Statement statementFor(String name, long batch) {
        Statement candidate = null;
        boolean earlier = false;
        for (var it = pending.descendingIterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (!p.statement() || !p.name().equals(name)) {
                continue;
            }
            if (p.batch() == batch) {
                return p.awaits() == BackendType.PARSE_COMPLETE ? p.value() : null;
            }
            if (p.awaits() == BackendType.PARSE_COMPLETE) {
                if (earlier && !p.value().equals(candidate)) {
                    return AMBIGUOUS;
                }
                candidate = p.value();
                earlier = true;
            }
        }
        Statement confirmed = statements.get(name);
        if (!earlier) {
            return confirmed;
        }
        // Had the earlier Parse failed, a Bind of a name the server does not hold fails too: no second candidate.
        return confirmed == null || candidate.equals(confirmed) ? candidate : AMBIGUOUS;
    }

    /** The statement an Execute of {@code portal} in request {@code batch} will run, or null when none is known. */
    public Statement portalFor(String portal, long batch) {
        Statement candidate = null;
        boolean earlier = false;
        for (var it = pending.descendingIterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (p.statement() || !p.name().equals(portal)) {
                continue;
            }
            if (p.batch() == batch) {
                return p.awaits() == BackendType.BIND_COMPLETE ? p.value() : null;
            }
            if (p.awaits() == BackendType.BIND_COMPLETE) {
                if (earlier && !java.util.Objects.equals(p.value(), candidate)) {
                    return AMBIGUOUS;
                }
                candidate = p.value();
                earlier = true;
            }
        }
        Portal confirmed = portals.get(portal);
        Statement c = confirmed == null ? null : confirmed.statement();
        if (!earlier) {
            return c;
        }
        return c == null || java.util.Objects.equals(candidate, c) ? candidate : AMBIGUOUS;
    }

    /** Statements the server confirmed and the proxy still remembers. */
    public int statements() {
        return statements.size();
    }

    /** 'I', 'T' or 'E' from the latest ReadyForQuery. */
    public byte transactionStatus() {
        return transactionStatus;
    }

    /** The reported {@code default_transaction_read_only} is on. */
    public boolean defaultReadOnly() {
        return "on".equals(defaultReadOnly);
    }

    /** Whether the open transaction block is known to be read-only at the server. */
    public boolean transactionReadOnly() {
        return transactionReadOnly;
    }

    /**
     * Whether everything the session runs next is read-only at the server, as far as answered messages tell: the
     * reported default is on, and no block is open or the open one is read-only.
     */
    public boolean readOnlyAtServer() {
        return defaultReadOnly() && (transactionStatus == 'I' || transactionReadOnly);
    }

    /** Whether the server holds the proxy's own {@code default_transaction_read_only = on} (to be lifted later). */
    public boolean proxyDefault() {
        return proxyDefault;
    }

    /** Whether the proxy's latest assertion was answered with an error. */
    public boolean assertionFailed() {
        return assertionFailed;
    }

    /** Whether an assertion of the proxy is unanswered. */
    public boolean assertionInFlight() {
        return assertion != 0;
    }

    /** The reported {@code standard_conforming_strings} is on (the default until reported). */
    public boolean standardConformingStrings() {
        return standardStrings;
    }

    /** The reported {@code client_encoding}. */
    public String clientEncoding() {
        return clientEncoding;
    }

    /** The charset texts are read in, or null when the proxy cannot lex {@link #clientEncoding()}. */
    public Charset charset() {
        return charset;
    }

    /** Why the server's stream no longer matches the model, or null. */
    public String lost() {
        return lost;
    }

    // ---- what the server answered ----

    /** A ParameterStatus; {@code whole} when {@code body} holds all of it. */
    public void parameterStatus(byte[] body, int length, boolean whole) {
        int nul = indexOfZero(body, 0, length);
        String name = new String(body, 0, nul < 0 ? length : nul, StandardCharsets.US_ASCII);
        boolean followed = name.equals("default_transaction_read_only") || name.equals("standard_conforming_strings")
                || name.equals("client_encoding");
        if (!followed) {
            return;
        }
        int end = nul < 0 ? -1 : indexOfZero(body, nul + 1, length);
        if (!whole || end < 0) {
            lost = "the server's ParameterStatus for " + name + " is longer than the proxy reads";
            return;
        }
        String value = new String(body, nul + 1, end - nul - 1, StandardCharsets.US_ASCII);
        switch (name) {
            case "default_transaction_read_only" -> {
                defaultReadOnly = value;
                if (!defaultReadOnly()) {
                    proxyDefault = false;
                }
            }
            case "standard_conforming_strings" -> standardStrings = value.equals("on");
            default -> {
                clientEncoding = value;
                charset = ClientEncoding.charset(value);
            }
        }
    }

    /** A ParseComplete, BindComplete or CloseComplete: the oldest pending message of that kind took effect. */
    public void extendedComplete(byte type) {
        Pending p = pending.poll();
        if (p == null || p.awaits() != type) {
            lost = "the server answered " + (char) type + " where the proxy expected "
                    + (p == null ? "nothing" : String.valueOf((char) p.awaits()));
            return;
        }
        if (type == BackendType.PARSE_COMPLETE) {
            statements.put(p.name(), p.value());
        } else if (type == BackendType.BIND_COMPLETE) {
            portals.put(p.name(), new Portal(p.value(), p.batch()));
        } else if (p.statement()) {
            statements.remove(p.name());
        } else {
            portals.remove(p.name());
        }
    }

    /** A CommandComplete of request {@code request} with the first {@code length} bytes of its tag. */
    public void commandComplete(byte[] tag, int length, boolean whole, long request) {
        SessionEffects.Prepared kind = tagKind(tag, length, whole);
        if (kind == SessionEffects.Prepared.NONE) {
            return;
        }
        while (!sqlActions.isEmpty() && sqlActions.peek().request() < request) {
            sqlActions.poll();
        }
        SqlAction match = null;
        for (var it = sqlActions.iterator(); it.hasNext(); ) {
            SqlAction a = it.next();
            if (a.request() == request && (a.kind() == kind
                    || (kind == SessionEffects.Prepared.DEALLOCATE_ALL && a.kind() == SessionEffects.Prepared.DEALLOCATE))) {
                it.remove();
                match = a;
                break;
            }
        }
        switch (kind) {
            case DEALLOCATE, PREPARE -> {
                if (match == null || match.name() == null) {
                    statements.clear();
                } else {
                    statements.remove(match.name());
                }
            }
            case DISCARD_ALL -> {
                statements.clear();
                portals.clear();
            }
            default -> statements.clear();
        }
    }

    private static SessionEffects.Prepared tagKind(byte[] tag, int length, boolean whole) {
        if (!whole) {
            return SessionEffects.Prepared.NONE;
        }
        String t = new String(tag, 0, length, StandardCharsets.US_ASCII);
        return switch (t) {
            case "DEALLOCATE" -> SessionEffects.Prepared.DEALLOCATE;
            case "DEALLOCATE ALL" -> SessionEffects.Prepared.DEALLOCATE_ALL;
            case "DISCARD ALL" -> SessionEffects.Prepared.DISCARD_ALL;
            case "PREPARE" -> SessionEffects.Prepared.PREPARE;
            default -> SessionEffects.Prepared.NONE;
        };
    }

    /** An ErrorResponse while request {@code request} is answered: its unanswered messages were skipped. */
    public void errorResponse(long request) {
        errorInRequest = true;
        while (!pending.isEmpty() && pending.peek().batch() <= request) {
            pending.poll();
        }
    }

    /** The ReadyForQuery that answered request {@code answered} (0 for the one that ends startup). */
    public void readyForQuery(byte status, long answered) {
        byte before = transactionStatus;
        transactionStatus = status;
        while (!pending.isEmpty() && pending.peek().batch() <= answered) {
            pending.poll();
        }
        if (status == 'I') {
            portals.clear();
            transactionReadOnly = false;
        } else if (before == 'I' && answered == startedReadOnly && defaultReadOnlyAtStart) {
            // The block began in a request sent while the default was on with nothing in flight.
            transactionReadOnly = true;
        }
        if (answered == assertion && assertion != 0) {
            assertion = 0;
            assertionFailed = errorInRequest;
            if (!errorInRequest) {
                proxyDefault = !assertionLifts && defaultReadOnly();
                if (!assertionLifts && status != 'I') {
                    transactionReadOnly = true;
                }
            }
        }
        errorInRequest = false;
        defaultReadOnlyAtStart = defaultReadOnly();
    }

    /** The default as reported when the latest ReadyForQuery was processed (before the next request's reports). */
    private boolean defaultReadOnlyAtStart;

    private static int indexOfZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
