package io.fenceline.demo;

import io.fenceline.control.cli.Cli;
import io.fenceline.demo.fleet.LocalFleet;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Control, in-process: writes control's configuration for the demo fleet and the shipped manifests to the work
 * directory and runs {@code fenceline apply} through control's command line, relaying its progress lines.
 */
final class Migration {

    /** The manifests shipped with the demo, in order. */
    static final List<String> MANIFESTS = List.of("0001-order-amount.yaml", "0002-drop-amount-cents.yaml");

    private final Path workDir;
    private final Path migrations;
    private final LocalFleet fleet;
    private final String group;
    private final boolean requireProxies;

    private Migration(Path workDir, Path migrations, LocalFleet fleet, String group, boolean requireProxies) {
        this.workDir = workDir;
        this.migrations = migrations;
        this.fleet = fleet;
        this.group = group;
        this.requireProxies = requireProxies;
    }

    /** Copies the shipped manifests to {@code workDir/migrations}. */
    static Migration prepare(Path workDir, LocalFleet fleet, String group, boolean requireProxies) {
        try {
            Path migrations = Files.createDirectories(workDir.resolve("migrations"));
            for (String name : MANIFESTS) {
                try (InputStream in = Migration.class.getResourceAsStream("migrations/" + name)) {
                    if (in == null) {
                        throw new IllegalStateException("the demo's manifest " + name + " is missing from its jar");
                    }
                    Files.copy(in, migrations.resolve(name));
                }
            }
            return new Migration(workDir, migrations, fleet, group, requireProxies);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the demo's manifests to " + workDir, e);
        }
    }

