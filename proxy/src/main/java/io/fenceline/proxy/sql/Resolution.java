package io.fenceline.proxy.sql;

/**
 * The outcome of resolving a statement's column references against a schema version's catalog
 * ({@link Verdict#resolveColumns}).
 */
public sealed interface Resolution {

    /** Every reference resolved in the version, and to the same column PostgreSQL picks in the live database. */
    Resolution RESOLVED = new Resolved();

    /** The verdict carries no parse tree (a statement classified without a parse): only its column map is known. */
    Resolution UNCHECKED = new Unchecked();

    /** See {@link #RESOLVED}. */
    record Resolved() implements Resolution {}

    /** See {@link #UNCHECKED}. */
    record Unchecked() implements Resolution {}

    /**
     * A reference the version cannot satisfy.
     *
     * @param sqlState PostgreSQL's code for it (42703, 42601, 42P10)
     * @param table    the base table the column was looked up in, or null (a subquery, or no single table)
     * @param column   the column, or null
     * @param message  what is wrong, without the version (the policy adds "in schema version N")
     */
    record Refused(String sqlState, TableName table, String column, String message) implements Resolution {}
}
