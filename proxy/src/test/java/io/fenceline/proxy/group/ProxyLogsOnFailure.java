package io.fenceline.proxy.group;

import io.fenceline.testing.LogSource;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Attaches the last lines of the child proxies' logs to a failing test or lifecycle method (as a suppressed
 * exception, and on standard error), like {@code io.fenceline.testing.ProcessLogsOnFailure} does for the
 * fixtures: the proxies are not fixtures of the test-jar, so they are reported here.
 */
final class ProxyLogsOnFailure implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {

    private final List<LogSource> watched = new CopyOnWriteArrayList<>();

    <T extends LogSource> T watch(T source) {
        watched.add(source);
        return source;
    }

    void forget(LogSource source) {
        watched.remove(source);
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throw attach(context, throwable);
    }

    @Override
    public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throw attach(context, throwable);
    }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throw attach(context, throwable);
    }

    private Throwable attach(ExtensionContext context, Throwable failure) {
        StringBuilder report = new StringBuilder();
        for (LogSource s : watched) {
            report.append("=== ").append(s.describe()).append(", last 60 log lines ===\n").append(s.logTail(60)).append('\n');
        }
        if (!report.isEmpty()) {
            System.err.println("Proxy logs for failed " + context.getDisplayName() + ":\n" + report);
            failure.addSuppressed(new ProxyLogs(report.toString()));
        }
        return failure;
    }

    /** Carries the proxies' logs on a failure. */
    static final class ProxyLogs extends Exception {
        private static final long serialVersionUID = 1L;

        ProxyLogs(String report) {
            super("proxy logs at the time of the failure:\n" + report, null, false, false);
        }
    }
}
