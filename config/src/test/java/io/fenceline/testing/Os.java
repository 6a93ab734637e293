package io.fenceline.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Small operating-system helpers for the process fixtures: ports, commands, signals, logs, files. */
final class Os {

    private Os() {
    }

    /** Whether this JVM runs as root (PostgreSQL then has to run as another user). */
    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Result of a finished command: exit code and combined stdout/stderr. */
    record Result(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    /**
     * Runs a command to completion with stdout and stderr merged into {@code outputFile}; kills it after
     * {@code timeoutSeconds}.
     */
    static Result run(List<String> command, Path workDir, Path outputFile, long timeoutSeconds) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(outputFile.toFile()));
        if (workDir != null) {
            builder.directory(workDir.toFile());
        }
        try {
            Process process = builder.start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                return new Result(-1, "timed out after " + timeoutSeconds + "s: " + String.join(" ", command)
                        + "\n" + tail(outputFile, 40));
            }
            return new Result(process.exitValue(), tail(outputFile, 40));
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        }
    }

    /** Sends a signal by name (STOP, CONT, KILL, TERM) to a process; fails loudly when it cannot. */
    static void signal(long pid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                    .redirectErrorStream(true).start();
            String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " failed: " + output.strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not run kill -" + signal + " " + pid, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending SIG" + signal + " to " + pid, e);
        }
    }

    /** The last {@code lines} lines of a text file, or a note saying why there are none. */
    static String tail(Path file, int lines) {
        if (file == null || !Files.exists(file)) {
            return "(no log file " + file + ")";
        }
        try (Stream<String> all = Files.lines(file, StandardCharsets.UTF_8)) {
            Deque<String> last = new ArrayDeque<>(lines);
            all.forEach(line -> {
                if (last.size() == lines) {
                    last.removeFirst();
                }
                last.addLast(line);
            });
            return last.isEmpty() ? "(log " + file + " is empty)" : String.join("\n", last);
        } catch (IOException | UncheckedIOException e) {
            return "(could not read " + file + ": " + e.getMessage() + ")";
        }
    }

    /** Deletes a directory tree; used on close, so it reports what it could not delete instead of throwing. */
    static List<String> deleteTree(Path root) {
        List<String> problems = new ArrayList<>();
        if (root == null || !Files.exists(root)) {
            return problems;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    problems.add(path + ": " + e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            problems.add(root + ": " + e);
        }
        return problems;
    }

    /** Finds an executable on the PATH, resolving symbolic links; null when absent. */
    static Path onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                try {
                    return candidate.toRealPath();
                } catch (IOException e) {
                    return candidate;
                }
            }
        }
        return null;
    }
}
