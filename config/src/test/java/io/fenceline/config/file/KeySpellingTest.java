package io.fenceline.config.file;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One spelling: every key the proxy's file spelled in camelCase before is refused in that spelling, with a
 * problem naming its snake_case replacement, and the same file in the new spelling loads.
 */
class KeySpellingTest {

    /** Every renamed key of the proxy's file, old dotted key → new. */
    static final Map<String, String> RENAMED = new TreeMap<>(Map.ofEntries(
            Map.entry("shutdownGrace", "shutdown_grace"),
            Map.entry("limits.maxMessageLength", "limits.max_message_length"),
            Map.entry("limits.startupTimeout", "limits.startup_timeout"),
            Map.entry("limits.maxConnections", "limits.max_connections"),
            Map.entry("inspection.cacheMegabytes", "inspection.cache_megabytes"),
            Map.entry("inspection.offloadThreshold", "inspection.offload_threshold"),
            Map.entry("etcd.leaseTtl", "etcd.lease_ttl"),
            Map.entry("etcd.requestTimeout", "etcd.request_timeout"),
            Map.entry("etcd.passwordFile", "etcd.password_file"),
            Map.entry("group.proxyId", "group.proxy_id"),
            Map.entry("group.maxLagBytes", "group.max_lag_bytes"),
            Map.entry("group.pauseBound", "group.pause_bound"),
            Map.entry("group.handoffTimeout", "group.handoff_timeout"),
            Map.entry("group.statusInterval", "group.status_interval"),
            Map.entry("group.fence.passwordFile", "group.fence.password_file"),
            Map.entry("group.fence.jdbcUrl", "group.fence.jdbc_url"),
            Map.entry("group.fence.fenceTimeout", "group.fence.fence_timeout"),
            Map.entry("group.fence.poolSize", "group.fence.pool_size"),
            Map.entry("schema.controlRole", "schema.control_role"),
            Map.entry("schema.notUnderstood", "schema.not_understood")));

    private static final String OLD = """
            listen: { host: 127.0.0.1, port: 6432 }
            upstream: { host: 127.0.0.1, port: 5432 }
            limits: { maxMessageLength: 16MiB, startupTimeout: 5s, maxConnections: 20 }
            shutdownGrace: 5s
            inspection: { cacheMegabytes: 8, offloadThreshold: 4096 }
            etcd:
              endpoints: [http://127.0.0.1:2379]
              leaseTtl: 5s
              requestTimeout: 1s
              passwordFile: etcd-password
            group:
              name: main
              cluster: eu
              proxyId: eu-1
              preferred: eu
              candidates: [eu, us]
              maxLagBytes: 1MiB
              pauseBound: 5s
              handoffTimeout: 20s
              statusInterval: 1s
              fence:
                user: postgres
                passwordFile: fence-password
                jdbcUrl: jdbc:postgresql://127.0.0.1:5432/postgres
                fenceTimeout: 2s
                poolSize: 3
            schema:
              group: main
              controlRole: fenceline
              notUnderstood: { reads: allow, ddl: refuse }
            """;

    @Test
    void everyOldSpellingIsRefusedNamingTheNewOne() {
        ConfigResult<ProxySettings> result = ProxySettingsLoader.parse(OLD, "proxy.yaml", Path.of("/nonexistent"));
        List<ConfigProblem> problems = assertInstanceOf(ConfigResult.Invalid.class, result).problems();
        Map<String, String> refused = new TreeMap<>();
        List<String> others = new java.util.ArrayList<>();
        for (ConfigProblem p : problems) {
            int dot = p.key().lastIndexOf('.') + 1;
            String leaf = p.key().substring(dot);
            if (p.message().startsWith("is spelled ")) {
                assertTrue(p.message().contains("rename " + leaf + " to " + KeySpelling.snake(leaf)), p.toString());
                refused.put(p.key(), p.key().substring(0, dot) + KeySpelling.snake(leaf));
            } else {
                others.add(p.key() + ": " + p.message());
            }
        }
        assertEquals(RENAMED, refused, problems.toString());
        // Besides, only the required keys whose old spelling was refused are missing.
        assertEquals(List.of("group.proxy_id: required key is missing", "schema.control_role: required key is missing"),
                others.stream().sorted().toList());
    }

    @Test
    void theSameFileInTheNewSpellingLoads() {
        String renamed = OLD;
        for (Map.Entry<String, String> e : RENAMED.entrySet()) {
            String oldLeaf = e.getKey().substring(e.getKey().lastIndexOf('.') + 1);
            String newLeaf = e.getValue().substring(e.getValue().lastIndexOf('.') + 1);
            renamed = renamed.replace(oldLeaf + ":", newLeaf + ":");
        }
        // Without the password files (they would have to exist): the spelling is what is under test.
        renamed = renamed.replace("  password_file: etcd-password\n", "")
                .replace("    password_file: fence-password\n", "");
        ConfigResult<ProxySettings> result = ProxySettingsLoader.parse(renamed, "proxy.yaml", Path.of("/nonexistent"));
        assertInstanceOf(ConfigResult.Valid.class, result, result.toString());
    }

    @Test
    void snakeCaseConversion() {
        assertEquals("lease_ttl", KeySpelling.snake("leaseTtl"));
        assertEquals("max_lag_bytes", KeySpelling.snake("maxLagBytes"));
        assertEquals("endpoints", KeySpelling.snake("endpoints"));
        assertTrue(KeySpelling.renamed("leaseTtl", Set.of("lease_ttl")).isPresent());
        assertTrue(KeySpelling.renamed("colour", Set.of("lease_ttl")).isEmpty());
        assertTrue(KeySpelling.renamed("leaseTtl", Set.of("endpoints")).isEmpty(), "a camelCase typo is unknown");
    }
}
