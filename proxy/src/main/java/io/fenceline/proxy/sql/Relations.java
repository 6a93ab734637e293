package io.fenceline.proxy.sql;

import java.util.List;

/**
 * A catalog as column resolution needs it: the columns of each table, in their order (what {@code *} expands
 * to). The schema package gives one per schema version, and one for what the live database may hold.
 */
public interface Relations {

    /** The columns of {@code table} in order, or null when this catalog does not know the table (not checked). */
    List<String> columns(TableName table);
}
