package io.fenceline.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;

/** The leak check is installed for every test class and turns a leaked buffer into a failed class. */
class NettyLeakCheckTest {

    /** Read before any test of this class runs; reading it does not load {@link NettyLeakCheck}. */
    private static final String FACTORY_AT_CLASS_INIT = ResourceLeakDetectorFactory.instance().getClass().getName();

    @Test
    void installedByAutoDetectionBeforeAnyTestRuns() {
        // Only the build's auto-detection setting plus the services file can have installed it this early.
        assertEquals(NettyLeakCheck.class.getName() + "$RecordingFactory", FACTORY_AT_CLASS_INIT);
        assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel(),
                "tests run with -Dio.netty.leakDetection.level=paranoid");
    }

    @Test
    void leakingTestClassFails() {
        Events containers = EngineTestKit.engine("junit-jupiter")
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
                .selectors(selectClass(Leaky.class))
                .execute()
                .containerEvents();
        List<Event> failures = containers.failed().list();
        assertEquals(1, failures.size(), "the leaking class fails: " + containers.list());
        Throwable cause = failures.get(0).getPayload(org.junit.platform.engine.TestExecutionResult.class)
                .flatMap(org.junit.platform.engine.TestExecutionResult::getThrowable).orElseThrow();
        assertTrue(cause.getMessage().contains("Netty resource leak"), cause.getMessage());
        assertTrue(cause.getMessage().contains("LEAK: ByteBuf.release() was not called"), cause.getMessage());
        assertTrue(NettyLeakCheck.collectLeaks().isEmpty(), "the failing class consumed its reports");
    }

    @Test
    void cleanTestClassPasses() {
        Events containers = EngineTestKit.engine("junit-jupiter")
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
                .selectors(selectClass(Clean.class))
                .execute()
                .containerEvents();
        assertEquals(0, containers.failed().count(), containers.list().toString());
        assertEquals(2, containers.succeeded().count(), "the engine and the class succeed");
    }

    /** Run only through the test kit above (the check comes from the services file): leaks a buffer. */
    static class Leaky {
        @Test
        void dropsABuffer() {
            allocateAndForget();
        }

        private static void allocateAndForget() {
            ByteBuf leaked = UnpooledByteBufAllocator.DEFAULT.buffer(64);
            leaked.writeInt(42);
        }
    }

    /** Run only through the test kit above: releases what it allocates. */
    static class Clean {
        @Test
        void releasesItsBuffer() {
            ByteBuf buffer = UnpooledByteBufAllocator.DEFAULT.buffer(64);
            buffer.writeInt(42);
            assertTrue(buffer.release());
        }
    }
}
