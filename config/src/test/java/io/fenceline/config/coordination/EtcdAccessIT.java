package io.fenceline.config.coordination;

import io.fenceline.testing.EtcdAuth;
import io.fenceline.testing.EtcdCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A coordinator with {@link EtcdAccess.Credentials} against a real etcd with authentication enabled (by
 * {@link EtcdAuth}): it stores, reads and holds a lease; without credentials the same request is refused.
 */
class EtcdAccessIT {

    private static final String PASSWORD = "s3cret-pw";
    private static EtcdCluster etcd;

    @BeforeAll
    static void start() {
        etcd = EtcdCluster.start(1);
        EtcdAuth.enableRoot(etcd, PASSWORD);
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
    void credentialsAreSentAndWithoutThemEtcdRefuses() throws Exception {
        EtcdAccess root = new EtcdAccess(Optional.of(new EtcdAccess.Credentials("root", PASSWORD)), Optional.empty());
        try (Coordinator c = Coordinator.connect(settings(), root, MonotonicClock.SYSTEM)) {
            c.store().putText("/fenceline/auth-probe", "yes").get(10, TimeUnit.SECONDS);
            assertEquals("yes", c.store().getEntry("/fenceline/auth-probe").get(10, TimeUnit.SECONDS)
                    .orElseThrow().value());
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!(c.leaseKeeper().state() instanceof LeaseState.Held) && System.nanoTime() - end < 0) {
                Thread.sleep(10);
            }
            assertTrue(c.leaseKeeper().state() instanceof LeaseState.Held, "lease " + c.leaseKeeper().state());
        }
        try (Coordinator anonymous = Coordinator.connect(settings())) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> anonymous.store().putText("/fenceline/auth-probe", "no").get(10, TimeUnit.SECONDS));
            assertTrue(String.valueOf(e.getCause()).toLowerCase().contains("user name is empty")
                    || String.valueOf(e.getCause()).toLowerCase().contains("permission")
                    || String.valueOf(e.getCause()).toLowerCase().contains("auth"), String.valueOf(e.getCause()));
        }
    }
}
