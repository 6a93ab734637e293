package io.fenceline.config.coordination;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link ResumableWatch} over jetcd. Everything runs on one thread per watch, so deliveries keep revision
 * order. The last delivered revision is the resume point: after an error the watch is re-created from it
 * + 1, and anything at or below it that a resumed stream repeats is dropped (etcd puts all changes of one
 * revision in one response, so filtering by revision never splits a transaction). When that revision has
 * been compacted, the current state is read with a GET and the watch continues from the GET's revision.
 */
final class EtcdResumableWatch implements ResumableWatch {

    private static final Logger LOG = LoggerFactory.getLogger(EtcdResumableWatch.class);
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final long MIN_BACKOFF_MS = 50;
    private static final long MAX_BACKOFF_MS = 2_000;

    private final Client client;
    private final String key;
    private final boolean prefix;
    private final WatchListener listener;
    private final long requestTimeoutNanos;
    private final ScheduledThreadPoolExecutor exec;

    private volatile long lastRevision;
    private volatile long resyncs;
    // Touched only on exec's thread.
    private Watch.Watcher watcher;
    private int generation;
    private boolean closed;
    private long backoffMs = MIN_BACKOFF_MS;

    EtcdResumableWatch(Client client, String key, boolean prefix, WatchListener listener, long requestTimeoutNanos) {
        this.client = client;
        this.key = key;
        this.prefix = prefix;
        this.listener = listener;
        this.requestTimeoutNanos = requestTimeoutNanos;
        this.exec = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "fenceline-watch-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.exec.setRemoveOnCancelPolicy(true);
    }

    /** Starts from {@code fromRevision}, or with a snapshot of the current state when it is 0 or less. */
    void start(long fromRevision) {
        submit(() -> {
            if (fromRevision <= 0) {
                snapshot(WatchListener.Snapshot.INITIAL);
            } else {
                lastRevision = fromRevision - 1;
                open(fromRevision);
            }
        });
    }

    @Override
    public long lastRevision() {
        return lastRevision;
    }

    @Override
    public long resyncs() {
        return resyncs;
    }

    private void snapshot(WatchListener.Snapshot why) {
        if (closed) {
            return;
        }
        GetOption option = prefix ? GetOption.builder().isPrefix(true).build() : GetOption.DEFAULT;
        Jetcd.bounded("get", key, requestTimeoutNanos, () -> client.getKVClient().get(Jetcd.bytes(key), option))
                .whenComplete((reply, error) -> submit(() -> onSnapshot(why, reply, error)));
    }

    private void onSnapshot(WatchListener.Snapshot why, GetResponse reply, Throwable error) {
        if (closed) {
            return;
        }
        if (error != null) {
            LOG.warn("watch of {}: reading the current state failed ({}), retrying in {} ms", key,
                    error.getMessage(), backoffMs);
            exec.schedule(() -> snapshot(why), nextBackoff(), TimeUnit.MILLISECONDS);
            return;
        }
        long revision = reply.getHeader().getRevision();
        List<StoredEntry> entries = new ArrayList<>(reply.getKvs().size());
        reply.getKvs().forEach(kv -> entries.add(Jetcd.entry(kv)));
        if (why == WatchListener.Snapshot.RESYNC_AFTER_COMPACTION) {
            resyncs++;
        }
        lastRevision = revision;
        deliver(() -> listener.onSnapshot(why, List.copyOf(entries), revision));
        open(revision + 1);
    }

    private void open(long fromRevision) {
        if (closed) {
            return;
        }
        closeWatcher();
        int g = ++generation;
        WatchOption option = WatchOption.builder().withRevision(fromRevision).isPrefix(prefix).build();
        watcher = client.getWatchClient().watch(Jetcd.bytes(key), option, Watch.listener(
                response -> submit(() -> onResponse(g, response)),
                error -> submit(() -> onError(g, error)),
                () -> submit(() -> onError(g, new IllegalStateException("watch stream completed by the server")))));
    }

    private void onResponse(int g, WatchResponse response) {
        if (closed || g != generation) {
            return;
        }
        backoffMs = MIN_BACKOFF_MS;
        List<KeyEvent> fresh = new ArrayList<>();
        long newest = lastRevision;
        for (WatchEvent e : response.getEvents()) {
            StoredEntry entry = Jetcd.entry(e.getKeyValue());
            if (entry.modRevision() <= lastRevision) {
                continue; // already delivered before a resume
            }
            KeyEvent.Type type = e.getEventType() == WatchEvent.EventType.DELETE ? KeyEvent.Type.DELETE : KeyEvent.Type.PUT;
            fresh.add(new KeyEvent(type, entry));
            newest = Math.max(newest, entry.modRevision());
        }
        if (!fresh.isEmpty()) {
            lastRevision = newest;
            deliver(() -> listener.onEvents(List.copyOf(fresh)));
        }
    }

    private void onError(int g, Throwable error) {
        if (closed || g != generation) {
            return;
        }
        closeWatcher();
        generation++;
        if (Jetcd.isCompacted(error)) {
            LOG.warn("watch of {}: revision {} was compacted ({}); re-reading the current state", key,
                    lastRevision + 1, EtcdLeaseKeeper.describe(error));
            snapshot(WatchListener.Snapshot.RESYNC_AFTER_COMPACTION);
            return;
        }
        long delay = nextBackoff();
        LOG.warn("watch of {} failed ({}); resuming from revision {} in {} ms", key, EtcdLeaseKeeper.describe(error),
                lastRevision + 1, delay);
        exec.schedule(() -> open(lastRevision + 1), delay, TimeUnit.MILLISECONDS);
    }

    private void deliver(Runnable delivery) {
        try {
            delivery.run();
        } catch (RuntimeException e) {
            LOG.error("watch listener of {} failed at revision {}; the watch carries on", key, lastRevision, e);
        }
    }

    private long nextBackoff() {
        long b = backoffMs;
        backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        return b;
    }

    private void closeWatcher() {
        if (watcher != null) {
            watcher.close();
            watcher = null;
        }
    }

    private void submit(Runnable task) {
        try {
            exec.execute(task);
        } catch (RejectedExecutionException afterClose) {
            LOG.debug("watch of {} closed; dropping a late callback", key);
        }
    }

    @Override
    public void close() {
        try {
            exec.submit(() -> {
                closed = true;
                closeWatcher();
            }).get(requestTimeoutNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException alreadyClosed) {
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.warn("watch of {} did not close cleanly: {}", key, EtcdLeaseKeeper.describe(e));
        } finally {
            exec.shutdownNow();
        }
    }
}
