package io.fenceline.proxy.schema;

import io.fenceline.config.file.SchemaSettings;
import io.fenceline.config.records.Window;
import io.fenceline.proxy.policy.Decision;
import io.fenceline.proxy.sql.SessionStatement;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The schema version one connection has declared, followed the way PostgreSQL itself keeps the setting
 * {@code fenceline.schema_version}. Owned by the connection and used on its event loop only.
 *
 * <h2>What it follows</h2>
 * <ul>
 *   <li>The start value: {@code options=-c fenceline.schema_version=N} (or {@code --fenceline.schema_version=N})
 *       in the StartupMessage, or a startup parameter of that name. It is also what {@code RESET} returns to.</li>
 *   <li>{@code SET [SESSION]} changes the value now and for the session if its transaction commits;
 *       {@code SET LOCAL} only until its transaction ends; a transaction that rolls back (ROLLBACK, an error in
 *       an implicit transaction, COMMIT of a failed block) undoes its SETs; {@code ROLLBACK TO SAVEPOINT}
 *       undoes those after the savepoint; {@code RESET}, {@code SET … TO DEFAULT}, {@code RESET ALL} and
 *       {@code DISCARD ALL} go back to the start value.</li>
 * </ul>
 * A statement changes the tracked value only when the server confirms it ran: each such statement is queued
 * with its position in its request (the k-th statement of a Query, the k-th Execute before a Sync) and applied
 * at the matching CommandComplete; the request's ReadyForQuery then settles the transaction (status 'I':
 * committed unless an error was seen). Meanwhile checks of later statements already see the queued changes,
 * as the server will when it runs them.
 *
 * <p>A connection without a declaration gets the configured default: the window's newest version when it
 * started (kept for its life, so a drain counts it), or none (refused).
 */
public final class VersionTracker {

    /** No declaration: the connection's default applies. */
    static final int UNDECLARED = -1;

    private final SchemaEnforcement owner;
    private final boolean control;
    private final int startValue;
    private final String startText;
    private int defaultVersion = UNDECLARED;

    /** Confirmed state: the value outside a transaction, the session value if the open one commits, the value now. */
    private final State confirmed;
    private final ArrayDeque<Queued> inFlight = new ArrayDeque<>();
    private int completedInRequest;
    private boolean errorSeen;

    /** Extended protocol: relevant prepared statements and portals (almost always the unnamed ones). */
    private final Map<String, SessionStatement> prepared = new HashMap<>();
    private final Map<String, SessionStatement> portals = new HashMap<>();
    private int executesSinceSync;

    private int counted = UNDECLARED;
    private boolean closed;

    VersionTracker(SchemaEnforcement owner, Map<String, String> startup) {
        this.owner = owner;
        String user = startup.get("user");
        this.control = user != null && user.equals(owner.settings().controlRole());
        this.startText = startValue(startup);
        int parsed = startText == null ? UNDECLARED : parseVersion(startText);
        this.startValue = parsed < 0 ? UNDECLARED : parsed;
        this.confirmed = new State(startValue);
    }

    /** True for connections of control's role: exempt from every schema check and not counted. */
    public boolean control() {
        return control;
    }

    /**
     * Decides the connection at startup: null admits it (and counts it), a denial refuses it with 08004
     * before anything reaches the database.
     */
    public Decision.Deny admit() {
        if (control) {
            return null;
        }
        SchemaView view = owner.view();
        Window w = view.window();
        if (startText != null && startValue == UNDECLARED) {
            return owner.refuse(Refusal.INVALID_VERSION, new Decision.Deny(SchemaEnforcement.OUTSIDE_WINDOW,
                    "invalid value for parameter \"" + SessionStatement.VARIABLE + "\": \"" + startText + "\"",
                    "declare the schema version the application was built for, a whole number"
                            + (w == null ? "" : ", in the window " + SchemaEnforcement.describe(w))));
        }
        if (startValue == UNDECLARED) {
            if (owner.settings().undeclared() == SchemaSettings.Undeclared.REFUSE) {
                return owner.refuse(Refusal.UNDECLARED, new Decision.Deny(SchemaEnforcement.OUTSIDE_WINDOW,
                        "connection declares no schema version and the proxy requires one"
                                + (w == null ? "" : " (window " + SchemaEnforcement.describe(w) + ")"),
                        "connect with options=-c " + SessionStatement.VARIABLE + "=N"));
            }
            resolveDefault(w);
        } else if (w != null && !w.contains(startValue)) {
            return owner.refuse(Refusal.OUTSIDE_WINDOW, owner.outsideWindow(startValue, w, "connection"));
        }
        recount();
        return null;
    }

