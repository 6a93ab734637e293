package io.fenceline.control.lint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * A plan as {@code EXPLAIN (FORMAT JSON)} returns it, and what lint compares between two of them: the total cost
 * of the top node, and per relation the scan node types ({@code Seq Scan}, {@code Index Scan}, ...).
 *
 * @param json  the plan as PostgreSQL returned it
 * @param cost  the top node's {@code Total Cost}
 * @param scans one entry per scan node: {@code relation|node type|index}
 */
public record PlanShape(String json, double cost, List<Scan> scans) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> INDEX_SCANS = Set.of("Index Scan", "Index Only Scan", "Bitmap Heap Scan",
            "Bitmap Index Scan");

    /** One scan node. */
    public record Scan(String relation, String nodeType, String index) {
        boolean usesIndex() {
            return INDEX_SCANS.contains(nodeType);
        }
    }

    public PlanShape {
        scans = List.copyOf(scans);
    }

    /** Parses the text of {@code EXPLAIN (FORMAT JSON)}: an array holding one object with a {@code Plan}. */
    public static PlanShape parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not an EXPLAIN (FORMAT JSON) result: " + e.getMessage(), e);
        }
        JsonNode plan = root.path(0).path("Plan");
        if (plan.isMissingNode()) {
            throw new IllegalArgumentException("not an EXPLAIN (FORMAT JSON) result: no Plan in " + json);
        }
        List<Scan> scans = new ArrayList<>();
        collect(plan, "", scans);
        return new PlanShape(json, plan.path("Total Cost").asDouble(), scans);
    }

    /** {@code parent} is the relation of the enclosing node: a Bitmap Index Scan names only its index. */
    private static void collect(JsonNode node, String parent, List<Scan> scans) {
        String type = node.path("Node Type").asText();
        String relation = node.path("Relation Name").asText("");
        String schema = node.path("Schema").asText("");
        String qualified = relation.isEmpty() ? parent : schema.isEmpty() ? relation : schema + "." + relation;
        if (!relation.isEmpty() || type.equals("Bitmap Index Scan")) {
            scans.add(new Scan(qualified, type, node.path("Index Name").asText("")));
        }
        for (JsonNode child : node.path("Plans")) {
            collect(child, qualified, scans);
        }
    }

    /** Relations an index scan (or bitmap scan) read in this plan. */
    Set<String> indexedRelations() {
        Set<String> out = new TreeSet<>();
        scans.stream().filter(s -> s.usesIndex() && !s.relation().isEmpty()).forEach(s -> out.add(s.relation()));
        return out;
    }

    /** Relations a sequential scan read in this plan. */
    Set<String> seqScanned() {
        Set<String> out = new TreeSet<>();
        scans.stream().filter(s -> s.nodeType().equals("Seq Scan")).forEach(s -> out.add(s.relation()));
        return out;
    }

    /** The indexes this plan uses on {@code relation}. */
    List<String> indexesOn(String relation) {
        return scans.stream().filter(s -> s.usesIndex() && s.relation().equals(relation) && !s.index().isEmpty())
                .map(Scan::index).distinct().toList();
    }

    /** The plan in one line per node, as EXPLAIN's text format would show its first line. */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        try {
            render(JSON.readTree(json).path(0).path("Plan"), 0, out);
        } catch (java.io.IOException e) {
            out.add(json);
        }
        return out;
    }

    private static void render(JsonNode node, int depth, List<String> out) {
        StringBuilder line = new StringBuilder("  ".repeat(depth)).append(depth == 0 ? "" : "-> ")
                .append(node.path("Node Type").asText());
        if (node.has("Index Name")) {
            line.append(" using ").append(node.path("Index Name").asText());
        }
        if (node.has("Relation Name")) {
            line.append(" on ").append(node.path("Schema").asText("public")).append('.')
                    .append(node.path("Relation Name").asText());
        }
        line.append(String.format(Locale.ROOT, "  (cost=%.2f..%.2f rows=%d)", node.path("Startup Cost").asDouble(),
                node.path("Total Cost").asDouble(), node.path("Plan Rows").asLong()));
        out.add(line.toString());
        for (JsonNode child : node.path("Plans")) {
            render(child, depth + 1, out);
        }
    }
}
