package io.fenceline.proxy.fuzz;

import java.io.PrintStream;
import java.util.Locale;

/**
 * One run of both harnesses with the given numbers, shared by {@link FenceFuzzIT} and {@link FenceFuzzMain}:
 * starts a {@link FenceRig}, runs {@code sessions} sessions of {@code seed} against its non-writer proxies and
 * {@code schemaStatements} statements through the schema-checking proxy, prints findings as they come and a
 * summary whose last line is {@code sessions: N, writes that reached the database: W}.
 */
final class FuzzRun {

    record Result(FenceFuzz.Report fence, SchemaOracle.Report schema) {}

    private FuzzRun() {
    }

    static Result run(long seed, int sessions, int schemaStatements, int maxShrunk, PrintStream out) {
        Result result = runInRig(seed, sessions, schemaStatements, maxShrunk, out);
        // After the rig closed, so nothing printed while stopping can come after it.
        out.println(result.fence().lastLine());
        out.flush();
        return result;
    }

    private static Result runInRig(long seed, int sessions, int schemaStatements, int maxShrunk, PrintStream out) {
        try (FenceRig rig = new FenceRig(); SchemaOracle schemaOracle = new SchemaOracle(rig)) {
            out.println("fuzz-fence: seed " + seed + ", " + sessions + " sessions against " + rig.targets().size()
                    + " non-writer proxies (" + String.join(", ", rig.targets().stream().map(FenceRig.Target::name).toList())
                    + "), " + schemaStatements + " schema statements");
            FenceFuzz.Report fence = new FenceFuzz(rig, 5_000, maxShrunk).run(seed, sessions, out::println);
            SchemaOracle.Report schema = schemaOracle.run(seed, schemaStatements, out::println);
            out.println(String.format(Locale.ROOT,
                    "fuzz-fence: %d session runs (%d sessions x %d proxies) in %.1f s: %.1f sessions/s wall clock, "
                            + "%.1f CPU s (this JVM with its proxies, and PostgreSQL): %.1f session runs per CPU second; "
                            + "%d stuck; %d sessions of pipelined reads got an error", fence.runs(), fence.sessions(), rig.targets().size(), fence.seconds(),
                    fence.sessions() / fence.seconds(), fence.cpuSeconds(),
                    fence.cpuSeconds() > 0 ? fence.runs() / fence.cpuSeconds() : 0.0, fence.stuck(), fence.refusedReads()));
            out.println("fuzz-fence: writes by proxy " + fence.writesByTarget() + "; failing session indexes (first 40) "
                    + fence.failingIndexes().stream().limit(40).toList() + "; " + fence.findings().size()
                    + " distinct smallest sessions printed above");
            out.println("fuzz-fence: schema versions: " + schema.statements() + " statements, "
                    + schema.disagreements().size() + " disagreements with PostgreSQL on a version's own catalog: "
                    + schema.disagreements().stream().filter(SchemaOracle.Disagreement::leak).count() + " leaks, "
                    + schema.disagreements().stream().filter(d -> !d.leak() && !d.byDesign()).count()
                    + " false refusals, "
                    + schema.disagreements().stream().filter(SchemaOracle.Disagreement::byDesign).count()
                    + " refused because the live database would resolve them outside the version");
            return new Result(fence, schema);
        }
    }
}
