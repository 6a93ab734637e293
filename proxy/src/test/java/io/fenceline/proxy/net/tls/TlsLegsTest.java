package io.fenceline.proxy.net.tls;

import io.fenceline.config.file.ListenerTls;
import io.fenceline.config.file.ProxySettings;
import io.fenceline.config.file.UpstreamTls;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The TLS files are read before any context is built, and every unusable one is named with its key. */
class TlsLegsTest {

    private static Path fixture(String name) {
        try {
            return Path.of(TlsLegsTest.class.getResource("/tls/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ProxySettings settings(ProxySettings.Tls tls) {
        return new ProxySettings(new ProxySettings.Listen("127.0.0.1", 0), new ProxySettings.Upstream.Tcp("db", 5432),
                Optional.of(tls), new ProxySettings.Limits(1 << 20, Duration.ofSeconds(5), 10), Optional.empty(),
                Duration.ZERO);
    }

    @Test
    void goodFilesBuildBothLegs() {
        TlsLegs legs = TlsLegs.from(settings(new ProxySettings.Tls(
                Optional.of(new ListenerTls(fixture("a.crt"), fixture("a.key"), Optional.of(fixture("b.crt")),
                        ListenerTls.ClientCertificates.NONE)),
                new UpstreamTls(UpstreamTls.SslMode.VERIFY_FULL, Optional.of(fixture("b.crt")), Optional.of(fixture("b.crt")),
                        Optional.of(fixture("b.key"))))));
        assertTrue(legs.listening());
        assertTrue(legs.upstreamTls());
        assertFalse(TlsLegs.NONE.listening());
    }

    @Test
    void everyUnusableFileIsNamedWithItsKey() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> TlsLegs.from(settings(new ProxySettings.Tls(
                Optional.of(new ListenerTls(fixture("a.crt"), fixture("a-pkcs1.key"), Optional.of(fixture("README.md")),
                        ListenerTls.ClientCertificates.NONE)),
                new UpstreamTls(UpstreamTls.SslMode.REQUIRE, Optional.empty(), Optional.of(fixture("a.crt")),
                        Optional.of(fixture("b.key")))))));
        String m = e.getMessage();
        assertTrue(m.contains("tls.key: ") && m.contains("PKCS#1") && m.contains("openssl pkcs8 -topk8"), m);
        assertTrue(m.contains("tls.client_ca: cannot read the certificates in "), m);
        assertTrue(m.contains("tls.upstream.sslkey: the key does not belong to the first certificate of tls.upstream.sslcert"), m);
    }
}
