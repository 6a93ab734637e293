package io.fenceline.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/** A failing test carries the log tails of the watched fixtures; a passing one carries nothing. */
class ProcessLogsOnFailureTest {

    @Test
    void failingTestCarriesTheWatchedLogTail() {
        List<Event> failed = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(Failing.class))
                .execute()
                .testEvents()
                .failed()
                .list();
        assertEquals(1, failed.size());
        Throwable failure = failed.get(0).getPayload(TestExecutionResult.class)
                .flatMap(TestExecutionResult::getThrowable).orElseThrow();
        assertEquals("the assertion itself", failure.getMessage());
        String logs = Arrays.stream(failure.getSuppressed())
                .filter(s -> s instanceof ProcessLogsOnFailure.FixtureLogs)
                .map(Throwable::getMessage)
                .findFirst().orElseThrow(() -> new AssertionError("no fixture logs attached to " + failure));
        assertTrue(logs.contains("=== fake server 127.0.0.1:1, last 40 log lines ==="), logs);
        assertTrue(logs.contains("FATAL: the last line of the log"), logs);
    }

    /** A stand-in log source; real fixtures implement the same two methods over their log files. */
    private static final LogSource FAKE = new LogSource() {
        @Override
        public String describe() {
            return "fake server 127.0.0.1:1";
        }

        @Override
        public String logTail(int lines) {
            return "LOG: starting\nFATAL: the last line of the log";
        }
    };

    /** Run only through the test kit above. */
    static class Failing {
        @RegisterExtension
        final ProcessLogsOnFailure logs = new ProcessLogsOnFailure();

        @Test
        void fails() {
            logs.watch(FAKE);
            throw new AssertionError("the assertion itself");
        }
    }
}
