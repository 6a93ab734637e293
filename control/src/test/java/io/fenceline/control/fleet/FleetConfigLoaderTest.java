package io.fenceline.control.fleet;

import io.fenceline.config.coordination.EtcdAccess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FleetConfigLoaderTest {

    @TempDir
    Path dir;

    private static final String VALID = """
            group: main
            instance: control-a
            etcd: {endpoints: [http://127.0.0.1:2379], lease_ttl: 3s}
            clusters:
              - {name: eu, jdbc_url: "jdbc:postgresql://db-eu:5432/app", user: fenceline, password_env: EU_PW}
              - {name: us, jdbc_url: "jdbc:postgresql://db-us:5432/app", user: fenceline}
            waves: [[eu], [us]]
            policies: {auto_rollback: false, gate_timeout: 10s, require_proxies: false}
            """;

    @Test
    void readsAValidFile() {
        FleetConfigLoader.Result r = FleetConfigLoader.parse("control.yaml", VALID, Map.of("EU_PW", "secret")::get);
        FleetConfig c = assertInstanceOf(FleetConfigLoader.Result.Loaded.class, r).config();
        assertEquals("main", c.group());
        assertEquals(List.of("eu", "us"), c.rolloutOrder());
        assertEquals("secret", c.cluster("eu").orElseThrow().password());
        assertEquals(Duration.ofSeconds(3), c.etcd().leaseTtl());
        assertEquals(Duration.ofSeconds(10), c.policies().gateTimeout());
        assertEquals(Duration.ofMinutes(10), c.policies().drainTimeout(), "default kept");
        assertEquals(false, c.policies().autoRollback());
        assertEquals(1, c.waveOf("us"));
        assertEquals(Duration.ofSeconds(10), c.policies().errorWindow(), "error gate on by default");
        assertEquals(0.01, c.policies().errorMaxRise());
        assertEquals(100, c.policies().errorMinStatements());
        assertTrue(!c.cluster("eu").orElseThrow().toString().contains("secret"), "password not printed");
    }

    @Test
    void readsTheCalendarKeys() {
        String yaml = VALID.replace("policies: {auto_rollback: false, gate_timeout: 10s, require_proxies: false}", """
                policies:
                  cooldown: {expand: 30m, backfill: 0s, contract: 2h}
                  windows:
                    - {days: [mon-fri], from: "09:00", to: "17:00", zone: Europe/Berlin}
                    - {days: [sat], from: "22:00", to: "06:00", zone: UTC}
                  gate_timeout: {default: 45s, backfill: 5m}
                """);
        Policies p = assertInstanceOf(FleetConfigLoader.Result.Loaded.class,
                FleetConfigLoader.parse("control.yaml", yaml, Map.of("EU_PW", "x")::get)).config().policies();
        assertEquals(Duration.ofMinutes(30), p.calendar().cooldown(io.fenceline.config.records.Step.EXPAND));
        assertEquals(Duration.ZERO, p.calendar().cooldown(io.fenceline.config.records.Step.BACKFILL));
        assertEquals(Duration.ofHours(2), p.calendar().cooldown(io.fenceline.config.records.Step.CONTRACT));
        assertEquals("[mon,tue,wed,thu,fri 09:00-17:00 Europe/Berlin, sat 22:00-06:00 UTC]",
                p.calendar().windows().toString());
        assertEquals(Duration.ofSeconds(45), p.gateTimeout());
        assertEquals(Duration.ofSeconds(45), p.gateTimeout(io.fenceline.config.records.Step.EXPAND));
        assertEquals(Duration.ofMinutes(5), p.gateTimeout(io.fenceline.config.records.Step.BACKFILL));

        Policies one = assertInstanceOf(FleetConfigLoader.Result.Loaded.class, FleetConfigLoader.parse("control.yaml",
                VALID.replace("gate_timeout: 10s", "gate_timeout: 10s, cooldown: 5m"), Map.of("EU_PW", "x")::get))
                .config().policies();
        assertEquals(Duration.ofMinutes(5), one.calendar().cooldown(io.fenceline.config.records.Step.CONTRACT));
        assertEquals(Duration.ofSeconds(10), one.gateTimeout(io.fenceline.config.records.Step.CONTRACT));
        assertTrue(!one.calendar().windows().configured());
    }

    @Test
    void calendarProblemsNameTheirKeys() {
        String yaml = VALID.replace("policies: {auto_rollback: false, gate_timeout: 10s, require_proxies: false}", """
                policies:
                  cooldown: {expand: soon, migrate: 5m}
                  windows:
                    - {days: [mon-funday], from: "9am", to: "25:00", zone: Mars/Olympus, colour: red}
                    - {days: [mon], from: "10:00", to: "10:00", zone: UTC}
                    - {from: "10:00", to: "11:00", zone: UTC}
                  gate_timeout: {default: 0s, verify: 1m}
                """);
        List<String> problems = assertInstanceOf(FleetConfigLoader.Result.Invalid.class,
                FleetConfigLoader.parse("control.yaml", yaml, Map.of("EU_PW", "x")::get)).problems();
        String all = String.join("\n", problems);
        for (String expected : List.of("control.yaml: policies.cooldown.expand: 'soon' is not a positive duration",
                "control.yaml: policies.cooldown.migrate: unknown key",
                "control.yaml: policies.windows[0].days: 'mon-funday' is not a day",
                "control.yaml: policies.windows[0].from: '9am' is not a time HH:MM",
                "control.yaml: policies.windows[0].to: '25:00' is not a time HH:MM",
                "control.yaml: policies.windows[0].zone: 'Mars/Olympus' is not a time zone",
                "control.yaml: policies.windows[0].colour: unknown key",
                "control.yaml: policies.windows[1]: from and to are both 10:00: an empty window",
                "control.yaml: policies.windows[2].days: is required",
                "control.yaml: policies.gate_timeout.default: '0s' is not a positive duration",
                "control.yaml: policies.gate_timeout.verify: unknown key")) {
            assertTrue(all.contains(expected), "missing '" + expected + "' in:\n" + all);
        }
    }

    @Test
    void listsEveryProblemAtOnceWithFileAndKey() {
        String bad = """
                group: "bad group"
                etcd: {endpoints: [], lease_ttl: soon}
                clusters:
                  - {name: eu, jdbc_url: "mysql://x", user: fenceline, password_env: MISSING}
                  - {name: eu, jdbc_url: "jdbc:postgresql://y/app"}
                  - {name: ap, jdbc_url: "jdbc:postgresql://z/app", user: f}
                waves: [[eu], [us]]
                policies: {auto_rollback: maybe, max_lag_bytes: -1, colour: blue, error_max_rise: 5,
                           error_min_statements: 0, error_window: often, writer_order: writer-first}
                typo: 1
                """;
        FleetConfigLoader.Result r = FleetConfigLoader.parse("control.yaml", bad, k -> null);
        List<String> problems = assertInstanceOf(FleetConfigLoader.Result.Invalid.class, r).problems();
        String all = String.join("\n", problems);
        for (String expected : List.of("control.yaml: group: 'bad group' is not a valid name",
                "control.yaml: etcd.lease_ttl: 'soon' is not a positive duration",
                "control.yaml: clusters[0].jdbc_url: must start with jdbc:postgresql:",
                "control.yaml: clusters[0].password_env: environment variable MISSING is not set",
                "control.yaml: clusters[1].name: cluster 'eu' is declared twice",
                "control.yaml: clusters[1].user: is required",
                "control.yaml: waves[1][0]: 'us' is not a cluster of this file",
                "control.yaml: waves: cluster 'ap' is in no wave",
                "control.yaml: policies.auto_rollback: must be true or false",
                "control.yaml: policies.max_lag_bytes: must be a whole number",
                "control.yaml: policies.colour: unknown key",
                "control.yaml: policies.error_max_rise: must be a fraction between 0 and 1",
                "control.yaml: policies.error_min_statements: must be a whole number >= 1",
                "control.yaml: policies.error_window: 'often' is not a positive duration",
                "control.yaml: policies.writer_order: must be auto or as-configured, got 'writer-first'",
                "control.yaml: typo: unknown key")) {
            assertTrue(all.contains(expected), "missing '" + expected + "' in:\n" + all);
        }
    }

    @Test
    void theErrorGateIsConfiguredOrTurnedOff() {
        String tuned = VALID.replace("require_proxies: false}", "require_proxies: false, error_window: 2s,"
                + " error_max_rise: 0.005, error_min_statements: 20}");
        Policies p = ((FleetConfigLoader.Result.Loaded) FleetConfigLoader.parse("c.yaml", tuned,
                Map.of("EU_PW", "x")::get)).config().policies();
        assertEquals(Duration.ofSeconds(2), p.errorWindow());
        assertEquals(0.005, p.errorMaxRise());
        assertEquals(20, p.errorMinStatements());
        for (String off : List.of("off", "0", "0s")) {
            String text = VALID.replace("require_proxies: false}", "require_proxies: false, error_window: " + off + "}");
            assertEquals(Duration.ZERO, ((FleetConfigLoader.Result.Loaded) FleetConfigLoader.parse("c.yaml", text,
                    Map.of("EU_PW", "x")::get)).config().policies().errorWindow(), off);
        }
    }

    @Test
    void theWriterOrderIsAutoUnlessConfigured() {
        assertEquals(Policies.WriterOrder.AUTO, ((FleetConfigLoader.Result.Loaded) FleetConfigLoader.parse("c.yaml",
                VALID, Map.of("EU_PW", "x")::get)).config().policies().writerOrder());
        String fixed = VALID.replace("require_proxies: false}", "require_proxies: false, writer_order: as-configured}");
        assertEquals(Policies.WriterOrder.AS_CONFIGURED, ((FleetConfigLoader.Result.Loaded) FleetConfigLoader.parse(
                "c.yaml", fixed, Map.of("EU_PW", "x")::get)).config().policies().writerOrder());
    }

    @Test
    void consistencyPoliciesDefaultToNoVerifyAndHaltAndReadTheirSpellings() {
        Consistency d = ((FleetConfigLoader.Result.Loaded) FleetConfigLoader.parse("c.yaml", VALID,
                Map.of("EU_PW", "x")::get)).config().policies().consistency();
        assertEquals(Consistency.DEFAULTS, d);
        String both = VALID.replace("require_proxies: false}",
                "require_proxies: false, verify: [after_wave, after_writer_change], on_divergence: writer_wins}");
        Consistency c = ((FleetConfigLoader.Result.Loaded) FleetConfigLoader.parse("c.yaml", both,
                Map.of("EU_PW", "x")::get)).config().policies().consistency();
        assertEquals(java.util.Set.of(Consistency.VerifyAt.AFTER_WAVE, Consistency.VerifyAt.AFTER_WRITER_CHANGE),
                c.verifyAt());
        assertEquals(Consistency.OnDivergence.WRITER_WINS, c.onDivergence());
        String one = VALID.replace("require_proxies: false}", "require_proxies: false, verify: after_wave,"
                + " on_divergence: report_only}");
        Consistency o = ((FleetConfigLoader.Result.Loaded) FleetConfigLoader.parse("c.yaml", one,
                Map.of("EU_PW", "x")::get)).config().policies().consistency();
        assertEquals(java.util.Set.of(Consistency.VerifyAt.AFTER_WAVE), o.verifyAt());
        assertEquals(Consistency.OnDivergence.REPORT_ONLY, o.onDivergence());
        String bad = VALID.replace("require_proxies: false}", "require_proxies: false, verify: [after_wave, nightly],"
                + " on_divergence: writer-wins}");
        FleetConfigLoader.Result r = FleetConfigLoader.parse("c.yaml", bad, Map.of("EU_PW", "x")::get);
        List<String> problems = ((FleetConfigLoader.Result.Invalid) r).problems();
        assertTrue(problems.contains("c.yaml: policies.verify: must be off, after_wave, after_writer_change or a list"
                + " of them, got 'nightly'"), problems::toString);
        assertTrue(problems.contains("c.yaml: policies.on_divergence: must be halt, writer_wins or report_only, got"
                + " 'writer-wins'"), problems::toString);
    }

    @Test
    void withoutAccessKeysEtcdIsReachedPlainly() {
        FleetConfig c = ((FleetConfigLoader.Result.Loaded) FleetConfigLoader.parse("c.yaml", VALID,
                Map.of("EU_PW", "x")::get)).config();
        assertEquals(EtcdAccess.NONE, c.etcdAccess());
        assertEquals(EtcdAccess.NONE, c.withInstance("control-b").etcdAccess());
    }

    @Test
    void credentialsAndTlsAreReadAsInTheProxysFileWithPathsRelativeToTheFile() throws IOException {
        Files.writeString(dir.resolve("etcd-password"), "s3cret\nignored second line\n");
        for (String f : List.of("ca.crt", "tls.crt", "tls.key")) {
            Files.writeString(dir.resolve(f), "pem");
        }
        String text = VALID.replace("etcd: {endpoints: [http://127.0.0.1:2379], lease_ttl: 3s}", """
                etcd:
                  endpoints: [https://127.0.0.1:2379]
                  user: fenceline-control
                  password_file: etcd-password
                  tls: {ca: ca.crt, certificate: tls.crt, key: tls.key}""");
        FleetConfigLoader.Result r = FleetConfigLoader.parse("c.yaml", text, Map.of("EU_PW", "x")::get, dir);
        FleetConfig c = assertInstanceOf(FleetConfigLoader.Result.Loaded.class, r, r::toString).config();
        assertEquals(Optional.of(new EtcdAccess.Credentials("fenceline-control", "s3cret")), c.etcdAccess().credentials());
        assertEquals(Optional.of(new EtcdAccess.Tls(Optional.of(dir.resolve("ca.crt")),
                Optional.of(dir.resolve("tls.crt")), Optional.of(dir.resolve("tls.key")))), c.etcdAccess().tls());
        assertTrue(!c.toString().contains("s3cret"), "password not printed: " + c);

        String inline = VALID.replace("lease_ttl: 3s}", "lease_ttl: 3s, user: root, password: pw}");
        FleetConfig plain = ((FleetConfigLoader.Result.Loaded) FleetConfigLoader.parse("c.yaml", inline,
                Map.of("EU_PW", "x")::get)).config();
        assertEquals(Optional.of(new EtcdAccess.Credentials("root", "pw")), plain.etcdAccess().credentials());
        assertEquals(Optional.empty(), plain.etcdAccess().tls());
    }

    @Test
    void loadResolvesRelativePathsAgainstTheFilesFolder() throws IOException {
        Files.writeString(dir.resolve("pw"), "from-file");
        Path file = dir.resolve("control.yaml");
        Files.writeString(file, VALID.replace("eu, jdbc_url", "eu, password: p, jdbc_url").replace(", password_env: EU_PW", "")
                .replace("lease_ttl: 3s}", "lease_ttl: 3s, user: u, password_file: pw}"));
        FleetConfigLoader.Result r = FleetConfigLoader.load(file);
        FleetConfig c = assertInstanceOf(FleetConfigLoader.Result.Loaded.class, r, r::toString).config();
        assertEquals(Optional.of(new EtcdAccess.Credentials("u", "from-file")), c.etcdAccess().credentials());
    }

    @Test
    void everyAccessProblemIsReportedAtOnceWithTheProxysRules() {
        String bad = VALID.replace("etcd: {endpoints: [http://127.0.0.1:2379], lease_ttl: 3s}", """
                etcd:
                  endpoints: [http://127.0.0.1:2379]
                  lease_ttl: soon
                  password: pw
                  passwordFile: /nonexistent/pw
                  password_file: pw
                  tls: {ca: /nonexistent/ca.crt, certificate: /nonexistent/tls.crt, colour: blue}""");
        FleetConfigLoader.Result r = FleetConfigLoader.parse("control.yaml", bad, Map.of("EU_PW", "x")::get);
        String all = String.join("\n", assertInstanceOf(FleetConfigLoader.Result.Invalid.class, r).problems());
        for (String expected : List.of("control.yaml: etcd.lease_ttl: 'soon' is not a positive duration",
                "control.yaml: etcd.passwordFile: is spelled password_file now",
                "control.yaml: etcd.password: give either password or password_file, not both",
                "control.yaml: etcd.tls.colour: unknown key",
                "control.yaml: etcd.tls.ca: file does not exist: /nonexistent/ca.crt",
                "control.yaml: etcd.tls.certificate: file does not exist: /nonexistent/tls.crt",
                "control.yaml: etcd.tls: certificate and key go together: give both or neither",
                "control.yaml: etcd.endpoints: etcd.tls is configured, so every endpoint must start with https://")) {
            assertTrue(all.contains(expected), "missing '" + expected + "' in:\n" + all);
        }

        String userOnly = VALID.replace("lease_ttl: 3s}", "lease_ttl: 3s, user: root}");
        assertEquals(List.of("c.yaml: etcd.password: etcd.user needs etcd.password or etcd.password_file"),
                ((FleetConfigLoader.Result.Invalid) FleetConfigLoader.parse("c.yaml", userOnly, Map.of("EU_PW", "x")::get))
                        .problems());
        String passwordOnly = VALID.replace("lease_ttl: 3s}", "lease_ttl: 3s, password: pw}");
        assertEquals(List.of("c.yaml: etcd.user: is required with etcd.password or etcd.password_file"),
                ((FleetConfigLoader.Result.Invalid) FleetConfigLoader.parse("c.yaml", passwordOnly, Map.of("EU_PW", "x")::get))
                        .problems());
    }

    @Test
    void theProxysOldCamelCaseSpellingIsRefusedNamingTheKey() {
        String camel = VALID.replace("lease_ttl: 3s}", "leaseTtl: 3s, requestTimeout: 1s}")
                .replace("gate_timeout: 10s", "gateTimeout: 10s")
                .replace("password_env: EU_PW}", "passwordEnv: EU_PW}");
        List<String> problems = assertInstanceOf(FleetConfigLoader.Result.Invalid.class,
                FleetConfigLoader.parse("control.yaml", camel, Map.of("EU_PW", "x")::get)).problems();
        for (String expected : List.of("control.yaml: etcd.leaseTtl: is spelled lease_ttl now",
                "control.yaml: etcd.requestTimeout: is spelled request_timeout now",
                "control.yaml: policies.gateTimeout: is spelled gate_timeout now",
                "control.yaml: clusters[0].passwordEnv: is spelled password_env now")) {
            assertTrue(problems.stream().anyMatch(p -> p.startsWith(expected)), "missing '" + expected + "' in " + problems);
        }
    }

    @Test
    void durations() {
        assertEquals(Duration.ofMillis(500), FleetConfigLoader.parseDuration("500ms"));
        assertEquals(Duration.ofMinutes(10), FleetConfigLoader.parseDuration("10m"));
        assertEquals(Duration.ofHours(1), FleetConfigLoader.parseDuration("1h"));
        assertEquals(null, FleetConfigLoader.parseDuration("5 parsecs"));
    }
}
