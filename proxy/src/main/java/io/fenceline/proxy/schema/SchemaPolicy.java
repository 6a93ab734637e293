package io.fenceline.proxy.schema;

import io.fenceline.config.file.SchemaSettings;
import io.fenceline.config.records.Window;
import io.fenceline.proxy.policy.Decision;
import io.fenceline.proxy.policy.SessionFacts;
import io.fenceline.proxy.policy.StatementPolicy;
import io.fenceline.proxy.sql.Resolution;
import io.fenceline.proxy.sql.StatementKind;
import io.fenceline.proxy.sql.TableName;
import io.fenceline.proxy.sql.Verdict;

import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Judges each statement against the connection's schema version, in this order (the first refusal wins):
 * <ol>
 *   <li>control's role passes everything, and so does every {@link Point#COMMIT};</li>
 *   <li>at a transaction boundary (the connection is idle, status 'I') a connection whose version is outside
 *       the window is refused with 08004 — mid-transaction it goes on, so a window move never breaks a
 *       running transaction; {@code SET}/{@code RESET}/{@code SHOW} stay allowed so it can declare another;</li>
 *   <li>DDL is refused with 42501;</li>
 *   <li>a statement the inspector did not fully understand follows {@code schema.notUnderstood}: {@code reads}
 *       when it starts like a query, {@code ddl} otherwise (0A000 when refused, counted when allowed);</li>
 *   <li>every table read or written must exist in the version's catalog (42P01), and every column reference,
 *       resolved as PostgreSQL resolves it with the version's catalog ({@code *} expanded to the version's
 *       columns), must exist there (42703; positional INSERTs and set operations that the version's columns
 *       do not fill: 42601; ORDER BY / GROUP BY positions past the select list: 42P10) and reach the same column
 *       in the live database's catalog, every version of the window together ({@link SchemaView#live()});
 *       the hint names the version that has it.</li>
 * </ol>
 * System relations ({@code pg_catalog}, {@code information_schema}, unqualified {@code pg_*} names) are not
 * checked. A version whose catalog is not published is not checked either (counted as unchecked). Reads one
 * volatile {@link SchemaView}; allocates only to refuse.
 */
final class SchemaPolicy implements StatementPolicy {

    /** Columns every table has. */
    private static final Set<String> SYSTEM_COLUMNS = Set.of("*", "ctid", "xmin", "xmax", "cmin", "cmax", "tableoid");

    private final SchemaEnforcement owner;
    private final SchemaSettings settings;

    SchemaPolicy(SchemaEnforcement owner) {
        this.owner = owner;
        this.settings = owner.settings();
    }

    @Override
    public Decision decide(Point point, Verdict verdict, SessionFacts session) {
        if (point == Point.COMMIT || settings.controlRole().equals(session.startupParameter("user"))) {
            // A commit ends work this policy already let run: refusing it would cut a transaction in the middle.
            return Decision.ALLOW;
        }
        SchemaView view = owner.view();
        Window w = view.window();
        OptionalInt declared = session.schemaVersion();
        boolean sessionStatement = verdict.understood() && verdict.kind() == StatementKind.SESSION
                && verdict.tablesRead().isEmpty();
        if (session.transactionStatus() == 'I' && !sessionStatement) {
            if (declared.isEmpty() && settings.undeclared() == SchemaSettings.Undeclared.REFUSE) {
                return owner.refuse(Refusal.UNDECLARED, new Decision.Deny(SchemaEnforcement.OUTSIDE_WINDOW,
                        "the connection declares no schema version and the proxy requires one",
                        "SET fenceline.schema_version = N (the version the application was built for)"));
            }
            if (declared.isPresent() && w != null && !w.contains(declared.getAsInt())) {
                return owner.refuse(Refusal.OUTSIDE_WINDOW, owner.outsideWindow(declared.getAsInt(), w, "the connection"));
            }
        }
        if (verdict.understood() && verdict.kind() == StatementKind.DDL) {
            return owner.refuse(Refusal.DDL, new Decision.Deny(SchemaEnforcement.INSUFFICIENT_PRIVILEGE,
                    "schema changes are reserved to control's role \"" + settings.controlRole() + "\"; role \""
                            + session.startupParameter("user") + "\" may not run DDL through the proxy",
                    "put the change in a migration manifest and apply it with the migration workflow (fenceline apply)"));
        }
        if (!verdict.understood()) {
            if (point == Point.FUNCTION_CALL) {
                owner.metrics().schemaUnchecked("function_call");
                return Decision.ALLOW;
            }
            boolean readLike = verdict.kind() == StatementKind.READ;
            SchemaSettings.Action action = readLike ? settings.notUnderstood().reads() : settings.notUnderstood().ddl();
            if (action == SchemaSettings.Action.REFUSE) {
                return owner.refuse(Refusal.NOT_UNDERSTOOD, new Decision.Deny(SchemaEnforcement.NOT_SUPPORTED,
                        "the proxy cannot check this statement against the connection's schema version: "
                                + verdict.detail(),
                        readLike ? "schema.not_understood.reads is refuse: rewrite the query, or allow such reads"
                                : "statements that may change the schema go through the migration workflow"));
            }
            owner.metrics().schemaUnchecked("not_understood");
            return Decision.ALLOW;
        }
        if (declared.isEmpty()) {
            return Decision.ALLOW;
        }
        int version = declared.getAsInt();
        SchemaView.Index catalog = view.catalog(version);
        if (catalog == null) {
            if (!verdict.tablesRead().isEmpty() || !verdict.tablesWritten().isEmpty()) {
                owner.metrics().schemaUnchecked("no_catalog");
            }
            return Decision.ALLOW;
        }
        if (catalog.passed(verdict)) {
            return Decision.ALLOW;
        }
        Decision d = tables(verdict.tablesRead(), catalog, view);
        if (d != null) {
            return d;
        }
        d = tables(verdict.tablesWritten(), catalog, view);
        if (d != null) {
            return d;
        }
        Resolution r = verdict.resolveColumns(catalog, view.live());
        if (r instanceof Resolution.Refused refusal) {
            return refuseColumn(refusal, view, version);
        }
        if (r instanceof Resolution.Unchecked) {
            d = columnMap(verdict, catalog, view, version);
            if (d != null) {
                return d;
            }
        }
        catalog.pass(verdict);
        return Decision.ALLOW;
    }

