package io.fenceline.testing;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Helm chart {@code charts/fenceline}, read the way the tests need it without a {@code helm} binary:
 * {@code values.yaml} as a tree, a subtree written out as YAML the way the templates' {@code toYaml} does,
 * the templates' {@code .Values} references, and each template reduced to a YAML skeleton (template actions
 * replaced by a placeholder scalar or a comment) so that its structure can be parsed.
 */
public final class Chart {

    /** A YAML mapper; duplicate keys are allowed, as the skeleton keeps both branches of an if/else. */
    public static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    private static final Pattern VALUES_REFERENCE = Pattern.compile("\\.Values((?:\\.[A-Za-z_][A-Za-z0-9_]*)+)");
    private static final Pattern COMMENT_ACTION = Pattern.compile("\\{\\{-?\\s*/\\*.*?\\*/\\s*-?}}", Pattern.DOTALL);
    private static final Pattern ACTION = Pattern.compile("\\{\\{.*?}}");
    private static final Pattern CONTROL_ACTION = Pattern.compile(
            "\\{\\{-?\\s*(if|else|end|with|range|define|\\$[A-Za-z_]+\\s*:=)\\b.*?-?}}");

    private final Path dir;

    private Chart(Path dir) {
        this.dir = dir;
    }

    /** The chart in the repository that holds the module under test ({@code ../charts/fenceline}). */
    public static Chart fenceline() {
        Path dir = ArchitectureRules.moduleDir().resolve("../charts/fenceline").normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("no chart at " + dir);
        }
        return new Chart(dir);
    }

    public Path dir() {
        return dir;
    }

    /** {@code values.yaml} as a tree. */
    public JsonNode values() {
        return read(dir.resolve("values.yaml"));
    }

    /** The subtree at a dotted path of {@code values.yaml}, e.g. {@code proxy.config}. */
    public JsonNode value(String dottedPath) {
        JsonNode node = values();
        for (String segment : dottedPath.split("\\.")) {
            node = node.path(segment);
        }
        if (node.isMissingNode()) {
            throw new IllegalStateException("values.yaml has no " + dottedPath);
        }
        return node;
    }

    /** What {@code {{ toYaml .Values.<dottedPath> }}} renders. */
    public String toYaml(String dottedPath) {
        try {
            return YAML.writeValueAsString(value(dottedPath));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Template file names and their text ({@code templates/*}, NOTES.txt included). */
    public Map<String, String> templates() {
        Map<String, String> texts = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(dir.resolve("templates"))) {
            for (Path f : files.sorted().toList()) {
                texts.put(f.getFileName().toString(), Files.readString(f, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return texts;
    }

    /** One template's text. */
    public String template(String name) {
        String text = templates().get(name);
        if (text == null) {
            throw new IllegalStateException("no template " + name + " in " + dir);
        }
        return text;
    }

    /** Every {@code .Values.a.b} path the templates name (without the {@code .Values.} prefix), sorted. */
    public TreeSet<String> valuesReferences() {
        TreeSet<String> paths = new TreeSet<>();
        templates().values().forEach(text -> {
            Matcher m = VALUES_REFERENCE.matcher(text);
            while (m.find()) {
                paths.add(m.group(1).substring(1));
            }
        });
        return paths;
    }

    /** The bodies of the {@code define}d templates in {@code _helpers.tpl}, by name. */
    public Map<String, String> defines() {
        Map<String, String> bodies = new LinkedHashMap<>();
        String text = COMMENT_ACTION.matcher(template("_helpers.tpl")).replaceAll("");
        // A define's body may hold nested if/with/range ... end pairs: extend to the matching end.
        Matcher start = Pattern.compile("\\{\\{-?\\s*define\\s+\"([^\"]+)\"\\s*-?}}").matcher(text);
        while (start.find()) {
            int depth = 1;
            Matcher action = ACTION.matcher(text);
            action.region(start.end(), text.length());
            int bodyEnd = -1;
            while (action.find()) {
                String a = action.group().replaceAll("^\\{\\{-?\\s*", "");
                if (a.matches("(if|with|range|define)\\b.*")) {
                    depth++;
                } else if (a.matches("end\\b.*")) {
                    if (--depth == 0) {
                        bodyEnd = action.start();
                        break;
                    }
                }
            }
            if (bodyEnd < 0) {
                throw new IllegalStateException("define \"" + start.group(1) + "\" has no end");
            }
            bodies.put(start.group(1), text.substring(start.end(), bodyEnd));
        }
        return bodies;
    }

    /**
     * A template's text as a YAML skeleton: comment actions removed; a line holding only control actions
     * (if, else, end, with, range, define, variable assignments) dropped; a line holding only an output
     * action (an include or toYaml that emits whole lines) turned into a YAML comment; any other action
     * replaced by the scalar {@code TPL}. Both branches of an if/else stay, so a key may appear twice.
     */
    public static String skeleton(String template) {
        String text = COMMENT_ACTION.matcher(template).replaceAll("");
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            String stripped = line.strip();
            if (stripped.isEmpty()) {
                out.add("");
                continue;
            }
            String withoutControl = CONTROL_ACTION.matcher(stripped).replaceAll("").strip();
            if (withoutControl.isEmpty()) {
                continue;
            }
            if (ACTION.matcher(withoutControl).replaceAll("").isBlank()) {
                out.add(line.substring(0, line.indexOf(stripped)) + "# output action");
                continue;
            }
            out.add(ACTION.matcher(CONTROL_ACTION.matcher(line).replaceAll("")).replaceAll("TPL"));
        }
        return String.join("\n", out);
    }

    /** The YAML documents of a skeleton, empty ones left out (a document that is a list stays one list). */
    public static List<JsonNode> documents(String skeleton) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (JsonParser parser = YAML.getFactory().createParser(skeleton)) {
            while (parser.nextToken() != null) {
                JsonNode doc = YAML.readTree(parser);
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    private static JsonNode read(Path file) {
        try {
            return YAML.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
