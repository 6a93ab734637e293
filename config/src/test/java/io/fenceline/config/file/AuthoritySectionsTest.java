package io.fenceline.config.file;

import io.fenceline.config.coordination.EtcdAccess;
import io.fenceline.config.coordination.EtcdSettings;
import io.fenceline.config.group.ControlDatabase;
import io.fenceline.config.group.Failover;
import io.fenceline.config.group.FenceTriggers;
import io.fenceline.config.group.GroupSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code etcd:} and {@code group:} sections of the proxy's file. */
class AuthoritySectionsTest {

    private static final String BASE = """
            listen: { host: 127.0.0.1, port: 6432 }
            upstream: { host: 127.0.0.1, port: 5432 }
            """;

    @TempDir
    Path dir;

    @Test
    void withoutTheSectionsThereIsNoAuthority() {
        ProxySettings s = valid(BASE);
        assertEquals(Optional.empty(), s.etcd());
        assertEquals(Optional.empty(), s.group());
    }

    @Test
    void minimalGroupGetsDefaultsAndTheUpstreamAsFenceAddress() {
        ProxySettings s = valid(BASE + """
                etcd: { endpoints: [http://127.0.0.1:2379] }
                group:
                  name: main
                  cluster: eu
                  proxy_id: eu-1
                  preferred: eu
                  candidates: [eu, us]
                  fence: { user: postgres }
                """);
        assertEquals(EtcdSettings.defaults(List.of("http://127.0.0.1:2379")), s.etcd().orElseThrow().settings());
        assertEquals(EtcdAccess.NONE, s.etcd().orElseThrow().access());
        ProxySettings.Group g = s.group().orElseThrow();
        assertEquals(GroupSettings.of("main", "eu", "eu-1", "eu", List.of("eu", "us"), Failover.MANUAL), g.settings());
        assertEquals(new ControlDatabase("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", null, null,
                ControlDatabase.DEFAULT_FENCE_TIMEOUT), g.fenceDatabase());
        assertEquals(ProxySettings.Group.DEFAULT_FENCE_POOL_SIZE, g.fencePoolSize());
        assertEquals(new FenceTriggers(true, List.of("postgres")), g.fenceTriggers(),
                "triggers on by default, the fence's own role exempt");
    }

    @Test
    void fenceTriggersCanBeTurnedOffAndTheirExemptRolesListed() {
        String group = BASE + """
                etcd: { endpoints: [http://127.0.0.1:2379] }
                group:
                  name: main
                  cluster: eu
                  proxy_id: eu-1
                  preferred: eu
                  candidates: [eu, us]
                """;
        assertEquals(new FenceTriggers(false, List.of("postgres")), valid(group
                + "  fence: { user: postgres, triggers: false }\n").group().orElseThrow().fenceTriggers());
        assertEquals(new FenceTriggers(true, List.of("migrator", "fence-admin")), valid(group
                + "  fence: { user: postgres, exempt_roles: [migrator, fence-admin] }\n").group().orElseThrow()
                .fenceTriggers());
        assertEquals(new FenceTriggers(true, List.of()), valid(group
                + "  fence: { user: postgres, exempt_roles: [] }\n").group().orElseThrow().fenceTriggers());
        ConfigResult<ProxySettings> bad = ProxySettingsLoader.parse(group
                + "  fence: { user: postgres, triggers: maybe, exempt_roles: [\"a'b\", ok] }\n", "p.yaml", dir);
        List<String> keys = ((ConfigResult.Invalid<ProxySettings>) bad).problems().stream().map(ConfigProblem::key)
                .toList();
        assertEquals(List.of("group.fence.triggers", "group.fence.exempt_roles[0]"), keys, bad.toString());
    }

