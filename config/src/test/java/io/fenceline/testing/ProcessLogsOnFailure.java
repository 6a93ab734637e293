package io.fenceline.testing;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * Attaches the last lines of the fixtures' logs (PostgreSQL server log, etcd member logs) to a failing
 * test: as a suppressed exception on the failure, so they appear in the Surefire/Failsafe report, and on
 * standard error.
 *
 * <p>Registered for every test automatically (it is listed in
 * {@code META-INF/services/org.junit.jupiter.api.extension.Extension}), it reports every fixture open at
 * the moment of the failure. Registered explicitly with {@code @RegisterExtension}, fixtures added with
 * {@link #watch(LogSource)} are reported too, while their log files exist.
 */
public final class ProcessLogsOnFailure implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {

    private static final int TAIL_LINES = 40;

    private final Set<LogSource> watched = new LinkedHashSet<>();

    /** Adds a fixture whose log is reported when a test fails; returns it for chaining. */
    public <T extends LogSource> T watch(T source) {
        synchronized (watched) {
            watched.add(source);
        }
        return source;
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throw attach(context, throwable);
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throw attach(context, throwable);
    }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throw attach(context, throwable);
    }

    @Override
    public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throw attach(context, throwable);
    }

    @Override
    public void handleAfterAllMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throw attach(context, throwable);
    }

    private Throwable attach(ExtensionContext context, Throwable failure) {
        for (Throwable suppressed : failure.getSuppressed()) {
            if (suppressed instanceof FixtureLogs) {
                return failure;
            }
        }
        Set<LogSource> sources = new LinkedHashSet<>();
        synchronized (watched) {
            sources.addAll(watched);
        }
        sources.addAll(OpenFixtures.logSources());
        if (sources.isEmpty()) {
            return failure;
        }
        List<String> parts = new ArrayList<>();
        for (LogSource source : sources) {
            parts.add("=== " + source.describe() + ", last " + TAIL_LINES + " log lines ===\n"
                    + source.logTail(TAIL_LINES));
        }
        String report = String.join("\n", parts);
        System.err.println("Fixture logs for failed " + context.getDisplayName() + ":\n" + report);
        failure.addSuppressed(new FixtureLogs(report));
        return failure;
    }

    /** Carries the fixture logs on a test failure; not an error of its own. */
    static final class FixtureLogs extends Exception {
        private static final long serialVersionUID = 1L;

        FixtureLogs(String report) {
            super("fixture logs at the time of the failure:\n" + report, null, false, false);
        }
    }
}