    /**
     * Writes control's configuration {@code workDir/<name>.yaml} with these waves and {@code writer_order: auto}
     * (each step moves the writer's cluster: last in expand and backfill, first in contract). The clusters' JDBC URLs turn off
     * {@code default_transaction_read_only} for control's own sessions, so control can migrate a cluster its proxy
     * has fenced read-only.
     */
    Path config(String name, List<List<String>> waves) {
        StringBuilder yaml = new StringBuilder("group: ").append(group).append("\ninstance: demo-control\n")
                .append("etcd:\n  endpoints: [").append(String.join(", ", fleet.etcd().endpoints()))
                .append("]\n  lease_ttl: 10s\n  request_timeout: 2s\nclusters:\n");
        for (String cluster : fleet.clusters()) {
            yaml.append("  - {name: ").append(cluster).append(", jdbc_url: \"jdbc:postgresql://127.0.0.1:")
                    .append(fleet.server(cluster).port()).append('/').append(LocalFleet.DATABASE)
                    .append("?options=-c%20default_transaction_read_only%3Doff\", user: postgres}\n");
        }
        yaml.append("waves: [");
        for (int i = 0; i < waves.size(); i++) {
            yaml.append(i == 0 ? "" : ", ").append('[').append(String.join(", ", waves.get(i))).append(']');
        }
        // A 2 s error window (10 s by default) keeps the error-rate gate between waves and the demo short.
        yaml.append("]\npolicies:\n  auto_rollback: true\n  gate_timeout: 15s\n  drain_timeout: 60s\n")
                .append("  error_window: 2s\n  writer_order: auto\n")
                .append("  require_proxies: ").append(requireProxies).append('\n');
        Path config = workDir.resolve(name + ".yaml");
        try {
            Files.writeString(config, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write control's configuration " + config, e);
        }
        return config;
    }

    /**
     * Runs {@code fenceline apply --config CONFIG --migrations DIR --to VERSION} in the background; the future
     * completes with control's exit code.
     */
    CompletableFuture<Integer> applyAsync(Path config, int toVersion, Consumer<String> progress) {
        return runAsync("apply", config, toVersion, progress);
    }

    /**
     * {@code fenceline resume}: continues the run from its journal, as an operator does after control lost its
     * leader lease (exit 7).
     */
    CompletableFuture<Integer> resumeAsync(Path config, int toVersion, Consumer<String> progress) {
        return runAsync("resume", config, toVersion, progress);
    }

    private CompletableFuture<Integer> runAsync(String verb, Path config, int toVersion, Consumer<String> progress) {
        return CompletableFuture.supplyAsync(() -> {
            PrintWriter out = new PrintWriter(new LineWriter(progress), true);
            return Cli.run(new String[]{verb, "--config", config.toString(), "--migrations", migrations.toString(),
                    "--to", Integer.toString(toVersion), "--leader-wait", "30"}, out, out);
        });
    }

    /**
     * Runs the operator verb {@code fenceline handoff --config CONFIG --to CLUSTER --wait} in-process, relaying its
     * lines; returns its exit code.
     */
    int handoff(Path config, String target, String reason, Consumer<String> progress) {
        PrintWriter out = new PrintWriter(new LineWriter(progress), true);
        int code = Cli.run(new String[]{"handoff", "--config", config.toString(), "--to", target, "--timeout", "20s",
                "--wait", "--reason", reason}, out, out);
        out.close();
        return code;
    }

    /**
     * Runs {@code fenceline verify --config CONFIG --policy report_only --json} in-process (the demo reports what
     * it finds rather than halting the group); returns its exit code and JSON report.
     */
    Verified verify(Path config, Consumer<String> progress) {
        java.io.StringWriter json = new java.io.StringWriter();
        PrintWriter err = new PrintWriter(new LineWriter(progress), true);
        int code = Cli.run(new String[]{"verify", "--config", config.toString(), "--policy", "report_only", "--json"},
                new PrintWriter(json, true), err);
        err.close();
        return new Verified(code, json.toString());
    }

    /**
     * Writes {@code workDir/<name>.yaml} as {@link #config} does, with {@code policies.verify: after_writer_change}
     * and {@code on_divergence: report_only}: the configuration of the demo's {@code fenceline watch}, which reports
     * what it finds after a writer change rather than halting the group.
     */
    Path watchConfig(String name, List<List<String>> waves) {
        Path config = config(name, waves);
        try {
            Files.writeString(config, "  verify: after_writer_change\n  on_divergence: report_only\n",
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write control's configuration " + config, e);
        }
        return config;
    }

    /**
     * Starts {@code fenceline watch --config CONFIG --once --json} on a thread of its own: it verifies after the
     * first writer change it sees. The future completes with its exit code and JSON line; interrupting the thread
     * (the returned handle's {@link Watching#stop()}) ends a watch that saw no change.
     */
    Watching watch(Path config, Consumer<String> progress) {
        CompletableFuture<Verified> done = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            java.io.StringWriter json = new java.io.StringWriter();
            PrintWriter err = new PrintWriter(new LineWriter(progress), true);
            try {
                int code = Cli.run(new String[]{"watch", "--config", config.toString(), "--once", "--json"},
                        new PrintWriter(json, true), err);
                done.complete(new Verified(code, json.toString()));
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            } finally {
                err.close();
            }
        }, "demo-fenceline-watch");
        thread.setDaemon(true);
        thread.start();
        return new Watching(thread, done);
    }

    /** A running {@code fenceline watch}: its thread and its outcome. */
    record Watching(Thread thread, CompletableFuture<Verified> done) {
        /** Ends the watch if it still waits for a change, and waits a little for its thread. */
        void stop() throws InterruptedException {
            thread.interrupt();
            thread.join(10_000);
        }
    }

    /** {@code fenceline verify}'s exit code and JSON report. */
    record Verified(int exit, String json) {
    }

    /** Hands every complete line written to it to a consumer. */
    private static final class LineWriter extends Writer {
        private final Consumer<String> lines;
        private final StringBuilder pending = new StringBuilder();

        LineWriter(Consumer<String> lines) {
            this.lines = lines;
        }

        @Override
        public synchronized void write(char[] buf, int off, int len) {
            for (int i = off; i < off + len; i++) {
                if (buf[i] == '\n') {
                    lines.accept(pending.toString());
                    pending.setLength(0);
                } else {
                    pending.append(buf[i]);
                }
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public synchronized void close() {
            if (!pending.isEmpty()) {
                lines.accept(pending.toString());
                pending.setLength(0);
            }
        }
    }
}
