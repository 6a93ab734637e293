package io.fenceline.demo;

import io.fenceline.demo.report.Report;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** Command line: {@code fenceline demo [--keep-running] [--quick] [--report FILE]}. */
@Command(name = "fenceline demo", mixinStandardHelpOptions = true,
        description = {"Run Fenceline's main job on this machine: etcd, three PostgreSQL clusters with logical"
                + " replication, a proxy per cluster and control; an application writing through the proxies; a"
                + " schema migration (expand, backfill, contract) under load; the writer cut off from etcd and a"
                + " planned handoff back; then a report of the timeline and of the writes accepted, refused and lost.",
                "Everything it starts is stopped and removed at the end, also on Ctrl-C."})
public final class Main implements Callable<Integer> {

    @Option(names = "--keep-running", description = "leave everything running after the report and print where to"
            + " point psql; start a Prometheus scraping the proxies when it is installed and print its URL; Ctrl-C"
            + " stops and removes it")
    boolean keepRunning;

    @Option(names = "--quick", description = "shorter phases (what the integration test runs)")
    boolean quick;

    @Option(names = "--report", paramLabel = "FILE", defaultValue = "fenceline-demo-report.html",
            description = "where to write the HTML report (default: ${DEFAULT-VALUE})")
    Path report;

    @Option(names = "--proxy-jar", paramLabel = "JAR", hidden = true,
            description = "the proxy's runnable jar (default: proxy/target under fenceline.home)")
    Path proxyJar;

    public static void main(String[] args) {
        // Before any logger exists: the demo's own logging configuration, not control's logback.xml.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "demo-logback.xml");
        }
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path jar = proxyJar != null ? proxyJar : ProxyJar.locate();
        DemoOptions options = quick ? DemoOptions.quick(jar, report) : DemoOptions.standard(jar, report);
        Demo demo = new Demo(options, System.out);
        Thread hook = new Thread(() -> {
            System.out.println("\nfenceline demo: stopping every process and removing the data directories...");
            demo.close();
            System.out.println("fenceline demo: cleaned up");
        }, "demo-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        Report result;
        try {
            result = demo.run();
        } catch (Exception e) {
            if (demo.isClosed()) {
                // Ctrl-C: the shutdown hook is cleaning up; what failed here is a consequence of it.
                return 130;
            }
            System.err.println("fenceline demo: FAILED: " + e.getMessage());
            demo.close();
            throw e;
        }
        if (keepRunning) {
            System.out.println("\nEverything keeps running (the application stopped). Point psql at:");
            System.out.print(demo.endpoints());
            System.out.print(demo.startPrometheus());
            System.out.println("Press Ctrl-C to stop and remove everything.");
            new CountDownLatch(1).await();
        }
        Runtime.getRuntime().removeShutdownHook(hook);
        demo.say("stopping every process and removing the data directories");
        demo.close();
        System.out.println("fenceline demo: cleaned up; writes lost: " + result.writes().lost());
        return result.writes().lost() == 0 ? 0 : 1;
    }
}
