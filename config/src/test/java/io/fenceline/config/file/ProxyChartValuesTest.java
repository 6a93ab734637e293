package io.fenceline.config.file;

import io.fenceline.testing.Chart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chart's default values produce a proxy configuration that {@link ProxySettingsLoader} accepts: the
 * {@code proxy.yaml} of the chart's ConfigMap is {@code toYaml .Values.proxy.config}, plus a {@code tls:}
 * section naming the mounted Secret's files when TLS is enabled.
 */
class ProxyChartValuesTest {

    private static final Pattern MISSING_FILE = Pattern.compile("file does not exist: (/etc/fenceline/\\S+)");
    private static final Pattern MOUNT_PATH = Pattern.compile("mountPath: (\\S+)");

    private final Chart chart = Chart.fenceline();

    @TempDir
    Path pod;

    @Test
    void defaultValuesAreAValidProxyConfiguration() throws IOException {
        String yaml = chart.toYaml("proxy.config");
        // Outside a pod the files the chart mounts from Secrets are absent: those are the only problems allowed,
        // and only for files under a directory the templates mount.
        ConfigResult<ProxySettings> outside = ProxySettingsLoader.parse(yaml, "proxy.yaml", Path.of("/etc/fenceline"));
        List<String> mounted = mountPaths();
        if (outside instanceof ConfigResult.Invalid<ProxySettings> invalid) {
            for (ConfigProblem p : invalid.problems()) {
                Matcher m = MISSING_FILE.matcher(p.message());
                assertTrue(m.matches(), "not a missing mounted file: " + p);
                Path file = Path.of(m.group(1));
                assertTrue(mounted.contains(file.getParent().toString()),
                        p + ": its directory is not a mountPath of the templates " + mounted);
                Files.createDirectories(pod.resolve(file.getParent().toString().substring(1)));
                Files.writeString(pod.resolve(file.toString().substring(1)), "from-the-secret\n");
            }
        }
        // With those files in place (as in the pod), the configuration is valid as a whole.
        ConfigResult<ProxySettings> result = ProxySettingsLoader.parse(
                yaml.replace("/etc/fenceline/", pod + "/etc/fenceline/"),
                "charts/fenceline/values.yaml#proxy.config", Path.of("/etc/fenceline"));
        @SuppressWarnings("unchecked")
        ConfigResult.Valid<ProxySettings> valid = assertInstanceOf(ConfigResult.Valid.class, result, result::toString);
        ProxySettings settings = valid.settings();
        // The kubelet probes the pod's IP and Services route to it: neither port may listen on loopback only.
        assertEquals("0.0.0.0", settings.listen().host());
        assertEquals("0.0.0.0", settings.admin().orElseThrow().host());
        // The Service's and the probes' ports are the same values the proxy reads.
        assertEquals(chart.value("proxy.config.listen.port").asInt(), settings.listen().port());
        assertEquals(chart.value("proxy.config.admin.port").asInt(), settings.admin().orElseThrow().port());
        // In a pod, SIGTERM is followed by SIGKILL after the grace period: the proxy must finish first.
        assertTrue(settings.shutdownGrace().toSeconds() < chart.value("proxy.terminationGracePeriodSeconds").asInt(),
                "proxy.config.shutdown_grace must be shorter than proxy.terminationGracePeriodSeconds");
        assertEquals(new ProxySettings.Upstream.Tcp("127.0.0.1", chart.value("postgres.port").asInt()), settings.upstream(),
                "in sidecar mode the proxy relays to the PostgreSQL container of its own pod");
        // The write authority and the schema checks are on by default, for one group.
        ProxySettings.Group group = settings.group().orElseThrow();
        assertEquals(group.settings().group(), settings.schema().orElseThrow().group());
        assertEquals("from-the-secret", group.fenceDatabase().password(), "the fence reads the mounted postgres Secret");
        assertEquals("jdbc:postgresql://127.0.0.1:5432/postgres", group.fenceDatabase().jdbcUrl());
        assertTrue(group.settings().isCandidate(), "the release's own cluster may be the writer");
    }

    /** Every {@code mountPath} the templates name. */
    private List<String> mountPaths() {
        List<String> paths = new ArrayList<>();
        for (String text : chart.templates().values()) {
            Matcher m = MOUNT_PATH.matcher(text);
            while (m.find()) {
                paths.add(m.group(1));
            }
        }
        return paths;
    }

    @Test
    void tlsSectionOfTheConfigMapNamesTheMountedSecretFiles() {
        String template = chart.template("proxy-configmap.yaml");
        Matcher tls = Pattern.compile("\\n(\\s*)tls:\\n\\s*certificate: (\\S+)\\n\\s*key: (\\S+)\\n").matcher(template);
        assertTrue(tls.find(), template);
        String yaml = chart.toYaml("proxy.config") + "tls:\n  certificate: " + tls.group(2) + "\n  key: " + tls.group(3) + "\n";
        ConfigResult<ProxySettings> result = ProxySettingsLoader.parse(yaml, "proxy.yaml", Path.of("/etc/fenceline"));
        // Outside a pod the Secret's files are absent: the keys are right when that is the only complaint.
        List<ConfigProblem> problems = invalid(result).stream().filter(p -> p.key().startsWith("tls")).toList();
        assertEquals(List.of("tls.certificate", "tls.key"), problems.stream().map(ConfigProblem::key).toList(), problems.toString());
        problems.forEach(p -> assertTrue(p.message().startsWith("file does not exist: /etc/fenceline/tls/"), p.toString()));
        // ... and the Secret is mounted where the section says.
        assertTrue(chart.template("_helpers.tpl").contains("mountPath: /etc/fenceline/tls"));
    }

    @Test
    void aTypoInTheValuesWouldStopTheProxy() {
        String yaml = chart.toYaml("proxy.config").replace("max_connections:", "maxConnection:");
        assertNotEquals(chart.toYaml("proxy.config"), yaml);
        ConfigResult<ProxySettings> result = ProxySettingsLoader.parse(yaml, "proxy.yaml", Path.of("/etc/fenceline"));
        assertTrue(invalid(result).stream().anyMatch(p -> p.key().equals("limits.maxConnection")
                && p.message().startsWith("unknown key")), result.toString());
    }

    @SuppressWarnings("unchecked")
    private static List<ConfigProblem> invalid(ConfigResult<ProxySettings> result) {
        return ((ConfigResult.Invalid<ProxySettings>) assertInstanceOf(ConfigResult.Invalid.class, result, result::toString))
                .problems();
    }
}
