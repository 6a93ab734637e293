package io.fenceline.control.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fenceline.config.manifest.Manifest;
import io.fenceline.config.manifest.ManifestProblem;
import io.fenceline.config.manifest.ManifestSet;
import io.fenceline.control.lint.CompatibilityMatrix;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code fenceline plan}: lists the versions of a migrations folder and every problem with it. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "List the migration versions, their phases and checksums, and every validation problem;"
                + " with --scratch-url, the compatibility matrix. Exit 0 when the folder is valid (and the matrix"
                + " holds), 1 when an application version has no compatible schema during a phase, 2 when the folder"
                + " is invalid, 3 when the scratch database cannot be used.")
final class PlanCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--migrations", required = true, paramLabel = "DIR", description = "the migrations folder")
    Path migrations;

    @Option(names = "--json", description = "print JSON instead of a table")
    boolean json;

    @Option(names = "--scratch-url", paramLabel = "JDBC_URL", description = "scratch database holding the schema"
            + " before the first version: prints the compatibility matrix (which application versions can run"
            + " against each schema state) and the window each phase opens")
    String scratchUrl;

    @Option(names = "--baseline", paramLabel = "N", description = "the version the scratch database holds"
            + " (default: the first manifest's version - 1)")
    Integer baseline;

    @Override
    public Integer call() throws JsonProcessingException {
        ManifestSet set = ManifestSet.load(migrations);
        PrintWriter out = spec.commandLine().getOut();
        CompatibilityMatrix matrix = null;
        if (scratchUrl != null && set.valid() && !set.manifests().isEmpty()) {
            int from = baseline != null ? baseline : set.manifests().get(0).version() - 1;
            List<Manifest> selected = set.manifests().stream().filter(m -> m.version() > from).toList();
            matrix = MatrixOutput.compute("plan", scratchUrl, from, selected, spec.commandLine().getErr());
            if (matrix == null) {
                return ExitCodes.UNREACHABLE;
            }
        }
        if (json) {
            var node = Json.plan(set);
            if (matrix != null) {
                node.set("compatibility", MatrixOutput.json(matrix));
            }
            out.println(Json.MAPPER.writeValueAsString(node));
        } else {
            printPlan(out, set);
            if (matrix != null) {
                matrix.lines().forEach(out::println);
            }
        }
        if (!set.valid()) {
            return ExitCodes.BAD_INPUT;
        }
        return matrix == null || matrix.holds() ? ExitCodes.OK : ExitCodes.FINDINGS;
    }

    static void printPlan(PrintWriter out, ManifestSet set) {
        List<Manifest> manifests = set.manifests();
        out.println("migrations in " + set.folder() + ": " + manifests.size() + " version(s)"
                + (manifests.isEmpty() ? "" : ", V" + manifests.get(0).version() + " to V"
                + manifests.get(manifests.size() - 1).version()));
        if (!manifests.isEmpty()) {
            out.printf("%-6s %-36s %-12s %-24s %s%n", "VER", "PHASES", "CHECKSUM", "FILE", "DESCRIPTION");
        }
        for (Manifest m : manifests) {
            String phases = m.phaseNames().stream().map(p -> p.key() + "(" + m.phase(p).orElseThrow()
                    .statements().size() + (m.phase(p).orElseThrow().down() == null ? ",no down" : "") + ")")
                    .collect(Collectors.joining(" "));
            out.printf("%-6s %-36s %-12s %-24s %s%n", "V" + m.version(), phases, m.checksum().substring(0, 12),
                    Path.of(m.source()).getFileName(), m.description());
        }
        printProblems(out, set.problems());
    }

    static void printProblems(PrintWriter out, List<ManifestProblem> problems) {
        if (problems.isEmpty()) {
            out.println("valid: no problems");
            return;
        }
        out.println(problems.size() + " problem(s); nothing may be applied until they are fixed:");
        for (ManifestProblem p : problems) {
            out.println("  [" + p.kind() + "] " + p);
        }
    }
}
