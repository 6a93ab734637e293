package io.fenceline.proxy;

import io.fenceline.testing.ArchitectureRules;
import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bin/fenceline proxy --config FILE} as an operator runs it: invalid files, serving, SIGTERM. */
class LauncherIT {

    @TempDir
    Path dir;

    private static final Path LAUNCHER = ArchitectureRules.moduleDir().toAbsolutePath().getParent().resolve("bin/fenceline");

    @Test
    void invalidConfigurationListsEveryProblemAndExitsWithTwo() throws Exception {
        Path config = dir.resolve("bad.yaml");
        Files.writeString(config, "listen: { host: 127.0.0.1, port: 99999 }\nupstream: { port: 0 }\nlimits: { startup_timeout: never }\n");
        Process p = new ProcessBuilder(LAUNCHER.toString(), "proxy", "--config", config.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        for (String key : new String[]{"listen.port", "upstream.host", "upstream.port", "limits.startup_timeout"}) {
            assertTrue(out.contains(config + ": " + key + ": "), "missing " + key + " in:\n" + out);
        }
    }

    @Test
    void servesUntilSigtermThenStopsGracefully() throws Exception {
        try (PostgresServer pg = PostgresServer.builder().start()) {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Path config = dir.resolve("proxy.yaml");
            Files.writeString(config, "listen: { host: 127.0.0.1, port: " + port + " }\n"
                    + "upstream: { host: 127.0.0.1, port: " + pg.port() + " }\nshutdown_grace: 2s\n");
            Process p = new ProcessBuilder(LAUNCHER.toString(), "proxy", "--config", config.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("proxy.log").toFile()).start();
            try {
                Properties props = new Properties();
                props.setProperty("user", "postgres");
                String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres?sslmode=disable&connectTimeout=2";
                ClientsThroughProxyIT.waitFor(() -> {
                    try (Connection c = DriverManager.getConnection(url, props);
                         ResultSet rs = c.createStatement().executeQuery("SELECT 'launched'")) {
                        return rs.next() && rs.getString(1).equals("launched");
                    } catch (Exception e) {
                        return false;
                    }
                });
                p.destroy(); // SIGTERM
                assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the proxy exits after SIGTERM");
                String log = Files.readString(dir.resolve("proxy.log"));
                assertTrue(log.contains("proxy stopped"), log);
            } finally {
                p.destroyForcibly();
            }
        }
    }
}
