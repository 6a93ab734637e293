package io.fenceline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Helm chart {@code charts/fenceline} as files: {@code values.yaml} as a tree and the templates' text with
 * their {@code .Values} references. Rendering is Helm's own, through {@link HelmChart}.
 */
public final class Chart {

    /** A YAML mapper. */
    public static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    private static final Pattern VALUES_REFERENCE = Pattern.compile("\\.Values((?:\\.[A-Za-z_][A-Za-z0-9_]*)+)");

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

    private static JsonNode read(Path file) {
        try {
            return YAML.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
