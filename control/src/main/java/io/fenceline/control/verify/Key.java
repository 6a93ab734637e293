package io.fenceline.control.verify;

import java.util.List;

/**
 * A primary-key value: the text of each key column, in key order ({@code col::text}). Two clusters holding the
 * same row give the same text, since verify pins the settings that change how values print (time zone, date
 * style, float digits, bytea output).
 */
public record Key(List<String> values) {

    public Key {
        values = List.copyOf(values);
    }

    /** A one-column key. */
    public static Key of(String... values) {
        return new Key(List.of(values));
    }

    @Override
    public String toString() {
        return values.size() == 1 ? values.get(0) : "(" + String.join(", ", values) + ")";
    }
}
