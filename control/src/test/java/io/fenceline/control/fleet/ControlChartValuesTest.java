package io.fenceline.control.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fenceline.config.coordination.EtcdAccess;
import io.fenceline.testing.Chart;
import io.fenceline.testing.ChartExamples;
import io.fenceline.testing.HelmChart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chart's default values produce a control configuration that {@link FleetConfigLoader} accepts: the
 * chart's {@code control.yaml} is {@code toYaml .Values.control.config}, and the variables its
 * {@code password_env} keys name come from the control Secret ({@code envFrom}).
 */
class ControlChartValuesTest {

    private final Chart chart = Chart.fenceline();

    /** The {@code control.yaml} Helm renders into control's ConfigMap. */
    private static String renderedControlYaml(HelmChart.Rendered r, String release) {
        return r.configMapData(release + "-fenceline-control", "control.yaml");
    }

    /** Every documented rendering with control in it gives control a file its real loader accepts. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.fenceline.testing.ChartExamples#all")
    void everyDocumentedRenderingWithControlIsAValidControlConfiguration(ChartExamples.Example example)
            throws IOException {
        HelmChart.Rendered r = example.render();
        if (r.ofKind("ConfigMap").stream().noneMatch(c -> c.path("data").has("control.yaml"))) {
            return; // control.enabled is false in this example: there is no control.yaml to load
        }
        String yaml = renderedControlYaml(r, example.release());
        // Files the chart mounts from Secrets are absent outside the pod: create them as the kubelet would.
        FleetConfigLoader.Result outside = FleetConfigLoader.parse(example.name(), yaml, name -> "pw");
        if (outside instanceof FleetConfigLoader.Result.Invalid invalid) {
            for (String problem : invalid.problems()) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("file does not exist: (/etc/fenceline/\\S+)")
                        .matcher(problem);
                assertTrue(m.find() && r.text().contains("mountPath: " + Path.of(m.group(1)).getParent()),
                        "not a missing file of a mounted Secret: " + problem);
                Path file = pod.resolve(m.group(1).substring(1));
                Files.createDirectories(file.getParent());
                Files.writeString(file, "from-the-secret\n");
            }
        }
        FleetConfigLoader.Result result = FleetConfigLoader.parse(example.name(),
                yaml.replace("/etc/fenceline/", pod + "/etc/fenceline/"), name -> "from-the-control-secret");
        assertInstanceOf(FleetConfigLoader.Result.Loaded.class, result, result::toString);
    }

    @TempDir
    Path pod;

    @Test
    void defaultValuesAreAValidControlConfiguration() {
        List<String> asked = new ArrayList<>();
        Map<String, String> secret = new HashMap<>();
        FleetConfigLoader.Result result = FleetConfigLoader.parse("helm template eu --set control.enabled=true: "
                        + "ConfigMap eu-fenceline-control, control.yaml", renderedControlYaml(HelmChart.template("eu",
                        List.of(), Map.of("control.enabled", true)), "eu"), name -> {
                    asked.add(name);
                    return secret.computeIfAbsent(name, n -> "from-the-control-secret");
                });
        FleetConfig config = assertInstanceOf(FleetConfigLoader.Result.Loaded.class, result, result::toString).config();
        assertEquals(chart.value("control.config.group").asText(), config.group());
        assertTrue(config.policies().requireProxies(), "the chart deploys proxies, so control requires them");
        // Every password_env the clusters name is a variable the pod gets from the Secret by envFrom.
        List<String> named = new ArrayList<>();
        for (JsonNode c : chart.value("control.config.clusters")) {
            if (c.has("password_env")) {
                named.add(c.get("password_env").asText());
            }
        }
        assertEquals(named, asked);
        assertTrue(chart.template("control-deployment.yaml").contains("envFrom:"));
    }

    @Test
    void controlAndTheProxiesAgreeOnGroupPrefixAndMigrationRole() {
        assertEquals(chart.value("proxy.config.group.name").asText(), chart.value("control.config.group").asText());
        assertEquals(chart.value("proxy.config.schema.group").asText(), chart.value("control.config.group").asText());
        assertEquals(chart.value("proxy.config.etcd.prefix").asText(), chart.value("control.config.etcd.prefix").asText());
        assertEquals(chart.value("proxy.config.etcd.endpoints"), chart.value("control.config.etcd.endpoints"));
        // The proxies let DDL through only from schema.controlRole: control must migrate as that role.
        String role = chart.value("proxy.config.schema.control_role").asText();
        for (JsonNode c : chart.value("control.config.clusters")) {
            assertEquals(role, c.get("user").asText(), "control.config.clusters[].user of " + c.get("name"));
        }
        // The release's own cluster is one control migrates.
        String cluster = chart.value("proxy.config.group.cluster").asText();
        assertTrue(config().cluster(cluster).isPresent(), cluster + " is not in control.config.clusters");
    }

    private FleetConfig config() {
        FleetConfigLoader.Result result = FleetConfigLoader.parse("values.yaml", chart.toYaml("control.config"), n -> "pw");
        return assertInstanceOf(FleetConfigLoader.Result.Loaded.class, result, result::toString).config();
    }

    @Test
    void theDeploymentRunsApplyWithTheMountedFiles() {
        String deployment = chart.template("control-deployment.yaml");
        assertTrue(deployment.contains("fenceline apply --config /etc/fenceline/control.yaml --migrations /etc/fenceline/migrations"),
                deployment);
        assertTrue(deployment.contains("mountPath: /etc/fenceline/control.yaml"));
        assertTrue(deployment.contains("mountPath: /etc/fenceline/migrations"));
        assertTrue(chart.value("control.replicas").asInt() > 1,
                "several replicas are safe: only the holder of control's etcd leader key applies");
    }

    /** Where the chart mounts the etcd credentials Secret, in the proxy and in control. */
    private static final String ETCD_MOUNT = "/etc/fenceline/etcd";

