package io.fenceline.demo;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How long each phase lasts and where the report goes.
 *
 * @param proxyJar   the proxy's runnable jar (proxy/target/fenceline-proxy-&lt;version&gt;.jar)
 * @param reportFile where the HTML report is written
 * @param warmUp     the application runs this long before the migration starts
 * @param steady     the pause between the later phases, so each shows in the timeline
 * @param writers    writer threads of the application
 * @param paceMillis pause between two writes of one writer
 */
record DemoOptions(Path proxyJar, Path reportFile, Duration warmUp, Duration steady, int writers, long paceMillis) {

    /** The README's run: about two minutes end to end. */
    static DemoOptions standard(Path proxyJar, Path reportFile) {
        return new DemoOptions(proxyJar, reportFile, Duration.ofSeconds(5), Duration.ofSeconds(4), 4, 20);
    }

    /** Shorter phases (the integration test's). */
    static DemoOptions quick(Path proxyJar, Path reportFile) {
        return new DemoOptions(proxyJar, reportFile, Duration.ofSeconds(2), Duration.ofSeconds(2), 3, 20);
    }
}
