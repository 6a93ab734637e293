package io.fenceline.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The renderings of the chart the docs show, read from the docs themselves so an example edited there is the
 * example tested: the defaults; every YAML block of {@code docs/operations.md} and {@code docs/configuration.md}
 * that is a values file (its first line names {@code helm install … -f}); the {@code us.yaml} the operations
 * page derives from {@code eu.yaml} in its last comment; every {@code --set key=value} the two pages show; and
 * the switches of the chart's reference table (standalone mode, TLS, control, ServiceMonitor, dashboard).
 */
public final class ChartExamples {

    private static final Pattern YAML_BLOCK = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern SET = Pattern.compile("--set ([A-Za-z0-9_.]+)=([^`\\s)]+)");

    /**
     * One rendering.
     *
     * @param name   where it is documented
     * @param values a values file's text ("" for none)
     * @param set    {@code --set} pairs
     */
    public record Example(String name, String values, Map<String, Object> set) {
        public HelmChart.Rendered render() {
            if (values.isEmpty()) {
                return HelmChart.template(release(), List.of(), set);
            }
            try {
                Path file = Files.createTempFile("fenceline-values", ".yaml");
                try {
                    Files.writeString(file, values);
                    return HelmChart.template(release(), List.of(file), set);
                } finally {
                    Files.deleteIfExists(file);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The release name: the values file's cluster when it names one ({@code eu}, {@code us}). */
        public String release() {
            Matcher m = Pattern.compile("cluster: (\\w+)").matcher(values);
            return m.find() ? m.group(1) : "eu";
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private ChartExamples() {
    }

    /** Every documented rendering. */
    public static List<Example> all() {
        List<Example> all = new ArrayList<>();
        all.add(new Example("defaults", "", Map.of()));
        for (String doc : List.of("docs/operations.md", "docs/configuration.md")) {
            String text = read(doc);
            Matcher block = YAML_BLOCK.matcher(text);
            while (block.find()) {
                String yaml = block.group(1);
                String first = yaml.lines().findFirst().orElse("");
                if (!first.contains("helm install")) {
                    continue;
                }
                all.add(new Example(doc + ": " + first.replaceFirst("^#\\s*", ""), yaml, Map.of()));
                // "# us.yaml: the same group and etcd, cluster: us, proxy_id: us-1, preferred: eu, control.enabled: false"
                if (yaml.contains("# us.yaml: the same group and etcd, cluster: us, proxy_id: us-1")) {
                    all.add(new Example(doc + ": us.yaml as its comment derives it from eu.yaml",
                            yaml.replace("cluster: eu,", "cluster: us,").replace("proxy_id: eu-1", "proxy_id: us-1"),
                            Map.of("control.enabled", false)));
                }
            }
            Matcher set = SET.matcher(text);
            while (set.find()) {
                Map<String, Object> pair = new LinkedHashMap<>();
                pair.put(set.group(1), set.group(2)); // as on the command line: Helm reads "null" as removing the key
                all.add(new Example(doc + ": --set " + set.group(1) + "=" + set.group(2), "", pair));
            }
        }
        // The switches of docs/configuration.md's chart table.
        all.add(new Example("mode: standalone", """
                mode: standalone
                proxy:
                  config:
                    upstream: {host: db.example.internal, port: 5432}
                    group:
                      fence: {password_file: null}
                """, Map.of()));
        all.add(new Example("tls.enabled with tls.existingSecret", "tls: {enabled: true, existingSecret: proxy-tls}\n",
                Map.of()));
        all.add(new Example("control.enabled", "control: {enabled: true}\n", Map.of()));
        all.add(new Example("serviceMonitor.enabled, grafanaDashboard.enabled",
                "serviceMonitor: {enabled: true}\ngrafanaDashboard: {enabled: true}\n", Map.of()));
        all.add(new Example("etcdCredentials.enabled", "etcdCredentials: {enabled: true, existingSecret: etcd-client}\n",
                Map.of()));
        return all;
    }

    private static String read(String repositoryFile) {
        try {
            return Files.readString(ArchitectureRules.moduleDir().resolve("..").resolve(repositoryFile).normalize());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
