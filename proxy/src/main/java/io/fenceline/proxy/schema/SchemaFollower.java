package io.fenceline.proxy.schema;

import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.KeyEvent;
import io.fenceline.config.coordination.ResumableWatch;
import io.fenceline.config.coordination.StoredEntry;
import io.fenceline.config.coordination.WatchListener;
import io.fenceline.config.keys.EtcdKey;
import io.fenceline.config.keys.EtcdKeys;
import io.fenceline.config.records.Catalog;
import io.fenceline.config.records.Records;
import io.fenceline.config.records.Window;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Follows a group's {@code …/window} and {@code …/catalog/{version}} keys in etcd (resumable watches: a
 * disconnect resumes, a compaction re-reads everything) and keeps the result as one immutable
 * {@link SchemaView} behind a volatile reference, so the data path reads it without locks.
 *
 * <p>A value that does not decode (a hand-written key, a newer format) is logged and ignored: the last good
 * window stays, and a catalog that cannot be read counts as not published.
 */
public final class SchemaFollower implements Supplier<SchemaView>, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaFollower.class);

    private final String group;
    private final EtcdKeys keys;
    private final ResumableWatch windowWatch;
    private final ResumableWatch catalogWatch;
    private final CountDownLatch windowRead = new CountDownLatch(1);
    private final CountDownLatch catalogsRead = new CountDownLatch(1);
    private volatile SchemaView view = SchemaView.EMPTY;

    /** Starts watching {@code group}'s window and catalogs through {@code etcd}. */
    public SchemaFollower(Coordinator etcd, String group) {
        this.group = group;
        this.keys = etcd.keys();
        this.windowWatch = etcd.watch(keys.window(group), false, 0, new WatchListener() {
            @Override
            public void onSnapshot(Snapshot why, List<StoredEntry> entries, long revision) {
                synchronized (SchemaFollower.this) {
                    view = view.withWindow(entries.isEmpty() ? null : window(entries.get(0)).orElse(view.window()));
                }
                LOG.info("schema window of group {} ({}): {}", group, why, view.window());
                windowRead.countDown();
            }

            @Override
            public void onEvents(List<KeyEvent> events) {
                synchronized (SchemaFollower.this) {
                    for (KeyEvent e : events) {
                        view = view.withWindow(e.type() == KeyEvent.Type.DELETE ? null
                                : window(e.entry()).orElse(view.window()));
                    }
                }
                LOG.info("schema window of group {} is now {}", group, view.window());
            }
        });
        this.catalogWatch = etcd.watch(keys.catalogPrefix(group), true, 0, new WatchListener() {
            @Override
            public void onSnapshot(Snapshot why, List<StoredEntry> entries, long revision) {
                synchronized (SchemaFollower.this) {
                    SchemaView v = SchemaView.EMPTY.withWindow(view.window());
                    for (StoredEntry e : entries) {
                        Optional<Catalog> c = catalog(e);
                        if (c.isPresent()) {
                            v = v.withCatalog(c.get());
                        }
                    }
                    view = v;
                }
                LOG.info("schema catalogs of group {} ({}): versions {}", group, why, view.versions());
                catalogsRead.countDown();
            }

            @Override
            public void onEvents(List<KeyEvent> events) {
                synchronized (SchemaFollower.this) {
                    for (KeyEvent e : events) {
                        Optional<EtcdKey> key = keys.parse(e.key());
                        if (key.isEmpty() || !(key.get() instanceof EtcdKey.Catalog ck)) {
                            continue;
                        }
                        if (e.type() == KeyEvent.Type.DELETE) {
                            view = view.withoutCatalog(ck.version());
                        } else {
                            Optional<Catalog> c = catalog(e.entry());
                            view = c.isPresent() ? view.withCatalog(c.get()) : view.withoutCatalog(ck.version());
                        }
                    }
                }
                LOG.info("schema catalogs of group {} are now versions {}", group, view.versions());
            }
        });
    }

    /** The current view (never null). */
    @Override
    public SchemaView get() {
        return view;
    }

    /** The group followed. */
    public String group() {
        return group;
    }

    /** Waits until the first reading of both the window and the catalogs arrived; false on timeout. */
    public boolean awaitFirstRead(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        return windowRead.await(timeout, unit)
                && catalogsRead.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private Optional<Window> window(StoredEntry e) {
        try {
            return Optional.of(Records.fromJson(e.key(), e.value(), Window.class));
        } catch (IllegalArgumentException ex) {
            LOG.warn("ignoring the schema window at {}: {} (keeping {})", e.key(), ex.getMessage(), view.window());
            return Optional.empty();
        }
    }

    private Optional<Catalog> catalog(StoredEntry e) {
        Optional<EtcdKey> key = keys.parse(e.key());
        if (key.isEmpty() || !(key.get() instanceof EtcdKey.Catalog ck)) {
            return Optional.empty();
        }
        try {
            Catalog c = Records.fromJson(e.key(), e.value(), Catalog.class);
            if (c.version() != ck.version()) {
                LOG.warn("ignoring the catalog at {}: it says version {}", e.key(), c.version());
                return Optional.empty();
            }
            return Optional.of(c);
        } catch (IllegalArgumentException ex) {
            LOG.warn("ignoring the catalog at {}: {}", e.key(), ex.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        windowWatch.close();
        catalogWatch.close();
    }
}
