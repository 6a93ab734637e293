package io.fenceline.conformance;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.listeners.LegacyReportingUtils;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Writes the SQLSTATEs of each failed test's exception (its causes, suppressed and chained SQLExceptions included)
 * to the file named by the system property {@code conformance.sqlstates}, one line per failure:
 * {@code class TAB legacy name TAB states separated by commas} — the class and name the console launcher's XML
 * report uses, so the comparison can tell a write refused with 25006 from any other failure without reading
 * messages. Registered through {@code META-INF/services}; it does nothing without the property.
 */
public final class SqlStateListener implements TestExecutionListener {

    private TestPlan plan;
    private Writer out;

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        plan = testPlan;
        String file = System.getProperty("conformance.sqlstates");
        if (file == null) {
            return;
        }
        try {
            out = Files.newBufferedWriter(Path.of(file), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (out == null || result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) {
            return;
        }
        Optional<Throwable> thrown = result.getThrowable();
        if (thrown.isEmpty()) {
            return;
        }
        Set<String> states = new LinkedHashSet<>();
        collect(thrown.get(), states, new IdentityHashMap<>());
        try {
            out.write(className(test) + '\t' + test.getLegacyReportingName() + '\t' + String.join(",", states) + '\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static void collect(Throwable t, Set<String> states, Map<Throwable, Boolean> seen) {
        if (t == null || seen.put(t, Boolean.TRUE) != null) {
            return;
        }
        if (t instanceof SQLException sql) {
            if (sql.getSQLState() != null) {
                states.add(sql.getSQLState());
            }
            collect(sql.getNextException(), states, seen);
        }
        collect(t.getCause(), states, seen);
        for (Throwable s : t.getSuppressed()) {
            collect(s, states, seen);
        }
    }

    /** The class of the test as the legacy XML report names it. */
    private String className(TestIdentifier test) {
        return LegacyReportingUtils.getClassName(plan, test);
    }
}
