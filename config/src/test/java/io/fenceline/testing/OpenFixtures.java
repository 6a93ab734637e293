package io.fenceline.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fixtures open in this JVM. One shutdown hook closes whatever is still open when the JVM exits (an
 * interrupted run, a test that forgot {@code close()}), so no server outlives the build.
 */
final class OpenFixtures {

    private static final Logger LOG = LoggerFactory.getLogger(OpenFixtures.class);
    private static final Set<AutoCloseable> OPEN = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(OpenFixtures::closeAll, "fenceline-fixtures-cleanup"));
    }

    private OpenFixtures() {
    }

    static void add(AutoCloseable fixture) {
        OPEN.add(fixture);
    }

    static void remove(AutoCloseable fixture) {
        OPEN.remove(fixture);
    }

    /** Open fixtures that have a log, for failure reports. */
    static List<LogSource> logSources() {
        List<LogSource> sources = new ArrayList<>();
        for (AutoCloseable fixture : OPEN) {
            if (fixture instanceof LogSource source) {
                sources.add(source);
            }
        }
        return sources;
    }

    private static void closeAll() {
        for (AutoCloseable fixture : List.copyOf(OPEN)) {
            try {
                fixture.close();
            } catch (Exception e) {
                LOG.warn("could not close {} at JVM exit", fixture, e);
            }
        }
    }
}
