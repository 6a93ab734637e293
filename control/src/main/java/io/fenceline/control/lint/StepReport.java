package io.fenceline.control.lint;

import io.fenceline.config.manifest.PhaseName;

import java.util.ArrayList;
import java.util.List;

/**
 * Lint's account of one phase of one manifest.
 *
 * @param version    the manifest's version
 * @param source     the manifest's file
 * @param phase      the phase
 * @param statements one report per statement that ran (statements after a failure are not run)
 * @param down       the down check
 * @param findings   step-level findings (setup failed, no down, down does not restore)
 */
public record StepReport(int version, String source, PhaseName phase, List<StatementReport> statements,
                         DownCheck down, List<Finding> findings) {

    public StepReport {
        statements = List.copyOf(statements);
        findings = List.copyOf(findings);
    }

    /** Statement and step findings together. */
    public List<Finding> allFindings() {
        List<Finding> all = new ArrayList<>(findings);
        statements.forEach(s -> all.addAll(s.findings()));
        return all;
    }

    /** The most severe statement verdict. */
    public Verdict verdict() {
        return statements.stream().map(StatementReport::verdict).max(Enum::compareTo).orElse(Verdict.COMPATIBLE);
    }

    /** True if anything blocks this step. */
    public boolean blocks() {
        return allFindings().stream().anyMatch(Finding::blocks);
    }

    /** {@code V12 expand}. */
    public String label() {
        return "V" + version + " " + phase.key();
    }
}