    /**
     * The version the connection's next statement runs at: the declared one (including SETs forwarded and
     * not yet answered) or the default; empty when neither is known (no window published yet, or undeclared
     * and the default is refusal).
     */
    public OptionalInt version() {
        int v = inFlight.isEmpty() ? confirmed.now : simulated();
        if (v == UNDECLARED) {
            v = resolveDefault(owner.view().window());
        }
        return v == UNDECLARED ? OptionalInt.empty() : OptionalInt.of(v);
    }

    /** Whether the connection declared a version itself (not the default). */
    public boolean declared() {
        return (inFlight.isEmpty() ? confirmed.now : simulated()) != UNDECLARED;
    }

    private int resolveDefault(Window w) {
        if (defaultVersion == UNDECLARED && w != null && owner.settings().undeclared() == SchemaSettings.Undeclared.NEWEST) {
            defaultVersion = w.newest();
        }
        return defaultVersion;
    }

    /** Judges a SET of the version before it is forwarded: null to let it run, or why not. */
    public Decision.Deny judge(SessionStatement s) {
        if (control || !(s instanceof SessionStatement.Set set)) {
            return null;
        }
        Window w = owner.view().window();
        int v = parseVersion(set.value());
        if (v < 0) {
            return owner.refuse(Refusal.INVALID_VERSION, new Decision.Deny(SchemaEnforcement.INVALID_VALUE,
                    "invalid value for parameter \"" + SessionStatement.VARIABLE + "\": \"" + set.value() + "\"",
                    "a schema version is a whole number" + (w == null ? "" : "; the window is " + SchemaEnforcement.describe(w))));
        }
        if (w != null && !w.contains(v)) {
            return owner.refuse(Refusal.OUTSIDE_WINDOW, new Decision.Deny(SchemaEnforcement.INVALID_VALUE,
                    "schema version " + v + " is outside the window " + SchemaEnforcement.describe(w) + " of group "
                            + owner.settings().group(), SchemaEnforcement.windowHint(w)));
        }
        return null;
    }

    // ---- forwarding ----

    /** Statement {@code unit} (0-based) of the Query that is request {@code request} will run: {@code s}. */
    public void forwardedInQuery(SessionStatement s, long request, int unit) {
        inFlight.add(new Queued(request, unit, s));
    }

    /**
     * True when no transaction statement could change the version: nothing queued, no SET or SET LOCAL in the
     * open transaction, no savepoint. Then only SET/RESET/DISCARD and SAVEPOINT need to be followed.
     */
    public boolean quiet() {
        return inFlight.isEmpty() && confirmed.committed == confirmed.pending && confirmed.pending == confirmed.now
                && confirmed.savepoints == null;
    }

    /** Statements queued so far and not yet answered (a mark for {@link #unqueue}). */
    public int queued() {
        return inFlight.size();
    }

    /** Forgets what was queued after {@code mark}: the message that queued it will be judged again. */
    public void unqueue(int mark) {
        while (inFlight.size() > mark) {
            inFlight.pollLast();
        }
    }

    /** A Parse of {@code name}: {@code s} is what it means (null: irrelevant). */
    public void parsed(String name, SessionStatement s) {
        if (s == null) {
            if (!prepared.isEmpty()) {
                prepared.remove(name);
            }
        } else {
            prepared.put(name, s);
        }
    }

