package io.fenceline.control.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fenceline.config.manifest.Manifest;
import io.fenceline.config.manifest.ManifestProblem;
import io.fenceline.config.manifest.ManifestSet;
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
        description = "List the migration versions, their phases and checksums, and every validation problem."
                + " Exit 0 when the folder is valid, 2 when it is not.")
final class PlanCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--migrations", required = true, paramLabel = "DIR", description = "the migrations folder")
    Path migrations;

    @Option(names = "--json", description = "print JSON instead of a table")
    boolean json;

    @Override
    public Integer call() throws JsonProcessingException {
        ManifestSet set = ManifestSet.load(migrations);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.MAPPER.writeValueAsString(Json.plan(set)));
        } else {
            printPlan(out, set);
        }
        return set.valid() ? ExitCodes.OK : ExitCodes.BAD_INPUT;
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
