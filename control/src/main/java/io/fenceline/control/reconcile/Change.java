package io.fenceline.control.reconcile;

import io.fenceline.control.verify.Key;

/**
 * One row reconcile changes (or, in a dry run, would change) on one cluster, or refuses to.
 *
 * @param cluster the cluster written
 * @param table   {@code schema.name}
 * @param key     the row's primary key
 * @param action  {@code insert} (the row was missing), {@code update} (different), {@code delete} (extra)
 * @param oldRow  the cluster's row before, as {@code to_jsonb}, or null when it had none
 * @param newRow  the source's row, as {@code to_jsonb}, or null when the source has none
 * @param refused why it is not applied, or null
 */
public record Change(String cluster, String table, Key key, String action, String oldRow, String newRow,
                     String refused) {

    /** One line: {@code us public.orders (17): update {...} -> {...}}. */
    public String describe() {
        String what = switch (action) {
            case "insert" -> "insert " + newRow;
            case "delete" -> "delete " + oldRow;
            default -> "update " + oldRow + " -> " + newRow;
        };
        return cluster + " " + table + " " + key + ": " + what + (refused == null ? "" : "  REFUSED: " + refused);
    }
}
