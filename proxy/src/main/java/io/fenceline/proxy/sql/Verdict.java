package io.fenceline.proxy.sql;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What one statement does, as the policies need to know it.
 *
 * <p>Fail-closed: when {@link #understood()} is false the kind and table sets are only what could
 * be seen, and {@link #mayWrite()} and {@link #mayBeDdl()} are true whatever the kind says. Policies
 * must decide from those two methods, never from {@link #kind()} alone.
 *
 * <p>What a verdict cannot see: functions called by a statement may write ({@code SELECT f()} where
 * {@code f} inserts). Known writing built-ins ({@code nextval}, {@code setval}, large-object
 * writers) make the statement a {@link StatementKind#WRITE}; every other function name called is
 * listed in {@link #functions()} so a policy can be stricter. The write-authority layer therefore
 * also puts the database itself into read-only mode; safety does not rest on inspection alone.
 *
 * @param kind          what the statement does
 * @param tablesRead    tables (and views) the statement reads
 * @param tablesWritten tables the statement changes (DML targets, locked rows, DDL objects that
 *                      are tables, COPY … FROM, TRUNCATE)
 * @param columns       columns referenced per table, where the reference could be resolved to a
 *                      table without a catalog; {@code "*"} for a star
 * @param functions     names of functions called (lower-cased, schema-qualified when written so)
 * @param understood    true when the whole statement was classified (and parsed where needed)
 * @param detail        why it was not understood; empty when understood
 */
public record Verdict(StatementKind kind, Set<TableName> tablesRead, Set<TableName> tablesWritten,
        Map<TableName, Set<String>> columns, Set<String> functions, boolean understood, String detail) {

    public Verdict {
        Objects.requireNonNull(kind, "kind");
        tablesRead = Set.copyOf(tablesRead);
        tablesWritten = Set.copyOf(tablesWritten);
        columns = columns instanceof ColumnReferences ? columns : Map.copyOf(columns);
        functions = Set.copyOf(functions);
        Objects.requireNonNull(detail, "detail");
    }

    /** A fully understood verdict without table references. */
    static Verdict of(StatementKind kind) {
        return new Verdict(kind, Set.of(), Set.of(), Map.of(), Set.of(), true, "");
    }

    /**
     * The verdict of a statement whose text the proxy never saw (for instance an Execute of a portal whose
     * Parse preceded the proxy's bookkeeping): not understood, so a possible write and a possible DDL.
     */
    public static Verdict unknown(String detail) {
        return notUnderstood(detail);
    }

    /** A verdict for text that could not be understood: a possible write and a possible DDL. */
    static Verdict notUnderstood(String detail) {
        return notUnderstood(StatementKind.OTHER, detail);
    }

    /**
     * Not understood, though it looks like {@code apparent} (a text starting with {@code SELECT} that did not
     * parse is {@link StatementKind#READ}): still a possible write and DDL, but a policy may treat read-like
     * texts differently (the schema policy's {@code notUnderstood.reads}).
     */
    static Verdict notUnderstood(StatementKind apparent, String detail) {
        return new Verdict(apparent, Set.of(), Set.of(), Map.of(), Set.of(), false,
                detail.isEmpty() ? "not understood" : detail);
    }

    /** True unless the statement is understood and only reads, controls the transaction or sets
     * session state. */
    public boolean mayWrite() {
        return !understood || kind == StatementKind.WRITE || kind == StatementKind.DDL
                || kind == StatementKind.OTHER;
    }

    /** True when the statement is DDL, is opaque code, or was not understood. */
    public boolean mayBeDdl() {
        return !understood || kind == StatementKind.DDL || kind == StatementKind.OTHER;
    }

    /**
     * Resolves the statement's column references as PostgreSQL would on a database holding {@code version}'s
     * catalog, and checks that the live database's catalog ({@code live}: every column a table may have there)
     * resolves each to the same column ({@link Resolver}). {@link Resolution#UNCHECKED} when the verdict was made
     * without a parse (then only {@link #columns()} is known).
     */
    public Resolution resolveColumns(Relations version, Relations live) {
        return columns instanceof ColumnReferences c ? Resolver.check(c.tree(), version, live) : Resolution.UNCHECKED;
    }

    /** Every table the statement references, read or written. */
    public Set<TableName> tables() {
        if (tablesWritten.isEmpty()) {
            return tablesRead;
        }
        Set<TableName> all = new TreeSet<>(tablesRead);
        all.addAll(tablesWritten);
        return Collections.unmodifiableSet(all);
    }
}
