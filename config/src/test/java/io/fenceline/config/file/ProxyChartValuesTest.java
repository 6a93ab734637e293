package io.fenceline.config.file;

import io.fenceline.testing.Chart;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
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

    private final Chart chart = Chart.fenceline();

    @Test
    void defaultValuesAreAValidProxyConfiguration() {
        ConfigResult<ProxySettings> result = ProxySettingsLoader.parse(chart.toYaml("proxy.config"),
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
                "proxy.config.shutdownGrace must be shorter than proxy.terminationGracePeriodSeconds");
        assertEquals(new ProxySettings.Upstream.Tcp("127.0.0.1", chart.value("postgres.port").asInt()), settings.upstream(),
                "in sidecar mode the proxy relays to the PostgreSQL container of its own pod");
    }

    @Test
    void tlsSectionOfTheConfigMapNamesTheMountedSecretFiles() {
        String template = chart.template("proxy-configmap.yaml");
        Matcher tls = Pattern.compile("\\n(\\s*)tls:\\n\\s*certificate: (\\S+)\\n\\s*key: (\\S+)\\n").matcher(template);
        assertTrue(tls.find(), template);
        String yaml = chart.toYaml("proxy.config") + "tls:\n  certificate: " + tls.group(2) + "\n  key: " + tls.group(3) + "\n";
        ConfigResult<ProxySettings> result = ProxySettingsLoader.parse(yaml, "proxy.yaml", Path.of("/etc/fenceline"));
        // Outside a pod the Secret's files are absent: the keys are right when that is the only complaint.
        List<ConfigProblem> problems = invalid(result);
        assertEquals(List.of("tls.certificate", "tls.key"), problems.stream().map(ConfigProblem::key).toList(), problems.toString());
        problems.forEach(p -> assertTrue(p.message().startsWith("file does not exist: /etc/fenceline/tls/"), p.toString()));
        // ... and the Secret is mounted where the section says.
        assertTrue(chart.template("_helpers.tpl").contains("mountPath: /etc/fenceline/tls"));
    }

    @Test
    void aTypoInTheValuesWouldStopTheProxy() {
        String yaml = chart.toYaml("proxy.config").replace("maxConnections:", "maxConnection:");
        assertNotEquals(chart.toYaml("proxy.config"), yaml);
        ConfigResult<ProxySettings> result = ProxySettingsLoader.parse(yaml, "proxy.yaml", Path.of("/etc/fenceline"));
        assertEquals("limits.maxConnection", invalid(result).get(0).key());
    }

    @SuppressWarnings("unchecked")
    private static List<ConfigProblem> invalid(ConfigResult<ProxySettings> result) {
        return ((ConfigResult.Invalid<ProxySettings>) assertInstanceOf(ConfigResult.Invalid.class, result, result::toString))
                .problems();
    }
}
