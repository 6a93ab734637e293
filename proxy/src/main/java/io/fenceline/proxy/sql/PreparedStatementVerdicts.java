package io.fenceline.proxy.sql;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One connection's verdicts by prepared-statement name, so that {@code Bind}/{@code Execute} of a
 * statement prepared earlier costs a map lookup. Owned by one session and used from its event
 * loop only: not thread-safe.
 *
 * <p>Call {@link #parse} on {@code Parse} (the unnamed statement {@code ""} is replaced each time,
 * as in PostgreSQL), {@link #lookup} on {@code Bind}/{@code Describe}/{@code Execute},
 * {@link #close} on {@code Close} of a statement, {@link #clear} on {@code DISCARD ALL} or
 * {@code DEALLOCATE ALL}. At most {@code maxStatements} names are kept, least recently used
 * dropped first; a dropped name is inspected again through the shared cache when {@link #lookup}
 * misses, so the caller keeps the text it needs for that ({@link #lookup} returning empty).
 */
public final class PreparedStatementVerdicts {

    private final Inspector inspector;
    private final Map<String, Verdict> byName;
    private final Map<String, Verdict> portals = new java.util.HashMap<>();

    public PreparedStatementVerdicts(Inspector inspector, int maxStatements) {
        this.inspector = Objects.requireNonNull(inspector, "inspector");
        if (maxStatements < 1) {
            throw new IllegalArgumentException("maxStatements must be at least 1, was " + maxStatements);
        }
        this.byName = new LinkedHashMap<>(16, 0.75f, true) {
            @Override protected boolean removeEldestEntry(Map.Entry<String, Verdict> eldest) {
                return size() > maxStatements;
            }
        };
    }

    /** Inspects the text of a {@code Parse} message and remembers the verdict under its name. */
    public Verdict parse(String name, String sql) {
        Verdict v = inspector.inspectStatement(sql);
        byName.put(name, v);
        return v;
    }

    /** Remembers {@code verdict} (already inspected) under statement {@code name}. */
    public void prepared(String name, Verdict verdict) {
        byName.put(name, verdict);
    }

    /** The verdict of statement {@code name}, or null when unknown. */
    public Verdict statement(String name) {
        return byName.get(name);
    }

    /**
     * A {@code Bind} created {@code portal} from {@code statement}: later Executes of the portal get the
     * statement's verdict, or a not-understood one when the statement is unknown.
     */
    public void bind(String portal, String statement) {
        Verdict v = byName.get(statement);
        portals.put(portal, v != null ? v : Verdict.unknown("statement \"" + statement + "\" was prepared before the proxy saw it"));
    }

    /** The verdict of the statement {@code portal} was bound from, or null when the portal is unknown. */
    public Verdict portal(String portal) {
        return portals.get(portal);
    }

    /** Close of a portal. */
    public void closePortal(String portal) {
        portals.remove(portal);
    }

    /** The transaction ended (ReadyForQuery 'I'): PostgreSQL has dropped every portal. */
    public void transactionEnded() {
        if (!portals.isEmpty()) {
            portals.clear();
        }
    }

    /** The verdict of a statement prepared under {@code name}, if still known. */
    public Optional<Verdict> lookup(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public void close(String name) {
        byName.remove(name);
    }

    public void clear() {
        byName.clear();
        portals.clear();
    }

    public int size() {
        return byName.size();
    }
}
