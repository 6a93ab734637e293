package io.fenceline.config.coordination;

import io.fenceline.testing.TestCertificates;
import io.fenceline.testing.TlsEtcd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A coordinator with {@link EtcdAccess.Tls} against a real etcd serving {@code https://} with client-certificate
 * authentication ({@link TlsEtcd}, certificates made with openssl by {@link TestCertificates}): with the CA and a
 * client certificate it stores and reads; with the CA alone etcd refuses the connection.
 */
class EtcdTlsIT {

    @TempDir
    static Path dir;
    private static TestCertificates certificates;
    private static TlsEtcd etcd;

    @BeforeAll
    static void start() {
        certificates = TestCertificates.make(dir);
        etcd = TlsEtcd.start(dir, certificates);
    }

    @AfterAll
    static void stop() {
        if (etcd != null) {
            etcd.close();
        }
    }

    private static EtcdSettings settings() {
        return EtcdSettings.defaults(etcd.endpoints()).withRequestTimeout(Duration.ofSeconds(2));
    }

    @Test
    void aClientCertificateSignedByTheCaIsAcceptedAndTheCaAloneIsNot() throws Exception {
        EtcdAccess mutual = new EtcdAccess(Optional.empty(), Optional.of(new EtcdAccess.Tls(
                Optional.of(certificates.ca()), Optional.of(certificates.clientCertificate()),
                Optional.of(certificates.clientKey()))));
        try (Coordinator c = Coordinator.connect(settings(), mutual, MonotonicClock.SYSTEM)) {
            c.store().putText("/fenceline/tls-probe", "yes").get(10, TimeUnit.SECONDS);
            assertEquals("yes", c.store().getEntry("/fenceline/tls-probe").get(5, TimeUnit.SECONDS).orElseThrow().value());
        }
        EtcdAccess caOnly = new EtcdAccess(Optional.empty(), Optional.of(new EtcdAccess.Tls(
                Optional.of(certificates.ca()), Optional.empty(), Optional.empty())));
        try (Coordinator c = Coordinator.connect(settings(), caOnly, MonotonicClock.SYSTEM)) {
            assertThrows(Exception.class, () -> c.store().putText("/fenceline/tls-probe", "no").get(5, TimeUnit.SECONDS));
        }
    }
}
