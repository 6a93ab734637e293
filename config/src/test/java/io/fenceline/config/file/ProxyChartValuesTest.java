package io.fenceline.config.file;

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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code proxy.yaml} Helm renders into the chart's ConfigMap ({@code helm template}, through
 * {@link HelmChart}) is a configuration {@link ProxySettingsLoader} accepts — with the defaults, with every
 * documented example ({@link ChartExamples}) and with TLS enabled (the {@code tls:} section naming the mounted
 * Secret's files) — and agrees with the rest of the chart.
 */
class ProxyChartValuesTest {

    private static final Pattern MISSING_FILE = Pattern.compile("file does not exist: (/etc/fenceline/\\S+)");
    private static final Pattern MOUNT_PATH = Pattern.compile("mountPath: (\\S+)");

    private final Chart chart = Chart.fenceline();

    @TempDir
    Path pod;

    /** The {@code proxy.yaml} Helm renders into the proxy's ConfigMap. */
    private static String renderedProxyYaml(HelmChart.Rendered r, String release) {
        return r.configMapData(release + "-fenceline-proxy", "proxy.yaml");
    }

    /**
     * Loads {@code yaml} as the proxy in the pod would: outside a pod the files the chart mounts from Secrets are
     * absent, so those are the only problems allowed, only for files under a directory the templates mount; they
     * are then created (as the kubelet would) and the file must be valid as a whole.
     */
    private ProxySettings loadAsInThePod(String yaml, String source) throws IOException {
        ConfigResult<ProxySettings> outside = ProxySettingsLoader.parse(yaml, "proxy.yaml", Path.of("/etc/fenceline"));
        List<String> mounted = mountPaths();
        if (outside instanceof ConfigResult.Invalid<ProxySettings> invalid) {
            for (ConfigProblem p : invalid.problems()) {
                Matcher m = MISSING_FILE.matcher(p.message());
                assertTrue(m.matches(), source + ": not a missing mounted file: " + p);
                Path file = Path.of(m.group(1));
                assertTrue(mounted.contains(file.getParent().toString()),
                        p + ": its directory is not a mountPath of the templates " + mounted);
                Files.createDirectories(pod.resolve(file.getParent().toString().substring(1)));
                Files.writeString(pod.resolve(file.toString().substring(1)), "from-the-secret\n");
            }
        }
        ConfigResult<ProxySettings> result = ProxySettingsLoader.parse(
                yaml.replace("/etc/fenceline/", pod + "/etc/fenceline/"), source, Path.of("/etc/fenceline"));
        @SuppressWarnings("unchecked")
        ConfigResult.Valid<ProxySettings> valid = assertInstanceOf(ConfigResult.Valid.class, result, result::toString);
        return valid.settings();
    }

    /** Every documented rendering's proxy.yaml starts the real loader without a problem. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.fenceline.testing.ChartExamples#all")
    void everyDocumentedRenderingIsAValidProxyConfiguration(ChartExamples.Example example) throws IOException {
        HelmChart.Rendered r = example.render();
        loadAsInThePod(renderedProxyYaml(r, example.release()), example.name());
    }

    @Test
    void defaultValuesAreAValidProxyConfiguration() throws IOException {
        ProxySettings settings = loadAsInThePod(renderedProxyYaml(HelmChart.template("eu", List.of(), Map.of()), "eu"),
                "helm template eu charts/fenceline: ConfigMap eu-fenceline-proxy, proxy.yaml");
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
    void tlsSectionOfTheConfigMapNamesTheMountedSecretFiles() throws IOException {
        HelmChart.Rendered r = HelmChart.template("eu", List.of(), Map.of("tls.enabled", true,
                "tls.existingSecret", "proxy-tls"));
        ProxySettings settings = loadAsInThePod(renderedProxyYaml(r, "eu"), "tls.enabled");
        assertEquals(pod.resolve("etc/fenceline/tls/tls.crt"), settings.tls().orElseThrow().listener().orElseThrow().certificate());
        assertEquals(pod.resolve("etc/fenceline/tls/tls.key"), settings.tls().orElseThrow().listener().orElseThrow().key());
        // ... and the Secret is mounted where the section says.
        assertTrue(r.text().contains("mountPath: /etc/fenceline/tls"), r.text());
    }

    @Test
    void bothTlsLegsOfTheValuesReachTheConfigMapAndTheirSecretsAreMounted() throws IOException {
        HelmChart.Rendered r = HelmChart.template("eu", List.of(), Map.of("tls.enabled", true,
                "tls.existingSecret", "proxy-tls", "tls.clientCertificates.existingSecret", "client-ca",
                "tls.clientCertificates.users[0]", "app", "tls.upstream.sslmode", "verify-full",
                "tls.upstream.existingSecret", "db-tls", "tls.upstream.clientCertificate", true));
        ProxySettings.Tls tls = loadAsInThePod(renderedProxyYaml(r, "eu"), "both TLS legs").tls().orElseThrow();
        ListenerTls listener = tls.listener().orElseThrow();
        assertEquals(Optional.of(pod.resolve("etc/fenceline/client-ca/ca.crt")), listener.clientCa());
        assertEquals(new ListenerTls.ClientCertificates(ListenerTls.Verify.VERIFY_FULL, java.util.Set.of("app"), false),
                listener.required());
        assertEquals(new UpstreamTls(UpstreamTls.SslMode.VERIFY_FULL, Optional.of(pod.resolve("etc/fenceline/upstream-tls/ca.crt")),
                Optional.of(pod.resolve("etc/fenceline/upstream-tls/tls.crt")),
                Optional.of(pod.resolve("etc/fenceline/upstream-tls/tls.key"))), tls.upstream());
        assertTrue(r.text().contains("secretName: client-ca") && r.text().contains("secretName: db-tls"), r.text());
        // The database leg alone renders a tls: section without a listener.
        HelmChart.Rendered upstreamOnly = HelmChart.template("eu", List.of(), Map.of("tls.upstream.sslmode", "require"));
        ProxySettings.Tls only = loadAsInThePod(renderedProxyYaml(upstreamOnly, "eu"), "upstream only").tls().orElseThrow();
        assertEquals(Optional.empty(), only.listener());
        assertEquals(UpstreamTls.SslMode.REQUIRE, only.upstream().mode());
    }

    @Test
    void aTypoInTheValuesWouldStopTheProxy() {
        String rendered = renderedProxyYaml(HelmChart.template("eu", List.of(), Map.of()), "eu");
        String yaml = rendered.replace("max_connections:", "maxConnection:");
        assertNotEquals(rendered, yaml);
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
