package io.fenceline.proxy;

import io.fenceline.config.file.ConfigResult;
import io.fenceline.config.file.ProxySettings;
import io.fenceline.config.file.ProxySettingsLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** Command line: {@code fenceline proxy --config FILE}. */
@Command(name = "fenceline", mixinStandardHelpOptions = true,
        description = "Fenceline: schema-version and writer-lease fencing for PostgreSQL.",
        subcommands = Main.Proxy.class)
public final class Main implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(Main.class);

    /** Exit code for an invalid configuration. */
    static final int EXIT_CONFIG = 2;
    /** Exit code when the proxy cannot start. */
    static final int EXIT_START = 3;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.err);
        return CommandLine.ExitCode.USAGE;
    }

    /** {@code fenceline proxy}: runs the proxy until SIGTERM or SIGINT. */
    @Command(name = "proxy", mixinStandardHelpOptions = true,
            description = "Run the PostgreSQL proxy sidecar until SIGTERM (graceful) or SIGINT.")
    static final class Proxy implements Callable<Integer> {

        @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "YAML configuration file")
        Path config;

        @Override
        public Integer call() throws InterruptedException {
            ConfigResult<ProxySettings> loaded = ProxySettingsLoader.load(config);
            if (loaded instanceof ConfigResult.Invalid<ProxySettings> invalid) {
                System.err.println("fenceline: the configuration is invalid (" + invalid.problems().size() + " problems):");
                System.err.println(invalid.describe());
                return EXIT_CONFIG;
            }
            ProxySettings settings = ((ConfigResult.Valid<ProxySettings>) loaded).settings();
            ProxyProcess process;
            try {
                process = ProxyProcess.start(settings);
            } catch (IllegalStateException e) {
                log.error("fenceline: cannot start: {}", e.getMessage(), e);
                return EXIT_START;
            }
            CountDownLatch stopped = new CountDownLatch(1);
            // SIGTERM and SIGINT run shutdown hooks: stop accepting, let sessions finish within the grace.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                log.info("signal received: shutting down within {} ms", settings.shutdownGrace().toMillis());
                process.shutdown();
                stopped.countDown();
            }, "fenceline-shutdown"));
            stopped.await();
            return 0;
        }
    }
}
