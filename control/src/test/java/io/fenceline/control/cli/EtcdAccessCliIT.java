package io.fenceline.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.EtcdAccess;
import io.fenceline.config.coordination.EtcdSettings;
import io.fenceline.config.coordination.MonotonicClock;
import io.fenceline.config.records.Window;
import io.fenceline.config.records.WriterRecord;
import io.fenceline.testing.EtcdAuth;
import io.fenceline.testing.EtcdCluster;
import io.fenceline.testing.PostgresServer;
import io.fenceline.testing.TestCertificates;
import io.fenceline.testing.TlsEtcd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code fenceline writer} and {@code fenceline status} reach etcd with the access keys of control's file:
 * against a real etcd with authentication enabled ({@code user} + {@code password_file}) and a real etcd
 * serving {@code https://} with client-certificate authentication ({@code tls}). With the keys both verbs
 * read the records seeded in etcd; without them they exit 3 with a message naming etcd's refusal and the
 * keys to set. Both clusters of the file are one real PostgreSQL (status reads their history tables).
 */
class EtcdAccessCliIT {

    private static final Logger LOG = LoggerFactory.getLogger(EtcdAccessCliIT.class);
    private static final String PASSWORD = "c0ntrol-pw";

    @TempDir
    static Path dir;
    private static EtcdCluster authEtcd;
    private static TestCertificates certificates;
    private static TlsEtcd tlsEtcd;
    private static PostgresServer pg;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresServer.builder().start();
        authEtcd = EtcdCluster.start(1);
        EtcdAuth.enableRoot(authEtcd, PASSWORD);
        Files.writeString(dir.resolve("etcd-password"), PASSWORD + "\n");
        certificates = TestCertificates.make(dir);
        tlsEtcd = TlsEtcd.start(dir, certificates);
        seed(authEtcd.endpoints(), new EtcdAccess(Optional.of(new EtcdAccess.Credentials("root", PASSWORD)),
                Optional.empty()), "eu");
        seed(tlsEtcd.endpoints(), new EtcdAccess(Optional.empty(), Optional.of(new EtcdAccess.Tls(
                Optional.of(certificates.ca()), Optional.of(certificates.clientCertificate()),
                Optional.of(certificates.clientKey())))), "us");
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
        if (tlsEtcd != null) {
            tlsEtcd.close();
        }
        if (authEtcd != null) {
            authEtcd.close();
        }
    }

    /** The group's writer key names {@code writer}, and the window is at version 4. */
    private static void seed(List<String> endpoints, EtcdAccess access, String writer) throws Exception {
        try (Coordinator c = Coordinator.connect(EtcdSettings.defaults(endpoints).withRequestTimeout(Duration.ofSeconds(5)),
                access, MonotonicClock.system())) {
            c.store().put(c.keys().writer("main"), new WriterRecord(writer, "p-" + writer, Instant.now()))
                    .get(10, TimeUnit.SECONDS);
            c.store().put(c.keys().window("main"), Window.of(4)).get(10, TimeUnit.SECONDS);
        }
    }

    private static Path config(String name, List<String> endpoints, String access) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, "group: main\ninstance: ops\netcd:\n  endpoints: [" + String.join(", ", endpoints)
                + "]\n  request_timeout: 1s\n" + access
                + "clusters:\n  - {name: eu, jdbc_url: \"" + pg.jdbcUrl("postgres") + "\", user: " + pg.superuser() + "}\n"
                + "  - {name: us, jdbc_url: \"" + pg.jdbcUrl("postgres") + "\", user: " + pg.superuser() + "}\n"
                + "waves: [[eu], [us]]\n");
        return file;
    }

    private static CliTest.Run cli(String verb, Path config) {
        List<String> args = new ArrayList<>(List.of(verb, "--config", config.toString(), "--json"));
        long start = System.nanoTime();
        CliTest.Run run = CliTest.run(args.toArray(String[]::new));
        LOG.info("fenceline {} ({}) -> {} in {} ms\n{}{}", verb, config.getFileName(), run.code(),
                (System.nanoTime() - start) / 1_000_000, run.out(), run.err());
        return run;
    }

    private static void assertReads(Path config, String writer) throws Exception {
        CliTest.Run writerRun = cli("writer", config);
        assertEquals(ExitCodes.OK, writerRun.code(), writerRun.err());
        JsonNode w = Json.MAPPER.readTree(writerRun.out());
        assertEquals(writer, w.path("writer").path("cluster").asText(), writerRun.out());

        CliTest.Run statusRun = cli("status", config);
        assertEquals(ExitCodes.OK, statusRun.code(), statusRun.err());
        JsonNode s = Json.MAPPER.readTree(statusRun.out());
        assertEquals(4, s.path("window").path("newest").asInt(), statusRun.out());
        assertEquals(2, s.path("clusters").size(), statusRun.out());
        // Drift: each cluster's applied version (its highest expand ack) and how many are behind the newest.
        int newest = 0;
        for (JsonNode cluster : s.path("clusters")) {
            assertTrue(cluster.path("applied_version").isInt(), statusRun.out());
            assertTrue(cluster.path("replication").isArray(), statusRun.out());
            newest = Math.max(newest, cluster.path("applied_version").asInt());
        }
        assertEquals(newest, s.path("newest_applied_version").asInt(), statusRun.out());
        int behind = 0;
        for (JsonNode cluster : s.path("clusters")) {
            behind += cluster.path("applied_version").asInt() < newest ? 1 : 0;
        }
        assertEquals(behind, s.path("clusters_behind_newest").asInt(), statusRun.out());
        for (JsonNode cluster : s.path("clusters")) {
            assertTrue(cluster.path("reachable").asBoolean(), statusRun.out());
        }
    }

    private static void assertRefused(Path config, String... expected) {
        for (String verb : List.of("writer", "status")) {
            CliTest.Run run = cli(verb, config);
            assertEquals(ExitCodes.UNREACHABLE, run.code(), run.out() + run.err());
            assertTrue(run.out().isBlank(), "nothing printed as if etcd had answered: " + run.out());
            for (String text : expected) {
                assertTrue(run.err().contains(text), "'" + text + "' missing from: " + run.err());
            }
        }
    }

    @Test
    void withUserAndPasswordFileTheVerbsReadAnEtcdWithAuthentication() throws Exception {
        assertReads(config("auth.yaml", authEtcd.endpoints(), "  user: root\n  password_file: etcd-password\n"), "eu");
    }

    @Test
    void withoutCredentialsOrWithAWrongPasswordEtcdWithAuthenticationRefusesClearly() throws Exception {
        assertRefused(config("anonymous.yaml", authEtcd.endpoints(), ""),
                "etcdserver: user name is empty", "etcd refused the credentials", "without an etcd user",
                "set etcd.user with etcd.password or etcd.password_file in " + dir.resolve("anonymous.yaml"));
        assertRefused(config("wrong.yaml", authEtcd.endpoints(), "  user: root\n  password: not-it\n"),
                "UNAUTHENTICATED", "etcd refused the credentials", "as etcd user root");
    }

    @Test
    void withTheCaAndAClientCertificateTheVerbsReadAnEtcdOverTls() throws Exception {
        assertReads(config("tls.yaml", tlsEtcd.endpoints(), "  tls: {ca: " + certificates.ca() + ", certificate: "
                + certificates.clientCertificate() + ", key: " + certificates.clientKey() + "}\n"), "us");
    }

    @Test
    void withoutAClientCertificateOrWithoutTlsEtcdOverTlsRefusesClearly() throws Exception {
        assertRefused(config("ca-only.yaml", tlsEtcd.endpoints(), "  tls: {ca: " + certificates.ca() + "}\n"),
                "etcd did not answer over https://", "with etcd.tls", "etcd.tls.certificate / etcd.tls.key");
        assertRefused(config("no-tls.yaml", tlsEtcd.endpoints(), ""),
                "etcd did not answer over https://", "without etcd.tls", "etcd.tls.ca");
    }
}
