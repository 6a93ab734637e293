package io.fenceline.control.lint;

import java.util.Map;
import java.util.Objects;

/**
 * One object of a catalog snapshot.
 *
 * @param id         identity that survives renames within a transaction ({@code rel:16384},
 *                   {@code col:16384:3}, ...): used to diff one statement
 * @param nameKey    identity by name ({@code column public.users.email}): used to compare a catalog
 *                   with one rebuilt by the down SQL, where object ids differ
 * @param kind       what it is
 * @param display    how reports name it ({@code public.users.email})
 * @param relationId the id of the relation it belongs to (columns, indexes, constraints, triggers), or null
 * @param storage    {@code pg_class.relfilenode} for relations with storage, else 0
 * @param attributes its definition: what a diff compares (type, nullability, default, definition, ...)
 */
public record CatalogObject(String id, String nameKey, ObjectKind kind, String display, String relationId,
                            long storage, Map<String, String> attributes) {

    /** Attributes that describe where an object sits rather than what it is; a rebuilt object may differ. */
    static final java.util.Set<String> POSITIONAL = java.util.Set.of("position");

    public CatalogObject {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(nameKey, "nameKey");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(display, "display");
        attributes = Map.copyOf(attributes);
    }

    /** One attribute, or the empty string. */
    public String attribute(String name) {
        return attributes.getOrDefault(name, "");
    }

    /** True if {@link #attribute} is {@code "true"}. */
    public boolean flag(String name) {
        return "true".equals(attributes.get(name));
    }

    /** {@code column public.users.email}. */
    public String label() {
        return kind.label() + " " + display;
    }
}
