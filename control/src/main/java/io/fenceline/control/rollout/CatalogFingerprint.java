package io.fenceline.control.rollout;

import io.fenceline.control.lint.CatalogDiff;
import io.fenceline.control.lint.CatalogObject;
import io.fenceline.control.lint.CatalogSnapshot;
import io.fenceline.control.lint.ObjectKind;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A cluster's live catalog reduced to what must be equal across clusters at the same version: every user
 * object by qualified name with its definition (positions, oids and storage left out), without control's own
 * {@code fenceline} schema and the proxies' fence triggers. Its SHA-256 is the checksum acks carry and the published catalog records.
 *
 * @param snapshot the catalog without the {@code fenceline} schema
 * @param checksum hex SHA-256 over the sorted object lines
 */
public record CatalogFingerprint(CatalogSnapshot snapshot, String checksum) {

    /** Reads the live catalog through {@code c}. */
    public static CatalogFingerprint take(Connection c) throws SQLException {
        CatalogSnapshot all = CatalogSnapshot.take(c);
        List<CatalogObject> kept = new ArrayList<>();
        for (CatalogObject o : all.objects().values()) {
            if (!ours(o)) {
                kept.add(o);
            }
        }
        CatalogSnapshot snapshot = CatalogSnapshot.of(kept);
        return new CatalogFingerprint(snapshot, checksum(snapshot));
    }

    /**
     * Control's schema, and the proxies' database-fence triggers ({@code fenceline_fence} on every table, put
     * there by each proxy on its own schedule: a new table gets its trigger up to a second after it was created,
     * so counting them would make clusters differ at random).
     */
    private static boolean ours(CatalogObject o) {
        return o.display().equals("fenceline") || o.display().startsWith("fenceline.")
                || (o.kind() == ObjectKind.TRIGGER && o.display().endsWith("." + FENCE_TRIGGER));
    }

    /** The trigger name {@code io.fenceline.proxy.fence.TableTriggers} uses (control does not import the proxy). */
    static final String FENCE_TRIGGER = "fenceline_fence";

    private static String checksum(CatalogSnapshot snapshot) {
        TreeMap<String, String> lines = new TreeMap<>();
        for (Map.Entry<String, CatalogObject> e : snapshot.byName().entrySet()) {
            TreeMap<String, String> attributes = new TreeMap<>(e.getValue().attributes());
            attributes.remove("position");
            lines.put(e.getKey(), attributes.toString());
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            lines.forEach((k, v) -> {
                sha.update(k.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(v.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) '\n');
            });
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    /** What {@code live} has that differs from this (expected) catalog, by name. */
    public CatalogDiff diffTo(CatalogFingerprint live) {
        return CatalogDiff.byName(snapshot, live.snapshot);
    }

    /**
     * Tables and their columns in column order, as the proxies' catalog record wants them: tables of schema
     * {@code public} by bare name, others qualified.
     */
    public Map<String, List<String>> tables() {
        Map<String, List<String>> tables = new TreeMap<>();
        Map<String, TreeMap<Integer, String>> ordered = new TreeMap<>();
        Map<String, String> relationNames = new TreeMap<>();
        for (CatalogObject o : snapshot.objects().values()) {
            if (o.kind() == ObjectKind.TABLE || o.kind() == ObjectKind.PARTITIONED_TABLE
                    || o.kind() == ObjectKind.VIEW || o.kind() == ObjectKind.MATERIALIZED_VIEW) {
                relationNames.put(o.id(), o.display());
            }
        }
        for (CatalogObject o : snapshot.objects().values()) {
            if (o.kind() == ObjectKind.COLUMN && relationNames.containsKey(o.relationId())) {
                String table = relationNames.get(o.relationId());
                int position = Integer.parseInt(o.attribute("position"));
                ordered.computeIfAbsent(table, t -> new TreeMap<>()).put(position, o.attribute("name"));
            }
        }
        relationNames.values().forEach(t -> ordered.computeIfAbsent(t, x -> new TreeMap<>()));
        ordered.forEach((table, columns) -> tables.put(table.startsWith("public.") ? table.substring(7) : table,
                List.copyOf(columns.values())));
        return tables;
    }
}
