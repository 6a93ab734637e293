package io.fenceline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Helm itself, from JUnit: {@code helm lint} and {@code helm template} of {@code charts/fenceline} through
 * helm-java, which carries Helm's Go library (linux-amd64) — the same template engine, Sprig functions and
 * value merging a user's {@code helm install} runs, without a {@code helm} binary or a Kubernetes cluster.
 */
public final class HelmChart {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private HelmChart() {
    }

    /** {@code charts/fenceline} of the repository holding the module under test. */
    public static Path dir() {
        return Chart.fenceline().dir();
    }

    /** {@code helm lint --strict} of the chart with its defaults. */
    public static LintResult lint() {
        return new Helm(dir()).lint().strict().call();
    }

    /**
     * {@code helm template RELEASE charts/fenceline -f FILE... --set K=V...}.
     *
     * @param release    the release name
     * @param valuesFile values files in order (later ones win), may be empty
     * @param set        {@code --set} pairs, applied after the files
     */
    public static Rendered template(String release, List<Path> valuesFile, Map<String, Object> set) {
        TemplateCommand t = new Helm(renderable()).template().withName(release);
        valuesFile.forEach(t::withValuesFile);
        // helm-java's template is not client-only as helm template is: the secrets template's lookup of an
        // existing postgres Secret (asked only when no password is given) would dial a Kubernetes API server. A
        // password given here keeps that branch out; every other line renders as with helm template.
        if (!set.containsKey("postgres.password") && !set.containsKey("postgres.existingSecret")) {
            t.set("postgres.password", "rendered-by-the-tests");
        }
        set.forEach(t::set);
        String text = t.call();
        return new Rendered(text, documents(text));
    }

    private static Path renderable;

    /**
     * The chart as {@code helm template} can take it here: a copy whose {@code Chart.yaml} lacks the
     * {@code kubeVersion} constraint. helm-java's {@code template} has no {@code --kube-version}, and the Helm
     * library it embeds assumes Kubernetes v1.20.0, below the chart's {@code >=1.23.0-0}, so Helm would refuse
     * to render; a Helm release build assumes its own client-go version and renders. The templates read no
     * {@code .Capabilities}, so nothing else differs. {@link #lint()} runs on the chart itself.
     */
    private static synchronized Path renderable() {
        if (renderable == null) {
            try {
                Path copy = Files.createTempDirectory("fenceline-chart").resolve("fenceline");
                Path source = dir();
                try (var files = Files.walk(source)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        Path target = copy.resolve(source.relativize(f).toString());
                        if (Files.isDirectory(f)) {
                            Files.createDirectories(target);
                        } else {
                            Files.copy(f, target);
                        }
                    }
                }
                Path meta = copy.resolve("Chart.yaml");
                Files.writeString(meta, Files.readString(meta).replaceAll("(?m)^kubeVersion:.*\\n", ""));
                copy.toFile().deleteOnExit();
                renderable = copy;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return renderable;
    }

    /** Renders with values given as YAML text (written to a temporary values file). */
    public static Rendered template(String release, String valuesYaml) {
        try {
            Path file = Files.createTempFile("fenceline-values", ".yaml");
            try {
                Files.writeString(file, valuesYaml);
                return template(release, List.of(file), Map.of());
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<JsonNode> documents(String text) {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(text)) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode() && !(doc.isObject() && doc.isEmpty())) {
                    docs.add(doc);
                }
            }
        } catch (IOException e) {
            throw new AssertionError("helm template's output is not YAML: " + e.getMessage() + "\n" + text, e);
        }
        return docs;
    }

    /**
     * What {@code helm template} printed, and its objects.
     *
     * @param text    the output
     * @param objects the Kubernetes objects, one per YAML document
     */
    public record Rendered(String text, List<JsonNode> objects) {

        /** The object of {@code kind} whose {@code metadata.name} is {@code name}. */
        public JsonNode object(String kind, String name) {
            return objects.stream().filter(o -> o.path("kind").asText().equals(kind)
                            && o.path("metadata").path("name").asText().equals(name)).findFirst()
                    .orElseThrow(() -> new NoSuchElementException("no " + kind + " " + name + " in " + names()));
        }

        /** Every object as {@code Kind/name}, in order. */
        public List<String> names() {
            return objects.stream().map(o -> o.path("kind").asText() + "/" + o.path("metadata").path("name").asText())
                    .toList();
        }

        /** The objects of {@code kind}. */
        public List<JsonNode> ofKind(String kind) {
            return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
        }

        /** {@code data[key]} of the ConfigMap {@code name}. */
        public String configMapData(String name, String key) {
            JsonNode v = object("ConfigMap", name).path("data").path(key);
            if (!v.isTextual()) {
                throw new NoSuchElementException("ConfigMap " + name + " has no data." + key);
            }
            return v.asText();
        }

        /** Every container of every workload, by {@code Kind/name/container}. */
        public Map<String, JsonNode> containers() {
            Map<String, JsonNode> all = new LinkedHashMap<>();
            for (JsonNode o : objects) {
                for (JsonNode c : o.path("spec").path("template").path("spec").path("containers")) {
                    all.put(o.path("kind").asText() + "/" + o.path("metadata").path("name").asText() + "/"
                            + c.path("name").asText(), c);
                }
            }
            return all;
        }
    }
}
