package io.fenceline.control.lint;

import io.fenceline.config.manifest.Manifest;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Computes the {@link CompatibilityMatrix} of a run on the scratch database (which holds the baseline schema). */
public final class Compatibility {

    /** The matrix, or the phase the scratch database refused (no matrix then). */
    public sealed interface Result {
        /** Every state was reached. */
        record Computed(CompatibilityMatrix matrix) implements Result {}

        /** A phase failed on the scratch database; lint says more. */
        record PhaseFailed(SchemaWalk.State state, String error) implements Result {}
    }

    private Compatibility() {
    }

    /**
     * Walks {@code manifests} from {@code baseline} on {@code scratch}, takes each state's shape, and derives the
     * matrix.
     *
     * @throws SQLException when the scratch database cannot be reached or fails a catalog query
     */
    public static Result of(ScratchDatabase scratch, int baseline, List<Manifest> manifests) throws SQLException {
        Map<SchemaWalk.State, SchemaShape> shapes = new LinkedHashMap<>();
        SchemaWalk.Outcome outcome = new SchemaWalk(scratch, LintOptions.DEFAULTS).walk(baseline, manifests,
                (state, c) -> shapes.put(state, SchemaShape.of(CatalogSnapshot.take(c))));
        if (!outcome.complete()) {
            return new Result.PhaseFailed(outcome.failedAt(), outcome.error());
        }
        return new Result.Computed(CompatibilityMatrix.of(baseline, manifests, shapes));
    }
}
