package io.fenceline.control.lint;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What differs between two catalog snapshots: objects added, removed and changed. Storage
 * ({@code relfilenode}) is not part of an object's definition; rewrites are reported separately.
 *
 * @param added   objects only in the second snapshot
 * @param removed objects only in the first snapshot
 * @param changed objects in both whose attributes differ
 */
public record CatalogDiff(List<CatalogObject> added, List<CatalogObject> removed, List<ObjectChange> changed) {

    public CatalogDiff {
        added = List.copyOf(added);
        removed = List.copyOf(removed);
        changed = List.copyOf(changed);
    }

    /** Diff by object identity, so a rename shows as a change of the {@code name} attribute. */
    public static CatalogDiff byIdentity(CatalogSnapshot before, CatalogSnapshot after) {
        return diff(before.objects(), after.objects(), Set.of());
    }

    /**
     * Diff by qualified name, ignoring positions: for comparing a catalog with one the down SQL rebuilt,
     * where re-created objects have new ids and a re-added column comes last.
     */
    public static CatalogDiff byName(CatalogSnapshot before, CatalogSnapshot after) {
        return diff(before.byName(), after.byName(), CatalogObject.POSITIONAL);
    }

    private static CatalogDiff diff(Map<String, CatalogObject> before, Map<String, CatalogObject> after,
                                    Set<String> ignored) {
        List<CatalogObject> added = new ArrayList<>();
        List<CatalogObject> removed = new ArrayList<>();
        List<ObjectChange> changed = new ArrayList<>();
        for (Map.Entry<String, CatalogObject> entry : after.entrySet()) {
            CatalogObject old = before.get(entry.getKey());
            if (old == null) {
                added.add(entry.getValue());
                continue;
            }
            Map<String, ObjectChange.Change> changes = new LinkedHashMap<>();
            Set<String> names = new java.util.TreeSet<>(old.attributes().keySet());
            names.addAll(entry.getValue().attributes().keySet());
            for (String name : names) {
                if (ignored.contains(name)) {
                    continue;
                }
                String was = old.attribute(name);
                String now = entry.getValue().attribute(name);
                if (!was.equals(now)) {
                    changes.put(name, new ObjectChange.Change(was, now));
                }
            }
            if (!changes.isEmpty()) {
                changed.add(new ObjectChange(old, entry.getValue(), changes));
            }
        }
        for (Map.Entry<String, CatalogObject> entry : before.entrySet()) {
            if (!after.containsKey(entry.getKey())) {
                removed.add(entry.getValue());
            }
        }
        return new CatalogDiff(added, removed, changed);
    }

    /** True if nothing differs. */
    public boolean isEmpty() {
        return added.isEmpty() && removed.isEmpty() && changed.isEmpty();
    }

    /** One line per difference: {@code + table public.t}, {@code - column public.t.a}, {@code ~ ...}. */
    public List<String> lines() {
        List<String> lines = new ArrayList<>();
        added.forEach(o -> lines.add("+ " + o.label()));
        removed.forEach(o -> lines.add("- " + o.label()));
        changed.forEach(c -> lines.add("~ " + c.describe()));
        return lines;
    }
}
