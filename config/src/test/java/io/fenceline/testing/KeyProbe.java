package io.fenceline.testing;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds every key a configuration loader accepts by asking the loader itself: it feeds a document with an
 * unknown key at some place and reads the known keys from the loader's "unknown key (known ...)" problem;
 * a known key is a section when an unknown key inside it (as a mapping, or as the first mapping of a list)
 * is reported the same way. Keys are dotted, with {@code []} for a list: {@code clusters[].jdbc_url}.
 * Also reads the keys {@code docs/configuration.md} documents, so a test can compare the two.
 */
public final class KeyProbe {

    /** A problem the loader reported: dotted key (lists as {@code [0]}) and message. */
    public record Problem(String key, String message) {
    }

    private static final String PROBE = "fl_probe_unknown";
    private static final Pattern KNOWN = Pattern.compile("unknown key \\(known(?: keys here)?: \\[?([^\\])]*)]?\\)");
    private static final Pattern DOCUMENTED = Pattern.compile("^\\|\\s*`([^`]+)`\\s*\\|");

    private final Function<String, List<Problem>> loader;

    /** @param loader runs the loader on a YAML text and returns every problem it reported */
    public KeyProbe(Function<String, List<Problem>> loader) {
        this.loader = loader;
    }

    /** Every key the loader accepts, dotted, sorted. */
    public TreeSet<String> acceptedKeys() {
        TreeSet<String> keys = new TreeSet<>();
        collect(List.of(), keys);
        return keys;
    }

    private void collect(List<String> path, TreeSet<String> keys) {
        List<String> known = knownAt(path);
        for (String key : known) {
            List<String> child = new ArrayList<>(path);
            child.add(key);
            keys.add(dotted(child));
            if (knownAt(child) != null) {
                collect(child, keys);
                continue;
            }
            List<String> listChild = new ArrayList<>(path);
            listChild.add(key + "[]");
            if (knownAt(listChild) != null) {
                collect(listChild, keys);
            }
        }
    }

    /** The keys the loader knows in the mapping at {@code path}, or null when it is no section. */
    private List<String> knownAt(List<String> path) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode here = root;
        for (String segment : path) {
            if (segment.endsWith("[]")) {
                here = here.putArray(segment.substring(0, segment.length() - 2)).addObject();
            } else {
                here = here.putObject(segment);
            }
        }
        here.put(PROBE, 1);
        String yaml;
        try {
            yaml = Chart.YAML.writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> probePath = new ArrayList<>(path);
        probePath.add(PROBE);
        String expected = dotted(probePath);
        for (Problem p : loader.apply(yaml)) {
            Matcher m = KNOWN.matcher(p.message());
            if (p.key().replaceAll("\\[\\d+]", "[]").equals(expected) && m.find()) {
                List<String> known = new ArrayList<>();
                for (String k : m.group(1).split(",")) {
                    known.add(k.strip());
                }
                return known;
            }
        }
        return null;
    }

    private static String dotted(List<String> path) {
        return String.join(".", path);
    }

    /**
     * The keys documented in the tables of {@code docs/configuration.md} under the level-2 heading that
     * starts with {@code headingPrefix}: the first cell of each row, in backticks.
     */
    public static TreeSet<String> documentedKeys(String headingPrefix) {
        Path doc = ArchitectureRules.moduleDir().resolve("../docs/configuration.md").normalize();
        List<String> lines;
        try {
            lines = Files.readAllLines(doc, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + doc, e);
        }
        TreeSet<String> keys = new TreeSet<>();
        boolean inSection = false;
        for (String line : lines) {
            if (line.startsWith("## ")) {
                inSection = line.substring(3).startsWith(headingPrefix);
                continue;
            }
            Matcher m = DOCUMENTED.matcher(line);
            if (inSection && m.find()) {
                keys.add(m.group(1));
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalStateException(doc + " documents no key under a heading starting with '" + headingPrefix + "'");
        }
        return keys;
    }

    /** Keys of {@code first} not in {@code second}, for an assertion message. */
    public static TreeSet<String> missing(TreeSet<String> first, TreeSet<String> second) {
        TreeSet<String> out = new TreeSet<>(first);
        out.removeAll(second);
        return out;
    }
}
