package io.fenceline.proxy.sql;

import java.util.List;
import java.util.Set;

/**
 * A catalog as column resolution needs it: the columns of each table, in their order (what {@code *} expands
 * to). The schema package gives one per schema version, and one for what the live database may hold.
 */
public interface Relations {

    /** The columns of {@code table} in order, or null when this catalog does not know the table (not checked). */
    List<String> columns(TableName table);

    /**
     * The schemas ({@code public} included) that have a table called {@code name}: which one an unqualified
     * reference means is the session's search_path's choice.
     */
    List<String> schemasOf(String name);

    /**
     * Column names that the live database may give some table and no table of this catalog has (for a version's
     * catalog; empty for the live one): what a reference may not name where it may reach an item whose columns
     * are unknown (a function in FROM), since PostgreSQL could find such a column there.
     */
    Set<String> namesOutside();
}
