package io.fenceline.config.coordination;

import io.etcd.jetcd.Lease;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.NoSuchLeaseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link LeaseKeeper} over jetcd. Every keepalive is one timed unary round trip ({@code keepAliveOnce})
 * whose send time we read before sending; jetcd's background keepalive observer is not used, so the
 * deadline never depends on the client library's callbacks or its retry policy.
 *
 * <p>All state changes run on one scheduler thread; {@link #state()} is a volatile read for everybody else.
 * At most one keepalive is in flight, bounded by {@code min(requestTimeout, TTL/3)}. A timer fires at the
 * deadline itself and turns Held into Lost even when no reply or error ever arrives.
 */
final class EtcdLeaseKeeper implements LeaseKeeper {

    private static final Logger LOG = LoggerFactory.getLogger(EtcdLeaseKeeper.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final Lease leases;
    private final MonotonicClock clock;
    private final LeaseBook book;
    private final long ttlSeconds;
    private final long intervalNanos;
    private final long retryNanos;
    private final long keepAliveTimeoutNanos;
    private final long requestTimeoutNanos;
    private final ScheduledThreadPoolExecutor exec;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** Runs replies on {@link #exec}; after close a late reply is dropped instead of failing jetcd's thread. */
    private final java.util.concurrent.Executor onKeeperThread = this::runOnKeeperThread;

    // Touched only on exec's thread.
    private boolean started;
    private boolean closed;
    private ScheduledFuture<?> deadlineTimer;
    private ScheduledFuture<?> nextRequest;
    private long grantBackoffNanos;

    EtcdLeaseKeeper(Lease leases, EtcdSettings settings, MonotonicClock clock) {
        this.leases = leases;
        this.clock = clock;
        this.book = new LeaseBook(settings.rho(), settings.margin().toNanos());
        this.ttlSeconds = settings.leaseTtl().toSeconds();
        this.intervalNanos = settings.keepAliveInterval().toNanos();
        this.retryNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(100), intervalNanos / 4);
        this.requestTimeoutNanos = settings.requestTimeout().toNanos();
        this.keepAliveTimeoutNanos = Math.min(requestTimeoutNanos, intervalNanos);
        this.exec = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "fenceline-lease-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.exec.setRemoveOnCancelPolicy(true);
    }

    @Override
    public LeaseState state() {
        return book.state();
    }

    @Override
    public MonotonicClock clock() {
        return clock;
    }

    @Override
    public void start() {
        exec.execute(() -> {
            if (!started && !closed) {
                started = true;
                grant("starting");
            }
        });
    }

    @Override
    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    @Override
    public Optional<LeaseState.Held> awaitHeld(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        Object signal = new Object();
        Listener wake = (from, to) -> {
            synchronized (signal) {
                signal.notifyAll();
            }
        };
        addListener(wake);
        try {
            synchronized (signal) {
                while (true) {
                    if (state() instanceof LeaseState.Held held && held.deadlineNanos() > clock.nanoTime()) {
                        return Optional.of(held);
                    }
                    long left = end - System.nanoTime();
                    if (left <= 0) {
                        return Optional.empty();
                    }
                    TimeUnit.NANOSECONDS.timedWait(signal, Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
                }
            }
        } finally {
            removeListener(wake);
        }
    }

    // ---- granting ----

    private void grant(String reason) {
        if (closed) {
            return;
        }
        book.acquiring(reason).ifPresent(this::publish);
        long sent = clock.nanoTime();
        call(() -> leases.grant(ttlSeconds))
                .orTimeout(requestTimeoutNanos, TimeUnit.NANOSECONDS)
                .whenCompleteAsync((reply, error) -> onGranted(sent, reply, error), onKeeperThread);
    }

    private void onGranted(long sent, LeaseGrantResponse reply, Throwable error) {
        if (closed) {
            if (reply != null) {
                revokeQuietly(reply.getID(), "keeper closed while granting");
            }
            return;
        }
        if (error != null) {
            grantBackoffNanos = grantBackoffNanos == 0 ? retryNanos : Math.min(intervalNanos, grantBackoffNanos * 2);
            String why = "grant failed: " + describe(error);
            LOG.warn("lease grant (TTL {} s) failed, retrying in {} ms: {}", ttlSeconds,
                    grantBackoffNanos / 1_000_000, describe(error));
            book.acquiring(why).ifPresent(this::publish);
            nextRequest = exec.schedule(() -> grant(why), grantBackoffNanos, TimeUnit.NANOSECONDS);
            return;
        }
        grantBackoffNanos = 0;
        long now = clock.nanoTime();
        Optional<LeaseBook.Transition> t = book.granted(reply.getID(), sent, reply.getTTL(), now);
        if (t.isEmpty()) {
            // The grant came back too late to leave any time before its own deadline: give it back.
            LOG.warn("lease {} granted with TTL {} s but its deadline had already passed ({} ms after asking); "
                    + "revoking it and asking again", reply.getID(), reply.getTTL(), (now - sent) / 1_000_000);
            revokeQuietly(reply.getID(), "granted too late");
            grant("previous grant arrived too late");
            return;
        }
        LOG.info("lease {} granted (TTL {} s), deadline in {} ms", reply.getID(), reply.getTTL(),
                (((LeaseState.Held) book.state()).deadlineNanos() - now) / 1_000_000);
        publish(t.get());
        armDeadlineTimer();
        scheduleKeepAlive(sent + intervalNanos - clock.nanoTime());
    }

    // ---- keepalive ----

    private void scheduleKeepAlive(long delayNanos) {
        cancel(nextRequest);
        nextRequest = exec.schedule(this::keepAlive, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }

    private void keepAlive() {
        if (closed || !(book.state() instanceof LeaseState.Held held)) {
            return;
        }
        long id = held.leaseId();
        long sent = clock.nanoTime();
        if (!held.writable(sent)) {
            // We were delayed past the deadline (a pause): the lease is lost, whatever etcd would answer.
            lost(book.expireIfDue(sent));
            return;
        }
        call(() -> leases.keepAliveOnce(id))
                .orTimeout(keepAliveTimeoutNanos, TimeUnit.NANOSECONDS)
                .whenCompleteAsync((reply, error) -> onKeepAlive(id, sent, reply, error), onKeeperThread);
    }

    private void onKeepAlive(long id, long sent, LeaseKeepAliveResponse reply, Throwable error) {
        if (closed || !(book.state() instanceof LeaseState.Held held) || held.leaseId() != id) {
            return;
        }
        long now = clock.nanoTime();
        if (error != null) {
            if (isLeaseNotFound(error)) {
                lost(book.lose("etcd reports lease " + id + " not found", now));
                return;
            }
            LOG.warn("keepalive of lease {} failed after {} ms ({}); deadline unchanged, {} ms left", id,
                    (now - sent) / 1_000_000, describe(error), (held.deadlineNanos() - now) / 1_000_000);
            scheduleKeepAlive(retryNanos);
            return;
        }
        Optional<LeaseBook.Transition> t = book.acknowledged(id, sent, reply.getTTL(), now);
        if (t.isPresent()) {
            lost(t);
            return;
        }
        armDeadlineTimer();
        scheduleKeepAlive(sent + intervalNanos - now);
    }

    // ---- deadline ----

    private void armDeadlineTimer() {
        cancel(deadlineTimer);
        if (book.state() instanceof LeaseState.Held held) {
            long delay = held.deadlineNanos() - clock.nanoTime();
            deadlineTimer = exec.schedule(this::onDeadlineTimer, Math.max(0, delay), TimeUnit.NANOSECONDS);
        }
    }

    private void onDeadlineTimer() {
        if (closed) {
            return;
        }
        Optional<LeaseBook.Transition> t = book.expireIfDue(clock.nanoTime());
        if (t.isPresent()) {
            lost(t);
        } else {
            armDeadlineTimer();
        }
    }

    private void lost(Optional<LeaseBook.Transition> transition) {
        if (transition.isEmpty()) {
            return;
        }
        LeaseState.Lost lost = (LeaseState.Lost) transition.get().to();
        LOG.warn("lease {} lost: {}", lost.leaseId(), lost.reason());
        cancel(deadlineTimer);
        cancel(nextRequest);
        publish(transition.get());
        // The old lease may still exist in etcd (e.g. we were partitioned); giving it back lets another
        // cluster take over sooner. It is never used again by us either way.
        revokeQuietly(lost.leaseId(), "after loss");
        grant("lease " + lost.leaseId() + " lost: " + lost.reason());
    }

    // ---- revoke / close ----

    @Override
    public CompletableFuture<Void> revoke() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        exec.execute(() -> {
            if (!(book.state() instanceof LeaseState.Held held)) {
                done.completeExceptionally(new IllegalStateException("no lease to revoke; state " + book.state()));
                return;
            }
            long id = held.leaseId();
            Optional<LeaseBook.Transition> t = book.lose("revoked for planned handoff", clock.nanoTime());
            cancel(deadlineTimer);
            cancel(nextRequest);
            t.ifPresent(this::publish);
            call(() -> leases.revoke(id))
                    .orTimeout(requestTimeoutNanos, TimeUnit.NANOSECONDS)
                    .whenCompleteAsync((r, e) -> {
                        if (e != null) {
                            done.completeExceptionally(new CoordinationException("revoke of lease " + id
                                    + " failed within " + requestTimeoutNanos / 1_000_000 + " ms: " + describe(e), e));
                        } else {
                            LOG.info("lease {} revoked", id);
                            done.complete(null);
                        }
                        grant("lease " + id + " revoked");
                    }, onKeeperThread);
        });
        return done;
    }

    @Override
    public void close() {
        CompletableFuture<Void> revoked = new CompletableFuture<>();
        try {
            exec.execute(() -> {
                closed = true;
                cancel(deadlineTimer);
                cancel(nextRequest);
                if (book.state() instanceof LeaseState.Held held) {
                    book.lose("keeper closed", clock.nanoTime()).ifPresent(this::publish);
                    call(() -> leases.revoke(held.leaseId()))
                            .orTimeout(requestTimeoutNanos, TimeUnit.NANOSECONDS)
                            .whenComplete((r, e) -> revoked.complete(null));
                } else {
                    revoked.complete(null);
                }
            });
            revoked.get(requestTimeoutNanos + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException alreadyClosed) {
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            LOG.warn("lease keeper closed without confirming the revoke: {}", describe(e));
        } finally {
            exec.shutdownNow();
        }
    }

    // ---- helpers ----

    private void publish(LeaseBook.Transition t) {
        for (Listener l : listeners) {
            try {
                l.onTransition(t.from(), t.to());
            } catch (RuntimeException e) {
                LOG.error("lease listener {} failed on {} -> {}", l, t.from(), t.to(), e);
            }
        }
    }

    private void revokeQuietly(long id, String why) {
        call(() -> leases.revoke(id))
                .orTimeout(requestTimeoutNanos, TimeUnit.NANOSECONDS)
                .whenComplete((r, e) -> {
                    if (e != null) {
                        LOG.debug("revoke of lease {} ({}) did not complete: {}", id, why, describe(e));
                    }
                });
    }

    private void runOnKeeperThread(Runnable task) {
        try {
            exec.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException afterClose) {
            LOG.debug("lease keeper closed; dropping a late etcd reply");
        }
    }

    /** jetcd refuses some calls synchronously (e.g. a closed client): make that a failed future too. */
    private static <T> CompletableFuture<T> call(java.util.function.Supplier<CompletableFuture<T>> request) {
        try {
            return request.get();
        } catch (RuntimeException refused) {
            return CompletableFuture.failedFuture(refused);
        }
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    static boolean isLeaseNotFound(Throwable error) {
        Throwable t = unwrap(error);
        if (t instanceof NoSuchLeaseException) {
            return true;
        }
        if (t instanceof EtcdException e && e.getErrorCode() == ErrorCode.NOT_FOUND) {
            return true;
        }
        return t.getMessage() != null && t.getMessage().contains("requested lease not found");
    }

    static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static String describe(Throwable error) {
        Throwable t = unwrap(error);
        if (t instanceof TimeoutException) {
            return "no reply in time";
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    ScheduledExecutorService executor() {
        return exec;
    }
}
