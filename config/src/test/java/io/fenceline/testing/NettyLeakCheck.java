package io.fenceline.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Makes Netty's leak detector fail tests instead of only logging. Registered for every test class of
 * every module through {@code META-INF/services/org.junit.jupiter.api.extension.Extension} (the root pom
 * turns on JUnit's extension auto-detection), it installs a {@link ResourceLeakDetectorFactory} whose
 * detectors record each leak report; after each test class it collects garbage, allocates a few buffers
 * so the detectors look at their reference queues, and fails the class with every report that arrived.
 *
 * <p>Netty creates a detector when a resource class initialises, so the factory is installed when this
 * extension is loaded, before any test touches Netty. A leak is reported to the class during or after which
 * the garbage collector noticed it; the class-level flush makes that the leaking class in practice.
 */
public final class NettyLeakCheck implements AfterAllCallback {

    private static final ConcurrentLinkedQueue<String> REPORTS = new ConcurrentLinkedQueue<>();
    private static final boolean INSTALLED = install();

    private static boolean install() {
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
        return true;
    }

    /** Whether the recording factory is in place (it is, once this class is loaded). */
    public static boolean installed() {
        return INSTALLED;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        List<String> leaks = collectLeaks();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty resource leak(s) reported during "
                    + context.getDisplayName() + " (io.netty.leakDetection.level=" + ResourceLeakDetector.getLevel()
                    + "):\n" + String.join("\n\n", leaks));
        }
    }

    /**
     * Runs the garbage collector and a few tracked allocations so pending leak reports are made, then
     * returns (and forgets) every report recorded so far.
     */
    public static List<String> collectLeaks() {
        for (int round = 0; round < 3; round++) {
            System.gc();
            try {
                // The reference handler enqueues collected trackers asynchronously after the collection.
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            for (ByteBufAllocator allocator : new ByteBufAllocator[] {
                    UnpooledByteBufAllocator.DEFAULT, PooledByteBufAllocator.DEFAULT, ByteBufAllocator.DEFAULT}) {
                ByteBuf probe = allocator.buffer(1);
                probe.release();
                ByteBuf direct = allocator.directBuffer(1);
                direct.release();
            }
        }
        List<String> drained = new ArrayList<>();
        String report;
        while ((report = REPORTS.poll()) != null) {
            drained.add(report);
        }
        return drained;
    }

    /** Builds detectors that record what they report. */
    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
            return new RecordingDetector<>(resource, samplingInterval);
        }

        /** Netty 4.1 still declares this deprecated form abstract; {@code maxActive} is ignored as Netty does. */
        @Override
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval, long maxActive) {
            return new RecordingDetector<>(resource, samplingInterval);
        }
    }

    /** A detector that reports like Netty's and also records the report for the failing test class. */
    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
        RecordingDetector(Class<?> resource, int samplingInterval) {
            super(resource, samplingInterval);
        }

        @Override
        protected boolean needReport() {
            return true;
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            REPORTS.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected."
                    + records);
            super.reportTracedLeak(resourceType, records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            REPORTS.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected"
                    + " (no access records; raise io.netty.leakDetection.level to see them).");
            super.reportUntracedLeak(resourceType);
        }
    }
}