    /** A Bind of {@code portal} from {@code statement}. */
    public void bound(String portal, String statement) {
        SessionStatement s = prepared.isEmpty() ? null : prepared.get(statement);
        if (s != null) {
            portals.put(portal, s);
        } else if (!portals.isEmpty()) {
            portals.remove(portal);
        }
    }

    /** The relevant statement an Execute of {@code portal} runs, or null. */
    public SessionStatement portal(String portal) {
        return portals.isEmpty() ? null : portals.get(portal);
    }

    /** An Execute was forwarded (it is answered by one completion) in request {@code request}. */
    public void executed(String portal, long request) {
        SessionStatement s = portal(portal);
        if (s != null) {
            inFlight.add(new Queued(request, executesSinceSync, s));
        }
        executesSinceSync++;
    }

    /** A Sync was forwarded: the next Execute is the first of a new request. */
    public void synced() {
        executesSinceSync = 0;
    }

    /** Close of a statement or portal. */
    public void closed(boolean statement, String name) {
        (statement ? prepared : portals).remove(name);
    }

    /** DISCARD ALL / DEALLOCATE ALL. */
    public void forgetPrepared() {
        prepared.clear();
        portals.clear();
    }

    // ---- the server's answers ----

    /** CommandComplete, EmptyQueryResponse or PortalSuspended of request {@code answering}. */
    public void completed(long answering) {
        int unit = completedInRequest++;
        Queued head = inFlight.peek();
        if (head != null && head.request == answering && head.unit == unit) {
            inFlight.poll();
            confirmed.apply(head.statement, errorSeen);
            if (head.statement instanceof SessionStatement.RollbackTo) {
                // The failed block is usable again.
                errorSeen = false;
            }
            recount();
        }
    }

    /** An ErrorResponse: the transaction it happened in will not commit. */
    public void error() {
        errorSeen = true;
    }

    /** The ReadyForQuery of request {@code answered}, with its transaction status. */
    public void readyForQuery(byte status, long answered) {
        while (!inFlight.isEmpty() && inFlight.peek().request <= answered) {
            // Never confirmed: an earlier error made the server skip it.
            inFlight.poll();
        }
        completedInRequest = 0;
        if (status == 'I') {
            confirmed.endTransaction(errorSeen);
            errorSeen = false;
            portals.clear();
        } else if (status == 'T') {
            errorSeen = false;
        }
        recount();
    }

    /** The connection closed: it no longer counts. */
    public void close() {
        if (!closed) {
            closed = true;
            if (counted != UNDECLARED) {
                owner.counts().remove(counted);
                counted = UNDECLARED;
            }
        }
    }

    private void recount() {
        if (control || closed) {
            return;
        }
        int v = confirmed.now == UNDECLARED ? defaultVersion : confirmed.now;
        if (v != counted) {
            if (counted != UNDECLARED) {
                owner.counts().remove(counted);
            }
            if (v != UNDECLARED) {
                owner.counts().add(v);
            }
            counted = v;
        }
    }

    private int simulated() {
        State s = confirmed.copy();
        boolean failed = errorSeen;
        for (Queued q : inFlight) {
            s.apply(q.statement, failed);
        }
        return s.now;
    }

    /** A non-negative whole number of at most 9 digits, or -1. */
    static int parseVersion(String text) {
        String t = text.trim();
        if (t.isEmpty() || t.length() > 9) {
            return -1;
        }
        for (int i = 0; i < t.length(); i++) {
            if (t.charAt(i) < '0' || t.charAt(i) > '9') {
                return -1;
            }
        }
        return Integer.parseInt(t);
    }

