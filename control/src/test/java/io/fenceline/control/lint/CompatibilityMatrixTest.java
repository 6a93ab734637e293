package io.fenceline.control.lint;

import io.fenceline.config.manifest.Manifest;
import io.fenceline.config.manifest.ManifestOptions;
import io.fenceline.config.manifest.Phase;
import io.fenceline.config.manifest.PhaseName;
import io.fenceline.control.lint.SchemaWalk.State;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The matrix and the window rules on hand-made schema shapes (the SQL of the manifests is not run here; the shapes
 * are what the scratch database would show after each phase): the demo's two versions, where it holds, and three
 * plans where an application version in use has no compatible schema.
 */
class CompatibilityMatrixTest {

    private static final Phase SQL = new Phase("SELECT 1", null);

    private static Manifest manifest(int version, boolean expand, boolean backfill, boolean contract) {
        return Manifest.of(version, "test", expand ? SQL : null, backfill ? SQL : null, contract ? SQL : null,
                ManifestOptions.NONE, "V" + version + ".yaml");
    }

    private static SchemaShape orders(String... columns) {
        Map<String, String> cols = new LinkedHashMap<>();
        for (String c : columns) {
            String[] nameType = c.split(":");
            cols.put(nameType[0], nameType[1]);
        }
        return new SchemaShape(Map.of("public.orders", cols));
    }

    private static final SchemaShape DEMO_V0 = orders("id:bigint", "customer:text", "amount_cents:bigint");
    private static final SchemaShape DEMO_V1 = orders("id:bigint", "customer:text", "amount_cents:bigint",
            "amount:numeric(12,2)");
    private static final SchemaShape DEMO_V2 = orders("id:bigint", "customer:text", "amount:numeric(12,2)");

    @Test
    void theDemosMigrationKeepsEveryApplicationOnACompatibleSchema() {
        // V1: expand adds amount, backfill fills it; V2: contract drops amount_cents.
        List<Manifest> run = List.of(manifest(1, true, true, false), manifest(2, false, false, true));
        Map<State, SchemaShape> shapes = new LinkedHashMap<>();
        shapes.put(new State(0, null), DEMO_V0);
        shapes.put(new State(1, PhaseName.EXPAND), DEMO_V1);
        shapes.put(new State(1, PhaseName.BACKFILL), DEMO_V1);
        shapes.put(new State(2, PhaseName.CONTRACT), DEMO_V2);
        CompatibilityMatrix m = CompatibilityMatrix.of(0, run, shapes);

        assertTrue(m.holds(), () -> String.join("\n", m.lines()));
        assertEquals(List.of(0, 1, 2), m.apps());
        assertEquals(List.of("V0: 0", "V1 expand: 0 1 2", "V1 backfill: 0 1 2", "V2 contract: 2"),
                m.rows().stream().map(r -> r.state().label() + ":" + m.apps().stream().filter(r::runs)
                        .map(a -> " " + a).reduce("", String::concat)).toList());
        assertEquals(List.of("column public.orders.amount_cents does not exist"),
                m.rows().get(3).reasons().get(1), "app V1 was built with amount_cents, so V2's contract waits for it to drain");
        assertEquals(List.of("V1 expand {0} [0]", "V1 backfill {0} [0]", "V1 window-widened {0, 1} [0, 1]", "V1 done {1} [1]",
                        "V2 window-widened {1, 2} [1, 2]", "V2 contract {1, 2} [2]", "V2 done {2} [2]"),
                m.phases().stream().map(p -> "V" + p.version() + " " + p.phase() + " " + p.window() + " " + p.inUse())
                        .toList());
    }

    @Test
    void anExpandThatDropsAColumnTheOldApplicationUsesIsRefusedNamingVersionAndPhase() {
        List<Manifest> run = List.of(manifest(1, true, false, false));
        Map<State, SchemaShape> shapes = Map.of(new State(0, null), DEMO_V0,
                new State(1, PhaseName.EXPAND), orders("id:bigint", "customer:text"));
        CompatibilityMatrix m = CompatibilityMatrix.of(0, run, shapes);
        assertFalse(m.holds());
        assertEquals("application version 0 has no compatible schema during expand of V1: at V1 expand column"
                + " public.orders.amount_cents does not exist", m.problems().get(0).toString());
        assertTrue(m.lines().stream().anyMatch(l -> l.contains("V1 expand") && l.endsWith("NO COMPATIBLE SCHEMA")),
                () -> String.join("\n", m.lines()));
    }

    @Test
    void aColumnAddedOnlyInContractLeavesTheNewApplicationWithoutASchemaWhileTheWindowIsWide() {
        // V1 adds "note" in contract: app V1 needs it, but runs from the widening on, before contract.
        List<Manifest> run = List.of(manifest(1, true, false, true));
        Map<State, SchemaShape> shapes = Map.of(new State(0, null), DEMO_V0,
                new State(1, PhaseName.EXPAND), DEMO_V1,
                new State(1, PhaseName.CONTRACT), orders("id:bigint", "customer:text", "amount_cents:bigint",
                        "amount:numeric(12,2)", "note:text"));
        CompatibilityMatrix m = CompatibilityMatrix.of(0, run, shapes);
        assertEquals(List.of("application version 1 has no compatible schema during window-widened of V1: at V1"
                        + " expand column public.orders.note does not exist",
                "application version 1 has no compatible schema during contract of V1: at V1 expand column"
                        + " public.orders.note does not exist"),
                m.problems().stream().map(Object::toString).toList());
    }

    @Test
    void aTypeChangeInBackfillBreaksTheApplicationStillInUse() {
        List<Manifest> run = List.of(manifest(1, true, true, false));
        Map<State, SchemaShape> shapes = Map.of(new State(0, null), DEMO_V0,
                new State(1, PhaseName.EXPAND), DEMO_V0,
                new State(1, PhaseName.BACKFILL), orders("id:bigint", "customer:text", "amount_cents:numeric"));
        CompatibilityMatrix m = CompatibilityMatrix.of(0, run, shapes);
        // Backfill, and the widened window after it, where V0's applications are still connected.
        assertEquals(List.of("application version 0 has no compatible schema during backfill of V1: at V1 backfill"
                        + " column public.orders.amount_cents is numeric, not bigint",
                "application version 0 has no compatible schema during window-widened of V1: at V1 backfill"
                        + " column public.orders.amount_cents is numeric, not bigint"),
                m.problems().stream().map(Object::toString).toList());
    }
}
