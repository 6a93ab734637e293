package io.fenceline.control.lint;

import java.util.Map;

/**
 * Row counts of the tables that existed when a step started, counted on the scratch database up to a cap.
 * A table created during the step counts as empty.
 *
 * @param rows   relation id to rows (at most {@code cap})
 * @param cap    counting stopped here
 * @param assume treat every counted table as non-empty, whatever its rows
 */
public record TableSizes(Map<String, Long> rows, long cap, boolean assume) {

    public TableSizes {
        rows = Map.copyOf(rows);
    }

    /** True if the table existed at the start of the step and holds (or is assumed to hold) rows. */
    public boolean nonEmpty(String relationId) {
        Long count = rows.get(relationId);
        return count != null && (assume || count > 0);
    }

    /** Rows counted (capped), or 0 for a table created in the step. */
    public long rowsOf(String relationId) {
        return rows.getOrDefault(relationId, 0L);
    }

    /** How reports describe a table's size. */
    public String describe(String relationId) {
        Long count = rows.get(relationId);
        if (count == null) {
            return "created in this step";
        }
        String counted = count >= cap ? "at least " + cap + " rows" : count + " rows";
        return assume && count == 0 ? "assumed non-empty (scratch copy has 0 rows)" : counted + " on scratch";
    }
}
