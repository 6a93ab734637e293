package io.fenceline.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Turns on etcd's authentication of a test etcd with {@code etcdctl}: a {@code root} user, then {@code auth enable}. */
public final class EtcdAuth {

    private EtcdAuth() {
    }

    /**
     * Adds user {@code root} with {@code rootPassword} and enables authentication; from then on etcd refuses
     * requests without credentials.
     */
    public static void enableRoot(EtcdCluster etcd, String rootPassword) {
        etcdctl(etcd, "user", "add", "root:" + rootPassword, "--interactive=false");
        etcdctl(etcd, "auth", "enable");
    }

    private static void etcdctl(EtcdCluster etcd, String... args) {
        List<String> command = new ArrayList<>(List.of("env", "ETCDCTL_API=3", "etcdctl",
                "--endpoints=" + etcd.endpoints().get(0)));
        command.addAll(List.of(args));
        Path log;
        try {
            log = Files.createTempFile("etcdctl", ".log");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create a log file for etcdctl", e);
        }
        try {
            Os.Result result = Os.run(command, null, log, 30);
            if (!result.ok()) {
                throw new IllegalStateException("etcdctl " + String.join(" ", args) + " failed (exit "
                        + result.exitCode() + "): " + result.output());
            }
        } finally {
            try {
                Files.deleteIfExists(log);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot delete " + log, e);
            }
        }
    }
}
