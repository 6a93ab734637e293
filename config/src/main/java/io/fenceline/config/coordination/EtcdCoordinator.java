package io.fenceline.config.coordination;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.fenceline.config.keys.EtcdKeys;
import io.fenceline.config.records.Records;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/** {@link Coordinator} over one jetcd {@link Client}. */
final class EtcdCoordinator implements Coordinator {

    private static final Logger LOG = LoggerFactory.getLogger(EtcdCoordinator.class);
    /** gRPC pings: etcd refuses pings more often than every 5 s by default. */
    private static final Duration GRPC_KEEPALIVE = Duration.ofSeconds(6);
    private static final Duration GRPC_KEEPALIVE_TIMEOUT = Duration.ofSeconds(2);

    private final EtcdSettings settings;
    private final MonotonicClock clock;
    private final EtcdKeys keys;
    private final Client client;
    private final EtcdRecordStore store;
    private final List<AutoCloseable> owned = Collections.synchronizedList(new ArrayList<>());
    private EtcdLeaseKeeper keeper;

    EtcdCoordinator(EtcdSettings settings, EtcdAccess access, MonotonicClock clock) {
        this.settings = settings;
        this.clock = clock;
        this.keys = new EtcdKeys(settings.prefix());
        ClientBuilder builder = Client.builder()
                .endpoints(settings.endpoints().toArray(String[]::new))
                .connectTimeout(settings.requestTimeout())
                .keepaliveTime(GRPC_KEEPALIVE)
                .keepaliveTimeout(GRPC_KEEPALIVE_TIMEOUT)
                .keepaliveWithoutCalls(false)
                // jetcd retries unary calls itself; keep that inside our own bound (its policy requires the
                // total duration to exceed the first delay).
                .retryDelay(retryDelayMillis(settings))
                .retryMaxDelay(retryDelayMillis(settings) * 4)
                .retryMaxDuration(settings.requestTimeout());
        access.credentials().ifPresent(c -> builder
                .user(ByteSequence.from(c.user(), StandardCharsets.UTF_8))
                .password(ByteSequence.from(c.password(), StandardCharsets.UTF_8)));
        if (access.tls().isPresent()) {
            EtcdAccess.Tls tls = access.tls().get();
            try {
                builder.sslContext(ssl -> {
                    tls.ca().ifPresent(ca -> ssl.trustManager(ca.toFile()));
                    if (tls.certificate().isPresent()) {
                        ssl.keyManager(tls.certificate().get().toFile(), tls.key().orElseThrow().toFile());
                    }
                });
            } catch (SSLException e) {
                throw new CoordinationException("cannot build the TLS context for etcd " + settings.endpoints()
                        + " from " + tls + ": " + e.getMessage(), e);
            }
        }
        this.client = builder.build();
        this.store = new EtcdRecordStore(client.getKVClient(), keys, settings.requestTimeout().toNanos());
        LOG.info("etcd client for {} (prefix {}, lease TTL {}, rho {}, margin {}, request timeout {})",
                settings.endpoints(), settings.prefix(), settings.leaseTtl(), settings.rho(), settings.margin(),
                settings.requestTimeout());
    }

    private static long retryDelayMillis(EtcdSettings settings) {
        return Math.max(1, Math.min(100, settings.requestTimeout().toMillis() / 4));
    }

    @Override
    public EtcdSettings settings() {
        return settings;
    }

    @Override
    public EtcdKeys keys() {
        return keys;
    }

    @Override
    public MonotonicClock clock() {
        return clock;
    }

    @Override
    public RecordStore store() {
        return store;
    }

    @Override
    public synchronized LeaseKeeper leaseKeeper() {
        if (keeper == null) {
            keeper = new EtcdLeaseKeeper(client.getLeaseClient(), settings, clock);
            keeper.start();
        }
        return keeper;
    }

    @Override
    public Campaign campaign(String key, Object record) {
        EtcdCampaign c = new EtcdCampaign(client.getKVClient(), leaseKeeper(), key, Records.toJson(record),
                settings.requestTimeout().toNanos(), l -> watch(key, false, 0, l));
        owned.add(c);
        return c;
    }

    @Override
    public ResumableWatch watch(String key, boolean prefix, long fromRevision, WatchListener listener) {
        EtcdResumableWatch w = new EtcdResumableWatch(client, key, prefix, listener, settings.requestTimeout().toNanos());
        owned.add(w);
        w.start(fromRevision);
        return w;
    }

    @Override
    public CompletableFuture<OptionalLong> leaseRemainingTtl(long leaseId) {
        return Jetcd.bounded("lease time-to-live", Long.toHexString(leaseId), settings.requestTimeout().toNanos(),
                        () -> client.getLeaseClient().timeToLive(leaseId, LeaseOption.DEFAULT))
                .thenApply(r -> r.getTTL() < 0 ? OptionalLong.empty() : OptionalLong.of(r.getTTL()));
    }

    @Override
    public CompletableFuture<Void> warmUp(Duration bound) {
        return Jetcd.bounded("warm-up get", keys.prefix(), bound.toNanos(),
                () -> client.getKVClient().get(Jetcd.bytes(keys.prefix()), GetOption.builder().withCountOnly(true).build()))
                .thenApply(r -> null);
    }

    @Override
    public void close() {
        List<AutoCloseable> toClose;
        synchronized (owned) {
            toClose = new ArrayList<>(owned);
            owned.clear();
        }
        for (AutoCloseable c : toClose) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", c, e.getMessage());
            }
        }
        synchronized (this) {
            if (keeper != null) {
                keeper.close();
            }
        }
        client.close();
    }
}
