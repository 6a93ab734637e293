package io.fenceline.control.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fenceline.control.lint.PlanCheck;

import java.io.PrintWriter;

/** {@code lint --statements}: the plan checks as text and JSON. */
final class PlanOutput {

    private PlanOutput() {
    }

    static void print(PrintWriter out, PlanCheck.Report report) {
        out.println("plan checks: " + report.statements() + " statement(s) EXPLAINed in " + report.states()
                + " schema state(s)" + (report.walk().complete() ? "" : " (stopped: " + report.walk().failedAt().label()
                + " fails: " + report.walk().error() + ")"));
        for (PlanCheck.Finding f : report.findings()) {
            out.println("  " + (f.inUse() ? "! " : "  ") + f);
            out.println("        " + f.statement().text().replaceAll("\\s+", " "));
            out.println("        before (" + f.before().label() + "):");
            f.planBefore().forEach(l -> out.println("          " + l));
            out.println("        after (" + f.after().label() + "):");
            if (f.planAfter().isEmpty()) {
                out.println("          (does not plan)");
            }
            f.planAfter().forEach(l -> out.println("          " + l));
        }
        report.neverPlanned().forEach(n -> out.println("  note: never planned: " + n));
        long blocking = report.findings().stream().filter(PlanCheck.Finding::inUse).count();
        out.println("plan summary: " + report.findings().size() + " finding(s), " + blocking + " blocking"
                + (blocking > 0 ? " -> exit 1" : ""));
    }

    static ObjectNode json(PlanCheck.Report report) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("statements", report.statements()).put("states", report.states()).put("blocking", report.blocks());
        if (!report.walk().complete()) {
            root.put("stopped_at", report.walk().failedAt().label()).put("error", report.walk().error());
        }
        ArrayNode findings = root.putArray("findings");
        for (PlanCheck.Finding f : report.findings()) {
            ObjectNode n = findings.addObject().put("kind", f.kind().text()).put("statement", f.index())
                    .put("line", f.statement().line()).put("sql", f.statement().text())
                    .put("before", f.before().label()).put("after", f.after().label()).put("detail", f.detail())
                    .put("in_use", f.inUse());
            if (f.statement().version() == null) {
                n.putNull("version");
            } else {
                n.put("version", f.statement().version());
            }
            ArrayNode before = n.putArray("plan_before");
            f.planBefore().forEach(before::add);
            ArrayNode after = n.putArray("plan_after");
            f.planAfter().forEach(after::add);
        }
        ArrayNode never = root.putArray("never_planned");
        report.neverPlanned().forEach(never::add);
        return root;
    }
}
