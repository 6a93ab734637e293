package io.fenceline.control.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fenceline.config.manifest.Manifest;
import io.fenceline.control.lint.Compatibility;
import io.fenceline.control.lint.CompatibilityMatrix;
import io.fenceline.control.lint.ScratchDatabase;

import java.io.PrintWriter;
import java.sql.SQLException;
import java.util.List;

/**
 * The compatibility matrix as {@code plan} prints it and as {@code apply} checks it before anything runs: computed
 * on the scratch database, which must hold the schema at {@code baseline}.
 */
final class MatrixOutput {

    private MatrixOutput() {
    }

    /** The matrix, or null after printing why there is none (phase refused, scratch unreachable) to {@code err}. */
    static CompatibilityMatrix compute(String verb, String scratchUrl, int baseline, List<Manifest> manifests,
                                       PrintWriter err) {
        ScratchDatabase scratch = ScratchDatabase.of(scratchUrl);
        Compatibility.Result result;
        try {
            result = Compatibility.of(scratch, baseline, manifests);
        } catch (SQLException e) {
            err.println("fenceline " + verb + ": cannot compute the compatibility matrix on the scratch database "
                    + scratch.describe() + ": [" + e.getSQLState() + "] " + e.getMessage());
            return null;
        }
        if (result instanceof Compatibility.Result.PhaseFailed f) {
            err.println("fenceline " + verb + ": no compatibility matrix: " + f.state().label()
                    + " fails on the scratch database (which must hold V" + baseline + "): " + f.error()
                    + "; run fenceline lint for details");
            return null;
        }
        return ((Compatibility.Result.Computed) result).matrix();
    }

    static ObjectNode json(CompatibilityMatrix matrix) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("holds", matrix.holds());
        ArrayNode rows = root.putArray("states");
        for (CompatibilityMatrix.Row r : matrix.rows()) {
            ObjectNode row = rows.addObject().put("state", r.state().label());
            ObjectNode apps = row.putObject("applications");
            r.reasons().forEach((app, why) -> {
                ObjectNode a = apps.putObject(Integer.toString(app)).put("runs", why.isEmpty());
                ArrayNode reasons = a.putArray("reasons");
                why.forEach(reasons::add);
            });
        }
        ArrayNode phases = root.putArray("phases");
        for (CompatibilityMatrix.PhaseWindow p : matrix.phases()) {
            ObjectNode n = phases.addObject().put("version", p.version()).put("phase", p.phase())
                    .put("oldest", p.oldest()).put("newest", p.newest());
            ArrayNode inUse = n.putArray("in_use");
            p.inUse().forEach(inUse::add);
            ArrayNode states = n.putArray("states");
            p.states().forEach(s -> states.add(s.label()));
        }
        ArrayNode problems = root.putArray("problems");
        matrix.problems().forEach(p -> problems.add(p.toString()));
        return root;
    }
}