    /** The version in the StartupMessage, as written, or null. */
    static String startValue(Map<String, String> startup) {
        String direct = startup.get(SessionStatement.VARIABLE);
        String fromOptions = null;
        String options = startup.get("options");
        if (options != null) {
            List<String> words = optionWords(options);
            for (int i = 0; i < words.size(); i++) {
                String w = words.get(i);
                String setting = null;
                if (w.equals("-c") && i + 1 < words.size()) {
                    setting = words.get(++i);
                } else if (w.startsWith("-c") && w.length() > 2) {
                    setting = w.substring(2);
                } else if (w.startsWith("--")) {
                    setting = w.substring(2);
                }
                if (setting != null) {
                    int eq = setting.indexOf('=');
                    if (eq > 0 && setting.substring(0, eq).replace('-', '_').equalsIgnoreCase(SessionStatement.VARIABLE)) {
                        fromOptions = setting.substring(eq + 1);
                    }
                }
            }
        }
        // PostgreSQL applies the options after the other startup parameters, so options win.
        return fromOptions != null ? fromOptions : direct;
    }

    /** The options string split on unescaped white space, with PostgreSQL's backslash escapes undone. */
    private static List<String> optionWords(String options) {
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        for (int i = 0; i < options.length(); i++) {
            char c = options.charAt(i);
            if (c == '\\' && i + 1 < options.length()) {
                w.append(options.charAt(++i));
            } else if (Character.isWhitespace(c)) {
                if (w.length() > 0) {
                    words.add(w.toString());
                    w.setLength(0);
                }
            } else {
                w.append(c);
            }
        }
        if (w.length() > 0) {
            words.add(w.toString());
        }
        return words;
    }

    private record Queued(long request, int unit, SessionStatement statement) {
    }

    /** PostgreSQL's view of the setting: outside transactions, if the open one commits, now; plus savepoints. */
    private final class State {
        int committed;
        int pending;
        int now;
        List<Mark> savepoints;

        State(int value) {
            committed = pending = now = value;
        }

        State copy() {
            State s = new State(committed);
            s.pending = pending;
            s.now = now;
            s.savepoints = savepoints == null ? null : new ArrayList<>(savepoints);
            return s;
        }

        void apply(SessionStatement st, boolean failed) {
            if (st instanceof SessionStatement.Set set) {
                int v = parseVersion(set.value());
                now = v;
                if (!set.local()) {
                    pending = v;
                }
            } else if (st instanceof SessionStatement.Reset reset) {
                now = startValue;
                if (!reset.local()) {
                    pending = startValue;
                }
            } else if (st instanceof SessionStatement.ResetAll) {
                now = pending = startValue;
            } else if (st instanceof SessionStatement.Begin) {
                savepoints = null;
            } else if (st instanceof SessionStatement.Commit) {
                // COMMIT of a failed block answers ROLLBACK.
                finish(!failed);
            } else if (st instanceof SessionStatement.Rollback) {
                finish(false);
            } else if (st instanceof SessionStatement.Savepoint sp) {
                if (savepoints == null) {
                    savepoints = new ArrayList<>(2);
                }
                savepoints.add(new Mark(sp.name(), pending, now));
            } else if (st instanceof SessionStatement.Release rel) {
                int at = find(rel.name());
                if (at >= 0) {
                    savepoints.subList(at, savepoints.size()).clear();
                }
            } else if (st instanceof SessionStatement.RollbackTo to) {
                int at = find(to.name());
                if (at >= 0) {
                    Mark m = savepoints.get(at);
                    pending = m.pending();
                    now = m.now();
                    savepoints.subList(at + 1, savepoints.size()).clear();
                }
            }
        }

        void finish(boolean commit) {
            if (commit) {
                committed = pending;
            }
            pending = now = committed;
            savepoints = null;
        }

        void endTransaction(boolean error) {
            finish(!error);
        }

        private int find(String name) {
            if (savepoints == null) {
                return -1;
            }
            for (int i = savepoints.size() - 1; i >= 0; i--) {
                if (savepoints.get(i).name().equals(name)) {
                    return i;
                }
            }
            return -1;
        }
    }

    private record Mark(String name, int pending, int now) {
    }
}