    @Test
    void fullSectionsAreRead() throws IOException {
        Files.writeString(dir.resolve("etcd-password"), "s3cret\n");
        Files.writeString(dir.resolve("ca.pem"), "ca");
        Files.writeString(dir.resolve("client.pem"), "cert");
        Files.writeString(dir.resolve("client.key"), "key");
        ProxySettings s = valid(BASE + """
                etcd:
                  endpoints: [https://10.0.0.1:2379, https://10.0.0.2:2379]
                  prefix: /fl
                  lease_ttl: 6s
                  rho: 0.02
                  margin: 700ms
                  request_timeout: 800ms
                  user: proxy
                  password_file: etcd-password
                  tls: { ca: ca.pem, certificate: client.pem, key: client.key }
                group:
                  name: orders
                  cluster: us
                  proxy_id: us-2
                  preferred: eu
                  candidates: [eu, us]
                  failover: automatic
                  max_lag_bytes: 4GiB
                  pause_bound: 3s
                  handoff_timeout: 20s
                  status_interval: 500ms
                  fence:
                    user: fence
                    password: pw
                    jdbc_url: jdbc:postgresql://db:5433/app
                    subscription: from_eu
                    fence_timeout: 3s
                    pool_size: 4
                """);
        ProxySettings.Etcd etcd = s.etcd().orElseThrow();
        assertEquals(new EtcdSettings(List.of("https://10.0.0.1:2379", "https://10.0.0.2:2379"), "/fl",
                Duration.ofSeconds(6), 0.02, Duration.ofMillis(700), Duration.ofMillis(800)), etcd.settings());
        assertEquals(Optional.of(new EtcdAccess.Credentials("proxy", "s3cret")), etcd.access().credentials());
        assertEquals(Optional.of(new EtcdAccess.Tls(Optional.of(dir.resolve("ca.pem")),
                Optional.of(dir.resolve("client.pem")), Optional.of(dir.resolve("client.key")))), etcd.access().tls());
        ProxySettings.Group g = s.group().orElseThrow();
        assertEquals(new GroupSettings("orders", "us", "us-2", "eu", List.of("eu", "us"), Failover.AUTOMATIC,
                4L << 30, Duration.ofSeconds(3), Duration.ofSeconds(20), Duration.ofMillis(500)), g.settings());
        assertEquals(new ControlDatabase("jdbc:postgresql://db:5433/app", "fence", "pw", "from_eu",
                Duration.ofSeconds(3)), g.fenceDatabase());
        assertEquals(4, g.fencePoolSize());
        assertTrue(etcd.access().toString().contains("***") && !etcd.access().toString().contains("s3cret"));
    }

    @Test
    void everyProblemOfBothSectionsIsReportedWithItsKey() {
        List<ConfigProblem> problems = invalid("""
                listen: { host: 127.0.0.1, port: 6432 }
                upstream: { socket: /tmp/.s.PGSQL.5432 }
                etcd:
                  endpoints: [ftp://x, "http://127.0.0.1:2379"]
                  lease_ttl: 1500ms
                  rho: 2
                  password: pw
                  colour: blue
                group:
                  name: "bad name"
                  cluster: eu
                  proxy_id: eu-1
                  preferred: asia
                  candidates: [eu, us, eu]
                  failover: sometimes
                  pause_bound: 0s
                  fence: { pool_size: 50, fence_timeout: 10ms }
                """);
        List<String> keys = problems.stream().map(ConfigProblem::key).toList();
        assertEquals(List.of("etcd.colour", "etcd.rho", "etcd.endpoints", "etcd.lease_ttl", "etcd.user",
                "group.failover", "group.fence.user", "group.fence.jdbc_url", "group.fence.pool_size"), keys,
                problems.toString());
        problems.forEach(p -> assertEquals("proxy.yaml", p.file()));
        assertTrue(problems.get(2).message().contains("ftp://x"), problems.get(2).message());
    }

    @Test
    void groupValuesAreCheckedOnceTheShapeIsRight() {
        List<ConfigProblem> problems = invalid(BASE + """
                etcd: { endpoints: http://127.0.0.1:2379, margin: 4s }
                group:
                  name: "bad name"
                  cluster: eu
                  proxy_id: eu-1
                  preferred: asia
                  candidates: [eu, us, eu]
                  pause_bound: 0s
                  fence: { user: postgres, fence_timeout: 10ms }
                """);
        List<String> keys = problems.stream().map(ConfigProblem::key).toList();
        assertEquals(List.of("etcd.margin", "group.name", "group.candidates", "group.preferred", "group.pause_bound",
                "group.fence.fence_timeout"), keys, problems.toString());
    }

    @Test
    void aGroupNeedsEtcd() {
        List<ConfigProblem> problems = invalid(BASE + """
                group: { name: main, cluster: eu, proxy_id: eu-1, preferred: eu, candidates: [eu], fence: { user: postgres } }
                """);
        assertEquals(List.of("etcd"), problems.stream().map(ConfigProblem::key).toList(), problems.toString());
    }

    private ProxySettings valid(String yaml) {
        ConfigResult<ProxySettings> r = ProxySettingsLoader.parse(yaml, "proxy.yaml", dir);
        if (r instanceof ConfigResult.Invalid<ProxySettings> inv) {
            throw new AssertionError(inv.describe());
        }
        return ((ConfigResult.Valid<ProxySettings>) r).settings();
    }

    private List<ConfigProblem> invalid(String yaml) {
        ConfigResult<ProxySettings> r = ProxySettingsLoader.parse(yaml, "proxy.yaml", dir);
        return assertInstanceOf(ConfigResult.Invalid.class, r).problems();
    }
}
