package io.fenceline.demo.faults;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bin/faults [--schedules N] [--seed S] [--base-seed B] [--duration SECONDS]}: runs N schedules (seeds B,
 * B+1, ...; B defaults to the current time) or the one schedule of seed S, prints a line per schedule and the
 * summary line, and exits 0 only when no schedule found an overlap, a lost acknowledged write, a write applied
 * twice or a refused write committed.
 */
public final class FaultsMain {

    private FaultsMain() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("logback.configurationFile") == null) {
            // The demo's logging: libraries and fixtures warn on stderr, the schedule lines alone go to stdout.
            System.setProperty("logback.configurationFile", "demo-logback.xml");
        }
        int schedules = 5;
        Long seed = null;
        long base = System.currentTimeMillis() % 1_000_000;
        long durationSeconds = 20;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--schedules" -> schedules = Integer.parseInt(value(args, ++i, a));
                case "--seed" -> seed = Long.parseLong(value(args, ++i, a));
                case "--base-seed" -> base = Long.parseLong(value(args, ++i, a));
                case "--duration" -> durationSeconds = Long.parseLong(value(args, ++i, a));
                case "-h", "--help" -> {
                    System.out.println("usage: bin/faults [--schedules N] [--seed S] [--base-seed B] [--duration SECONDS]");
                    return;
                }
                default -> {
                    System.err.println("bin/faults: unknown option '" + a + "' (known: --schedules, --seed, --base-seed,"
                            + " --duration, --help)");
                    System.exit(64);
                }
            }
        }
        List<Long> seeds = new ArrayList<>();
        if (seed != null) {
            seeds.add(seed);
        } else {
            for (int i = 0; i < schedules; i++) {
                seeds.add(base + i);
            }
        }
        System.exit(run(seeds, durationSeconds * 1000).failedSeeds().isEmpty() ? 0 : 1);
    }

    /** Starts a rig, runs {@code seeds}, stops the rig. */
    public static FaultsRun.Totals run(List<Long> seeds, long durationMillis) throws Exception {
        Path work = Files.createTempDirectory("fenceline-faults-");
        long started = System.nanoTime();
        try (FaultRig rig = new FaultRig(work, io.fenceline.demo.ProxyJar.locate(), m -> System.out.println("[faults] " + m))) {
            Runtime.getRuntime().addShutdownHook(new Thread(rig::close));
            rig.start();
            FaultsRun.Totals t = new FaultsRun(rig, System.out::println, durationMillis).run(seeds);
            System.out.println("[faults] " + seeds.size() + " schedules in " + (System.nanoTime() - started) / 1_000_000_000
                    + " s (rig start included)" + (t.failedSeeds().isEmpty() ? "" : "; proxy logs kept in " + work));
            if (t.failedSeeds().isEmpty()) {
                deleteLater(work);
            }
            return t;
        }
    }

    /** Removes the proxies' configuration and log directories once the rig has stopped them (a shutdown hook). */
    private static void deleteLater(Path work) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (var paths = Files.walk(work)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (java.io.IOException e) {
                System.err.println("[faults] could not remove " + work + ": " + e.getMessage());
            }
        }));
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            System.err.println("bin/faults: " + option + " needs a value");
            System.exit(64);
        }
        return args[i];
    }
}