    /** A reference the resolver refused: PostgreSQL's code, with the version that has the column as a hint. */
    private Decision refuseColumn(Resolution.Refused r, SchemaView view, int version) {
        String hint = r.table() != null && r.column() != null ? columnHint(view, version, r.table(), r.column())
                : "the statement names the columns it uses only through names of schema version " + version
                        + " (no * or positions that reach further)";
        return owner.refuse(Refusal.COLUMN, new Decision.Deny(r.sqlState(), r.message() + " in schema version "
                + version, hint));
    }

    /** The check of a verdict without a parse tree: each column its map resolved to a table. */
    private Decision columnMap(Verdict verdict, SchemaView.Index catalog, SchemaView view, int version) {
        for (Map.Entry<TableName, Set<String>> e : verdict.columns().entrySet()) {
            TableName t = e.getKey();
            Set<String> known = catalog.columns(t.schema(), t.name());
            if (known == null) {
                continue;
            }
            for (String column : e.getValue()) {
                if (!known.contains(column) && !SYSTEM_COLUMNS.contains(column)) {
                    return owner.refuse(Refusal.COLUMN, new Decision.Deny(SchemaEnforcement.UNDEFINED_COLUMN,
                            "column \"" + column + "\" of relation \"" + t + "\" does not exist in schema version "
                                    + version, columnHint(view, version, t, column)));
                }
            }
        }
        return null;
    }

    private Decision tables(Set<TableName> tables, SchemaView.Index catalog, SchemaView view) {
        if (tables.isEmpty()) {
            return null;
        }
        for (TableName t : tables) {
            if (system(t) || catalog.columns(t.schema(), t.name()) != null) {
                continue;
            }
            return owner.refuse(Refusal.TABLE, new Decision.Deny(SchemaEnforcement.UNDEFINED_TABLE,
                    "relation \"" + t + "\" does not exist in schema version " + catalog.version(),
                    tableHint(view, catalog.version(), t)));
        }
        return null;
    }

    static boolean system(TableName t) {
        String s = t.schema();
        if (s == null) {
            return t.name().startsWith("pg_");
        }
        return s.equals("pg_catalog") || s.equals("information_schema") || s.startsWith("pg_temp") || s.equals("pg_toast");
    }

    private static String tableHint(SchemaView view, int version, TableName t) {
        for (int v : view.versions()) {
            if (v != version && view.catalog(v).columns(t.schema(), t.name()) != null) {
                return "relation \"" + t + "\" exists in schema version " + v
                        + "; a connection declares its version with fenceline.schema_version";
            }
        }
        return "no published schema version has relation \"" + t + "\"";
    }

    private static String columnHint(SchemaView view, int version, TableName t, String column) {
        for (int v : view.versions()) {
            Set<String> cols = v == version ? null : view.catalog(v).columns(t.schema(), t.name());
            if (cols != null && cols.contains(column)) {
                return "column \"" + column + "\" of relation \"" + t + "\" exists in schema version " + v
                        + "; a connection declares its version with fenceline.schema_version";
            }
        }
        return "no published schema version has column \"" + column + "\" in relation \"" + t + "\"";
    }
}
