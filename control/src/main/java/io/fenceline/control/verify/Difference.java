package io.fenceline.control.verify;

/**
 * One row on which a cluster disagrees with the reference (the writer).
 *
 * @param key  the row's primary key
 * @param kind what differs
 */
public record Difference(Key key, Kind kind) {

    /** How the other cluster differs from the reference. */
    public enum Kind {
        /** The reference holds the row; the other cluster does not. */
        MISSING("missing"),
        /** The other cluster holds a row the reference does not. */
        EXTRA("extra"),
        /** Both hold the row, with different values. */
        DIFFERENT("different");

        private final String text;

        Kind(String text) {
            this.text = text;
        }

        /** The report's word. */
        public String text() {
            return text;
        }
    }
}
