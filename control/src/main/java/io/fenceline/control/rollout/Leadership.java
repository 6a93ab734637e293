package io.fenceline.control.rollout;

import io.fenceline.config.coordination.Campaign;
import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.records.ControlLeaderRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Control's leader lease: a campaign for {@code …/control/leader}. Only the instance that won acts; another
 * waits until the key is free (the holder resigned, or its lease expired). The won key's create revision is
 * control's epoch, written into every history row, ack and journal entry. Before each step and each commit
 * the rollout asks {@link #writable()}: won with the current lease, before the lease's local deadline.
 */
public final class Leadership implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

    private final Coordinator etcd;
    private final Campaign campaign;
    private final CompletableFuture<Campaign.Result.Won> won = new CompletableFuture<>();
    private volatile String holder = "";

    public Leadership(Coordinator etcd, String instance) {
        this.etcd = etcd;
        this.campaign = etcd.campaign(etcd.keys().controlLeader(), new ControlLeaderRecord(instance, Instant.now()));
    }

    /**
     * Campaigns and waits until this instance leads, telling {@code waiting} once who holds the key meanwhile.
     *
     * @return the won key (epoch), or empty when {@code timeout} passed first
     */
    public Optional<Campaign.Result.Won> await(Duration timeout, Consumer<String> waiting) throws InterruptedException {
        campaign.start(new Campaign.Listener() {
            @Override
            public void onResult(Campaign.Result result) {
                if (result instanceof Campaign.Result.Won w) {
                    won.complete(w);
                } else if (result instanceof Campaign.Result.Occupied o && !o.holderValue().equals(holder)) {
                    holder = o.holderValue();
                    waiting.accept("control leadership is held by " + o.holderValue() + " (epoch " + o.epoch()
                            + "); waiting for it to be released");
                }
            }

            @Override
            public void onVacated(long epoch, String why) {
                LOG.warn("control leadership at epoch {} lost: {}", epoch, why);
            }
        }, () -> true);
        try {
            return Optional.of(won.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException("campaign for control leadership failed: " + e.getCause(), e.getCause());
        }
    }

    /** Control's epoch (the leader key's create revision); only meaningful after {@link #await} won. */
    public long epoch() {
        return won.getNow(null) == null ? 0 : won.getNow(null).epoch();
    }

    /** Whether this instance may act now. */
    public boolean writable() {
        return campaign.writable(etcd.clock().nanoTime());
    }

    /** Resigns (deletes the key if it is still ours) and stops campaigning. */
    @Override
    public void close() {
        try {
            if (campaign.won().isPresent()) {
                campaign.resign().get(etcd.settings().requestTimeout().toMillis() * 3, TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("could not resign control leadership (it expires with the lease): {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            campaign.close();
        }
    }
}
