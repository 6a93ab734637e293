package io.fenceline.proxy.replication;

import io.fenceline.proxy.sql.StatementKind;
import io.fenceline.proxy.sql.Verdict;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which texts of a replication connection are walsender commands, and what they do to the cluster. PostgreSQL's
 * walsender ({@code exec_replication_command}) takes a text as a replication command when its first token is one
 * of the replication grammar's command keywords; any other text runs as SQL ({@code replication=database}) or is
 * refused ({@code replication=true}).
 *
 * <p>The policy, argued in docs/inspection.md ("Replication connections"):
 * <ul>
 *   <li>{@link Kind#READ_CLUSTER} — IDENTIFY_SYSTEM, TIMELINE_HISTORY, READ_REPLICATION_SLOT, START_REPLICATION
 *       (physical or logical), BASE_BACKUP, UPLOAD_MANIFEST: they read the cluster's WAL, files or catalog;</li>
 *   <li>{@link Kind#SLOT} — CREATE_REPLICATION_SLOT, DROP_REPLICATION_SLOT, ALTER_REPLICATION_SLOT: they change
 *       the cluster's own replication state, which is not replicated between clusters and holds no table row;</li>
 * </ul>
 * both are judged as an understood read without tables ({@link #VERDICT}), so they run on a writer and on a
 * non-writer, as they would on a hot standby. {@code SHOW} is a replication command too, but is left to the SQL
 * inspector (it reads a setting either way, and PostgreSQL 14 and older ran a text the replication grammar could
 * not parse as SQL, so {@code SHOW x; DELETE ...} must be judged as SQL).
 *
 * <p>Fail-closed: only a text made of one command is taken — its first token a command keyword (no leading
 * comment), at most one {@code ;}, at its end, outside quotes. Anything else is judged as SQL, where the inspector
 * does not understand it (a possible write).
 */
public final class ReplicationCommand {

    /** What a replication command does to the cluster. */
    public enum Kind {
        /** Reads the cluster: WAL, files, slots' positions, the system identifier. */
        READ_CLUSTER,
        /** Creates, drops or alters a replication slot: the cluster's own replication state, no table row. */
        SLOT
    }

    /** The verdict every replication command is judged by: understood, reads, no tables. */
    public static final Verdict VERDICT = new Verdict(StatementKind.READ, Set.of(), Set.of(), Map.of(), Set.of(), true, "");

    private static final Map<String, Kind> COMMANDS = Map.of(
            "IDENTIFY_SYSTEM", Kind.READ_CLUSTER,
            "TIMELINE_HISTORY", Kind.READ_CLUSTER,
            "READ_REPLICATION_SLOT", Kind.READ_CLUSTER,
            "START_REPLICATION", Kind.READ_CLUSTER,
            "BASE_BACKUP", Kind.READ_CLUSTER,
            "UPLOAD_MANIFEST", Kind.READ_CLUSTER,
            "CREATE_REPLICATION_SLOT", Kind.SLOT,
            "DROP_REPLICATION_SLOT", Kind.SLOT,
            "ALTER_REPLICATION_SLOT", Kind.SLOT);

    private ReplicationCommand() {
    }

    /**
     * The verdict of {@code text} sent on a session in {@code mode} when it is a replication command the walsender
     * runs, or null when it is not (a normal session, SQL, SHOW, or not one whole command): then it is inspected
     * as SQL.
     */
    public static Verdict verdict(ReplicationMode mode, String text) {
        return mode != ReplicationMode.NONE && classify(text).isPresent() ? VERDICT : null;
    }

    /** What {@code text} does when it is one replication command (see the class comment); empty otherwise. */
    public static Optional<Kind> classify(String text) {
        int i = 0;
        int n = text.length();
        while (i < n && isSpace(text.charAt(i))) {
            i++;
        }
        int start = i;
        while (i < n && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_')) {
            i++;
        }
        Kind kind = COMMANDS.get(text.substring(start, i).toUpperCase(Locale.ROOT));
        if (kind == null || !oneCommand(text, i)) {
            return Optional.empty();
        }
        return Optional.of(kind);
    }

    /** True when no {@code ;} outside quotes is followed by anything but white space, and every quote closes. */
    private static boolean oneCommand(String text, int from) {
        char quote = 0;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    // A doubled quote stays inside the literal or identifier.
                    if (i + 1 < text.length() && text.charAt(i + 1) == quote) {
                        i++;
                    } else {
                        quote = 0;
                    }
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == ';') {
                for (int k = i + 1; k < text.length(); k++) {
                    if (!isSpace(text.charAt(k))) {
                        return false;
                    }
                }
                return true;
            } else if (c == '-' && i + 1 < text.length() && text.charAt(i + 1) == '-'
                    || c == '/' && i + 1 < text.length() && text.charAt(i + 1) == '*') {
                // The replication grammar has no comments; leave such a text to the SQL inspector.
                return false;
            }
        }
        return quote == 0;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
    }
}
