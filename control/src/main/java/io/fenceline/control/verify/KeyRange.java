package io.fenceline.control.verify;

/**
 * The rows whose key is greater than {@code after} and at most {@code upTo}, in the table's key order; a null
 * bound is open ({@code (−∞, upTo]}, {@code (after, +∞)}). Ranges are the same on every cluster, since they are
 * defined by key values, not by the rows a cluster holds.
 */
public record KeyRange(Key after, Key upTo) {

    /** Every row. */
    public static final KeyRange ALL = new KeyRange(null, null);

    @Override
    public String toString() {
        return "(" + (after == null ? "-inf" : after) + ", " + (upTo == null ? "+inf)" : upTo + "]");
    }
}
