package io.fenceline.config.file;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code tls:} section: both legs read, and every problem named with its key, all at once. */
class TlsSectionTest {

    @TempDir
    Path dir;

    private static final String BASE = "listen: { host: 127.0.0.1, port: 6432 }\nupstream: { host: db.internal, port: 5432 }\n";

    @BeforeEach
    void files() throws IOException {
        for (String f : List.of("tls.crt", "tls.key", "ca.crt", "pg-ca.crt", "proxy.crt", "proxy.key")) {
            Files.writeString(dir.resolve(f), "contents are checked when the proxy starts\n");
        }
    }

    private ConfigResult<ProxySettings> parse(String yaml) {
        return ProxySettingsLoader.parse(yaml, "proxy.yaml", dir);
    }

    @SuppressWarnings("unchecked")
    private static ProxySettings valid(ConfigResult<ProxySettings> result) {
        return ((ConfigResult.Valid<ProxySettings>) assertInstanceOf(ConfigResult.Valid.class, result, result::toString)).settings();
    }

    private List<String> problemKeys(String yaml) {
        ConfigResult<ProxySettings> result = parse(yaml);
        @SuppressWarnings("unchecked")
        ConfigResult.Invalid<ProxySettings> invalid = assertInstanceOf(ConfigResult.Invalid.class, result, result::toString);
        return invalid.problems().stream().map(ConfigProblem::key).toList();
    }

    @Test
    void bothLegsAreRead() {
        ConfigResult<ProxySettings> result = parse(BASE + """
                tls:
                  certificate: tls.crt
                  key: tls.key
                  client_ca: ca.crt
                  client_certificate: { verify: verify-full, users: [app, all] }
                  upstream: { sslmode: verify-full, sslrootcert: pg-ca.crt, sslcert: proxy.crt, sslkey: proxy.key }
                """);
        ProxySettings s = valid(result);
        ProxySettings.Tls tls = s.tls().orElseThrow();
        assertEquals(new ListenerTls(dir.resolve("tls.crt"), dir.resolve("tls.key"), Optional.of(dir.resolve("ca.crt")),
                new ListenerTls.ClientCertificates(ListenerTls.Verify.VERIFY_FULL, Set.of("app"), true)), tls.listener().orElseThrow());
        assertEquals(new UpstreamTls(UpstreamTls.SslMode.VERIFY_FULL, Optional.of(dir.resolve("pg-ca.crt")),
                Optional.of(dir.resolve("proxy.crt")), Optional.of(dir.resolve("proxy.key"))), tls.upstream());
    }

    @Test
    void upstreamAloneNeedsNoListenerCertificate() {
        ConfigResult<ProxySettings> result = parse(BASE + "tls: { upstream: { sslmode: require } }\n");
        ProxySettings s = valid(result);
        assertEquals(Optional.empty(), s.tls().orElseThrow().listener());
        assertEquals(UpstreamTls.SslMode.REQUIRE, s.tls().orElseThrow().upstream().mode());
    }

    @Test
    void everyProblemIsNamed() {
        assertEquals(List.of("tls.client_ca", "tls.client_certificate.verify", "tls.upstream.sslmode",
                        "tls.upstream.sslrootcert", "tls.upstream.sslkey"),
                problemKeys(BASE + """
                        tls:
                          certificate: tls.crt
                          key: tls.key
                          client_ca: missing-ca.crt
                          client_certificate: { verify: sometimes, users: [app] }
                          upstream: { sslmode: prefer, sslrootcert: nowhere.crt, sslcert: proxy.crt }
                        """));
        assertEquals(List.of("tls.key", "tls.client_certificate"),
                problemKeys(BASE + "tls: { certificate: tls.crt, client_certificate: { verify: verify-ca, users: all } }\n"));
        assertEquals(List.of("tls.upstream.sslrootcert"),
                problemKeys(BASE + "tls: { upstream: { sslmode: verify-ca } }\n"));
        assertEquals(List.of("tls.upstream.sslcert"),
                problemKeys(BASE + "tls: { upstream: { sslmode: disable, sslcert: proxy.crt, sslkey: proxy.key } }\n")
                        .subList(0, 1));
        assertEquals(List.of("tls.certificate", "tls.key"), problemKeys(BASE + "tls: {}\n"));
    }

    @Test
    void noTlsOnAUnixSocket() {
        List<String> keys = problemKeys("listen: { host: 127.0.0.1, port: 6432 }\nupstream: { socket: /run/pg/.s.PGSQL.5432 }\n"
                + "tls: { upstream: { sslmode: require } }\n");
        assertEquals(List.of("tls.upstream.sslmode"), keys);
    }

    @Test
    void preferIsRefusedWithTheReason() {
        ConfigResult<ProxySettings> result = parse(BASE + "tls: { upstream: { sslmode: prefer } }\n");
        String message = ((ConfigResult.Invalid<ProxySettings>) result).problems().get(0).message();
        assertTrue(message.contains("does not fall back to plain text"), message);
    }
}
