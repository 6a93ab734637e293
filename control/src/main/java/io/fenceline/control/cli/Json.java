package io.fenceline.control.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fenceline.config.manifest.Manifest;
import io.fenceline.config.manifest.ManifestProblem;
import io.fenceline.config.manifest.ManifestSet;
import io.fenceline.control.lint.CatalogObject;
import io.fenceline.control.lint.Finding;
import io.fenceline.control.lint.ObjectChange;
import io.fenceline.control.lint.RelationLock;
import io.fenceline.control.lint.StatementReport;
import io.fenceline.control.lint.StepReport;

import java.util.List;

/** The {@code --json} shapes of {@code plan} and {@code lint}; field names are part of the CLI contract. */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    static ObjectNode plan(ManifestSet set) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("folder", set.folder());
        root.put("valid", set.valid());
        ArrayNode versions = root.putArray("versions");
        for (Manifest m : set.manifests()) {
            ObjectNode v = versions.addObject();
            v.put("version", m.version());
            v.put("description", m.description());
            v.put("source", m.source());
            v.put("checksum", m.checksum());
            ArrayNode phases = v.putArray("phases");
            m.phaseNames().forEach(p -> {
                ObjectNode phase = phases.addObject();
                phase.put("phase", p.key());
                phase.put("statements", m.phase(p).orElseThrow().statements().size());
                phase.put("down", m.phase(p).orElseThrow().down() != null);
            });
            ObjectNode options = v.putObject("options");
            m.options().statementTimeoutOption().ifPresent(d -> options.put("statement_timeout_ms", d.toMillis()));
            m.options().lockTimeoutOption().ifPresent(d -> options.put("lock_timeout_ms", d.toMillis()));
            options.put("backfill_batch_size", m.options().effectiveBackfillBatchSize());
        }
        root.set("problems", problems(set.problems()));
        return root;
    }

    static ArrayNode problems(List<ManifestProblem> problems) {
        ArrayNode array = MAPPER.createArrayNode();
        for (ManifestProblem p : problems) {
            ObjectNode node = array.addObject();
            node.put("kind", p.kind().name());
            node.put("file", p.file());
            node.put("key", p.key());
            node.put("message", p.message());
        }
        return array;
    }

    static ObjectNode lint(List<StepReport> steps, boolean blocks) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("blocking", blocks);
        ArrayNode array = root.putArray("steps");
        for (StepReport step : steps) {
            ObjectNode s = array.addObject();
            s.put("version", step.version());
            s.put("phase", step.phase().key());
            s.put("source", step.source());
            s.put("verdict", step.verdict().name());
            s.put("blocking", step.blocks());
            ArrayNode statements = s.putArray("statements");
            step.statements().forEach(st -> statements.add(statement(st)));
            ObjectNode down = s.putObject("down");
            down.put("status", step.down().getClass().getSimpleName());
            down.put("detail", step.down().describe());
            s.set("findings", findings(step.findings()));
        }
        return root;
    }

    private static ObjectNode statement(StatementReport st) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("index", st.index());
        node.put("sql", st.sql());
        node.put("executed", st.executed());
        node.put("verdict", st.verdict().name());
        node.put("rewrite", st.rewrite());
        ArrayNode rewritten = node.putArray("rewritten");
        st.rewritten().forEach(rewritten::add);
        ArrayNode locks = node.putArray("locks");
        for (RelationLock lock : st.locks()) {
            ObjectNode l = locks.addObject();
            l.put("relation", lock.relation());
            l.put("mode", lock.mode().pgName());
            l.put("observed", lock.observed().pgName());
            l.put("pre_existing", lock.preExisting());
        }
        st.strongestLock().ifPresentOrElse(l -> {
            ObjectNode strongest = node.putObject("strongest_lock");
            strongest.put("relation", l.relation());
            strongest.put("mode", l.mode().pgName());
        }, () -> node.putNull("strongest_lock"));
        ArrayNode added = node.putArray("added");
        st.diff().added().stream().map(CatalogObject::label).forEach(added::add);
        ArrayNode removed = node.putArray("removed");
        st.diff().removed().stream().map(CatalogObject::label).forEach(removed::add);
        ArrayNode changed = node.putArray("changed");
        st.diff().changed().stream().map(ObjectChange::describe).forEach(changed::add);
        node.set("findings", findings(st.findings()));
        if (st.error() == null) {
            node.putNull("error");
        } else {
            node.put("error", st.error());
        }
        return node;
    }

    private static ArrayNode findings(List<Finding> findings) {
        ArrayNode array = MAPPER.createArrayNode();
        for (Finding f : findings) {
            ObjectNode node = array.addObject();
            node.put("rule", f.rule().id());
            node.put("name", f.rule().slug());
            node.put("level", f.rule().level().name());
            node.put("subject", f.subject());
            node.put("detail", f.detail());
            node.put("overridden", f.overridden());
            node.put("blocks", f.blocks());
        }
        return array;
    }
}
