package io.fenceline.config.coordination;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.Function;

/**
 * {@link Campaign} over jetcd: one transaction {@code if createRevision(key) == 0 then put(key, value, lease);
 * get(key) else get(key)}. A watch on the key (from a snapshot, resumable) triggers the next attempt when
 * the key is deleted; a new lease of the keeper triggers one as well. All bookkeeping runs on one thread.
 */
final class EtcdCampaign implements Campaign {

    private static final Logger LOG = LoggerFactory.getLogger(EtcdCampaign.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final KV kv;
    private final LeaseKeeper keeper;
    private final String key;
    private final ByteSequence value;
    private final long timeoutNanos;
    private final Function<WatchListener, ResumableWatch> watchFactory;
    private final ScheduledThreadPoolExecutor exec;

    private volatile Result.Won won;
    private volatile long highestEpoch;
    // Touched only on exec's thread.
    private Listener listener;
    private BooleanSupplier eligible = () -> false;
    private boolean running;
    private boolean inFlight;
    private boolean again;
    private ResumableWatch watch;
    private final LeaseKeeper.Listener leaseListener = (from, to) -> submit(() -> onLease(to));

    EtcdCampaign(KV kv, LeaseKeeper keeper, String key, String value, long timeoutNanos,
                 Function<WatchListener, ResumableWatch> watchFactory) {
        this.kv = kv;
        this.keeper = keeper;
        this.key = key;
        this.value = Jetcd.bytes(value);
        this.timeoutNanos = timeoutNanos;
        this.watchFactory = watchFactory;
        this.exec = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "fenceline-campaign-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public Optional<Result.Won> won() {
        return Optional.ofNullable(won);
    }

    @Override
    public boolean writable(long nowNanos) {
        Result.Won w = won;
        return w != null && keeper.state() instanceof LeaseState.Held held && held.leaseId() == w.leaseId()
                && nowNanos < held.deadlineNanos();
    }

    @Override
    public CompletableFuture<Result> campaign() {
        if (!(keeper.state() instanceof LeaseState.Held held) || !held.writable(keeper.clock().nanoTime())) {
            return CompletableFuture.completedFuture(new Result.NoLease(keeper.state()));
        }
        long lease = held.leaseId();
        ByteSequence k = Jetcd.bytes(key);
        Supplier<CompletableFuture<TxnResponse>> txn = () -> kv.txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.put(k, value, PutOption.builder().withLeaseId(lease).build()), Op.get(k, GetOption.DEFAULT))
                .Else(Op.get(k, GetOption.DEFAULT))
                .commit();
        return Jetcd.bounded("campaign", key, timeoutNanos, txn).thenApply(r -> outcome(r, lease));
    }

    private Result outcome(TxnResponse r, long lease) {
        List<KeyValue> kvs = r.getGetResponses().isEmpty() ? List.of() : r.getGetResponses().get(0).getKvs();
        if (kvs.isEmpty()) {
            // Cannot happen inside one transaction; report it rather than guess.
            throw new IllegalStateException("campaign for " + key + ": transaction (succeeded=" + r.isSucceeded()
                    + ") returned no key at revision " + r.getHeader().getRevision());
        }
        KeyValue holder = kvs.get(0);
        if (holder.getLease() == lease) {
            long epoch = holder.getCreateRevision();
            long previous = highestEpoch;
            if (epoch < previous) {
                throw new IllegalStateException("campaign for " + key + ": epoch went backwards from " + previous
                        + " to " + epoch);
            }
            highestEpoch = epoch;
            Result.Won w = new Result.Won(epoch, lease);
            won = w;
            return w;
        }
        return new Result.Occupied(Jetcd.text(holder.getValue()), holder.getCreateRevision(), holder.getLease());
    }