    @Test
    void theCommentedEtcdAccessKeysReadTheFilesOfTheMountedSecret(@TempDir Path mount) throws IOException {
        // values.yaml carries control's access keys commented out under control.config.etcd; uncommented, with
        // the Secret's files where the chart mounts them, they are a valid configuration reaching etcd with both.
        String values = Files.readString(chart.dir().resolve("values.yaml"));
        int control = values.indexOf("\ncontrol:\n");
        assertTrue(control > 0, "values.yaml has a top-level control: section");
        StringBuilder commented = new StringBuilder();
        for (String line : values.substring(control).split("\n")) {
            String t = line.strip();
            if (t.startsWith("# user:") || t.startsWith("# password_file:") || t.startsWith("# tls:")) {
                commented.append(t.substring(2)).append('\n');
            }
            if (t.startsWith("clusters:")) {
                break;
            }
        }
        JsonNode keys = Chart.YAML.readTree(commented.toString().replace(ETCD_MOUNT, mount.toString()));
        assertEquals(List.of("user", "password_file", "tls"), iterable(keys.fieldNames()), commented.toString());

        // The files are the Secret's keys (secrets.yaml), mounted at ETCD_MOUNT in control's Deployment.
        String secrets = chart.template("secrets.yaml");
        for (String file : List.of("password", "ca.crt", "tls.crt", "tls.key")) {
            assertTrue(secrets.contains("  " + file + ": "), "the etcd Secret has no key " + file);
            Files.writeString(mount.resolve(file), file.equals("password") ? "etcd-pw\n" : "pem");
        }
        ObjectNode config = (ObjectNode) Chart.YAML.readTree(chart.toYaml("control.config"));
        ObjectNode etcd = (ObjectNode) config.get("etcd");
        etcd.setAll((ObjectNode) keys);
        etcd.putArray("endpoints").add("https://etcd:2379");
        FleetConfigLoader.Result result = FleetConfigLoader.parse("values.yaml", Chart.YAML.writeValueAsString(config),
                n -> "pw");
        FleetConfig loaded = assertInstanceOf(FleetConfigLoader.Result.Loaded.class, result, result::toString).config();
        assertEquals("etcd-pw", loaded.etcdAccess().credentials().orElseThrow().password());
        assertEquals(Optional.of(mount.resolve("ca.crt")), loaded.etcdAccess().tls().orElseThrow().ca());
        assertEquals(Optional.of(mount.resolve("tls.key")), loaded.etcdAccess().tls().orElseThrow().key());
    }

    @Test
    void controlMountsTheEtcdSecretLikeTheProxy() {
        String deployment = chart.template("control-deployment.yaml");
        String mountBlock = "{{- if .Values.etcdCredentials.enabled }}\n            - name: etcd-credentials\n"
                + "              mountPath: " + ETCD_MOUNT + "\n              readOnly: true";
        assertTrue(deployment.contains(mountBlock), deployment);
        assertTrue(deployment.contains("secretName: {{ include \"fenceline.etcdSecret\" . }}"), deployment);
        // The proxy's pod mounts the same Secret at the same path (its volumes come from the helpers).
        String helpers = chart.template("_helpers.tpl");
        assertTrue(helpers.contains("- name: etcd-credentials\n      mountPath: " + ETCD_MOUNT), helpers);
        assertTrue(helpers.contains("secretName: {{ include \"fenceline.etcdSecret\" . }}"), helpers);
        // Without credentials the defaults still reach etcd plainly.
        assertEquals(EtcdAccess.NONE, config().etcdAccess());
    }

    private static List<String> iterable(java.util.Iterator<String> names) {
        List<String> list = new ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }
}
