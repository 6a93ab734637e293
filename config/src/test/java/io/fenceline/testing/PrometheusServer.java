package io.fenceline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (Debian's {@code prometheus} package, {@code bin/lib/prometheus.sh} installs it) as a
 * local process: a fresh {@code /tmp/fenceline-prometheus-*} directory holding {@code prometheus.yml} (written from
 * the scrape targets and rule files given), the TSDB and {@code prometheus.log}; listening on a loopback port from
 * {@link FreePorts}. Queries go through its HTTP API ({@code /api/v1/query}).
 */
public final class PrometheusServer implements AutoCloseable, LogSource {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration READY = Duration.ofSeconds(60);

    private final Path dir;
    private final int port;
    private final Process process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PrometheusServer(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    /** The {@code prometheus} binary on the PATH, if any. */
    public static Optional<Path> binary() {
        return Optional.ofNullable(Os.onPath("prometheus"));
    }

    /** The {@code promtool} binary on the PATH, if any. */
    public static Optional<Path> promtool() {
        return Optional.ofNullable(Os.onPath("promtool"));
    }

    /**
     * Starts Prometheus scraping {@code targets} ({@code host:port}, path {@code /metrics}) every
     * {@code scrapeInterval} as job {@code job}, evaluating {@code ruleFiles}; returns once {@code /-/ready} answers.
     */
    public static PrometheusServer start(String job, List<String> targets, Duration scrapeInterval, List<Path> ruleFiles) {
        Path bin = binary().orElseThrow(() -> new IllegalStateException(
                "prometheus is not on the PATH: apt-get install -y prometheus (bin/lib/prometheus.sh does it)"));
        try {
            Path dir = Files.createTempDirectory("fenceline-prometheus-");
            int port = FreePorts.take();
            StringBuilder y = new StringBuilder();
            long seconds = Math.max(1, scrapeInterval.toSeconds());
            y.append("global: {scrape_interval: ").append(seconds).append("s, evaluation_interval: ").append(seconds).append("s}\n");
            if (!ruleFiles.isEmpty()) {
                y.append("rule_files:\n");
                ruleFiles.forEach(f -> y.append("  - ").append(f.toAbsolutePath()).append('\n'));
            }
            y.append("scrape_configs:\n  - job_name: ").append(job).append("\n    static_configs:\n      - targets: [");
            y.append(String.join(", ", targets.stream().map(t -> "'" + t + "'").toList())).append("]\n");
            Files.writeString(dir.resolve("prometheus.yml"), y.toString());
            Process p = new ProcessBuilder(bin.toString(), "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                    "--web.enable-lifecycle")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            PrometheusServer server = new PrometheusServer(dir, port, p);
            try {
                server.awaitReady();
            } catch (RuntimeException | InterruptedException e) {
                server.close();
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("prometheus did not become ready: " + server.logTail(20), e);
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start prometheus", e);
        }
    }

    private void awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + READY.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited with " + process.exitValue());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/-/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("no /-/ready within " + READY);
    }

    /** {@code http://127.0.0.1:port}. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** The directory holding the configuration, the TSDB and the log. */
    public Path dir() {
        return dir;
    }

    /** GETs {@code /api/v1/...} with {@code query} parameters (name, value, ...); the JSON answer's {@code data}. */
    public JsonNode api(String path, String... params) {
        StringBuilder q = new StringBuilder();
        for (int i = 0; i + 1 < params.length; i += 2) {
            q.append(q.length() == 0 ? "?" : "&").append(params[i]).append('=')
                    .append(URLEncoder.encode(params[i + 1], StandardCharsets.UTF_8));
        }
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/api/v1/" + path + q))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(r.body());
            if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
                throw new IllegalStateException("prometheus " + path + q + " answered " + r.statusCode() + ": " + r.body());
            }
            return body.path("data");
        } catch (IOException e) {
            throw new UncheckedIOException("prometheus " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** An instant query: the {@code result} array of {@code /api/v1/query} (a vector's series, or a scalar). */
    public JsonNode query(String promql) {
        return api("query", "query", promql).path("result");
    }

    /**
     * The fewest successful scrapes of any of {@code job}'s {@code targets} so far (each scrape adds an {@code up}
     * sample, 1 when it succeeded); 0 until every target was scraped once.
     */
    public int fewestSuccessfulScrapes(String job, int targets) {
        JsonNode r = query("sum_over_time(up{job=\"" + job + "\"}[1h])");
        if (r.size() < targets) {
            return 0;
        }
        int fewest = Integer.MAX_VALUE;
        for (JsonNode series : r) {
            fewest = Math.min(fewest, (int) Double.parseDouble(series.path("value").get(1).asText()));
        }
        return fewest;
    }

    /** The rule groups Prometheus loaded ({@code /api/v1/rules}'s {@code groups}). */
    public JsonNode ruleGroups() {
        return api("rules").path("groups");
    }

    @Override
    public String describe() {
        return "prometheus " + url() + " (" + dir + ")";
    }

    @Override
    public String logTail(int lines) {
        return Os.tail(dir.resolve("prometheus.log"), lines);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Os.deleteTree(dir);
    }
}
