package io.fenceline.control.lint;

import java.util.Map;

/**
 * An object present before and after whose definition changed.
 *
 * @param before  the object before
 * @param after   the object after
 * @param changes attribute name to {@code [before, after]}
 */
public record ObjectChange(CatalogObject before, CatalogObject after, Map<String, Change> changes) {

    /** One attribute's old and new value. */
    public record Change(String before, String after) {
        @Override
        public String toString() {
            return show(before) + " -> " + show(after);
        }

        private static String show(String value) {
            return value.isEmpty() ? "(none)" : value;
        }
    }

    public ObjectChange {
        changes = Map.copyOf(changes);
    }

    /** True if this attribute changed. */
    public boolean changed(String attribute) {
        return changes.containsKey(attribute);
    }

    /** {@code column public.t.a: type integer -> bigint; not null false -> true}. */
    public String describe() {
        StringBuilder out = new StringBuilder(after.label()).append(':');
        String separator = " ";
        for (Map.Entry<String, Change> change : new java.util.TreeMap<>(changes).entrySet()) {
            out.append(separator).append(change.getKey()).append(' ').append(change.getValue());
            separator = "; ";
        }
        return out.toString();
    }
}