    @Override
    public void start(Listener newListener, BooleanSupplier newEligible) {
        submit(() -> {
            if (running) {
                return;
            }
            listener = newListener;
            eligible = newEligible;
            running = true;
            keeper.addListener(leaseListener);
            watch = watchFactory.apply(new WatchListener() {
                @Override
                public void onSnapshot(Snapshot why, List<StoredEntry> entries, long revision) {
                    submit(() -> onKeySnapshot(entries));
                }

                @Override
                public void onEvents(List<KeyEvent> events) {
                    submit(() -> onKeyEvents(events));
                }
            });
        });
    }

    @Override
    public void retry() {
        submit(this::attempt);
    }

    private void onKeySnapshot(List<StoredEntry> entries) {
        Result.Won w = won;
        if (w != null && entries.stream().noneMatch(e -> e.createRevision() == w.epoch())) {
            vacate(w, "key " + key + " no longer holds epoch " + w.epoch());
        }
        attempt();
    }

    private void onKeyEvents(List<KeyEvent> events) {
        KeyEvent latest = events.get(events.size() - 1);
        if (latest.type() == KeyEvent.Type.DELETE) {
            Result.Won w = won;
            if (w != null) {
                vacate(w, "key " + key + " deleted at revision " + latest.revision());
            }
            attempt();
        }
    }

    private void onLease(LeaseState to) {
        Result.Won w = won;
        if (w != null && !(to instanceof LeaseState.Held held && held.leaseId() == w.leaseId())) {
            vacate(w, "lease " + w.leaseId() + " no longer held: " + to);
        }
        if (to instanceof LeaseState.Held) {
            attempt();
        }
    }

    private void vacate(Result.Won w, String why) {
        if (won == w) {
            won = null;
            LOG.warn("campaign for {}: epoch {} vacated: {}", key, w.epoch(), why);
            if (listener != null) {
                listener.onVacated(w.epoch(), why);
            }
        }
    }

    private void attempt() {
        if (!running) {
            return;
        }
        if (inFlight) {
            again = true;
            return;
        }
        Result.Won w = won;
        if (w != null && writable(keeper.clock().nanoTime())) {
            return;
        }
        if (!eligible.getAsBoolean()) {
            return;
        }
        inFlight = true;
        campaign().whenComplete((result, error) -> submit(() -> {
            inFlight = false;
            if (error != null) {
                LOG.warn("campaign for {} failed: {}; trying again shortly", key, error.getMessage());
                exec.schedule(this::attempt, Math.max(100, timeoutNanos / 4_000_000), TimeUnit.MILLISECONDS);
            } else if (running && listener != null) {
                listener.onResult(result);
            }
            if (again) {
                again = false;
                attempt();
            }
        }));
    }

    @Override
    public CompletableFuture<Boolean> resign() {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        submit(() -> {
            stop();
            Result.Won w = won;
            if (w == null) {
                done.complete(false);
                return;
            }
            ByteSequence k = Jetcd.bytes(key);
            Supplier<CompletableFuture<TxnResponse>> txn = () -> kv.txn()
                    .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.createRevision(w.epoch())))
                    .Then(Op.delete(k, DeleteOption.DEFAULT))
                    .commit();
            Jetcd.bounded("resign", key, timeoutNanos, txn).whenComplete((r, e) -> submit(() -> {
                if (e != null) {
                    done.completeExceptionally(e);
                    return;
                }
                vacate(w, "resigned");
                done.complete(r.isSucceeded());
            }));
        });
        return done;
    }

    private void stop() {
        running = false;
        keeper.removeListener(leaseListener);
        if (watch != null) {
            watch.close();
            watch = null;
        }
    }

    private void submit(Runnable task) {
        try {
            exec.execute(task);
        } catch (RejectedExecutionException afterClose) {
            LOG.debug("campaign for {} closed; dropping a late callback", key);
        }
    }

    @Override
    public void close() {
        try {
            exec.submit(this::stop).get(timeoutNanos + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException alreadyClosed) {
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.warn("campaign for {} did not stop cleanly: {}", key, EtcdLeaseKeeper.describe(e));
        } finally {
            exec.shutdownNow();
        }
    }
}
