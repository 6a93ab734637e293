package io.fenceline.proxy.replication;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The walsender mode a StartupMessage asks for with its {@code replication} parameter, read as PostgreSQL reads it
 * ({@code ProcessStartupPacket}): {@code database} is logical replication, connected to a database, where the
 * walsender also runs SQL; a boolean true ({@code parse_bool}: on, true, yes, 1 and their prefixes) is physical
 * replication, where it runs replication commands only; false, or no parameter, is a normal backend. Any other
 * value PostgreSQL refuses at startup (FATAL), so the proxy reads it as {@link #NONE}: that session never starts.
 */
public enum ReplicationMode {
    /** A normal backend. */
    NONE,
    /** {@code replication=true}: replication commands only, no SQL at all. */
    PHYSICAL,
    /** {@code replication=database}: replication commands and SQL, in a database. */
    DATABASE;

    private static final Set<String> TRUE = Set.of("t", "tr", "tru", "true", "y", "ye", "yes", "on", "1");

    /** The mode of a session started with {@code startupParameters}. */
    public static ReplicationMode of(Map<String, String> startupParameters) {
        String value = startupParameters.get("replication");
        if (value == null) {
            return NONE;
        }
        String v = value.strip().toLowerCase(Locale.ROOT);
        if (v.equals("database")) {
            return DATABASE;
        }
        return TRUE.contains(v) ? PHYSICAL : NONE;
    }

    /**
     * Whether a session in this mode can run SQL, and so must be made read-only at the server while the cluster
     * may not write. A physical walsender refuses every SQL text itself ("cannot execute SQL commands in WAL
     * sender for physical replication"), so there is nothing to fence, and the proxy's hidden {@code SET} would
     * be refused too.
     */
    public boolean runsSql() {
        return this != PHYSICAL;
    }
}
