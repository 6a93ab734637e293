package io.fenceline.proxy.fuzz;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The loop: each session of a seed runs against every target of a {@link FenceRig}; the target's
 * {@link DatabaseOracle} says whether anything reached its database. A session that wrote is shrunk (steps, then
 * messages, then the startup options, then pipelining removed, each kept only if the smaller session still
 * writes on a freshly reset database) and printed with its seed.
 */
final class FenceFuzz {

    /** A session that wrote through a non-writer, and the smallest one found that still does. */
    record Finding(String target, FuzzSession original, FuzzSession minimal, List<String> writes, String outcome,
                   boolean reproduced) {
        String describe() {
            return "WRITE through the non-writer proxy '" + target + "'"
                    + (reproduced ? "" : " (did not write again when re-run: printed unshrunk)") + "\n"
                    + "  what reached the database: " + writes + "\n"
                    + "  what the client saw: " + outcome + "\n"
                    + "  smallest session (" + minimal.messageCount() + " messages; the original had "
                    + original.messageCount() + "):\n"
                    + minimal.describe().indent(2).stripTrailing();
        }
    }

    /** The totals of a run. */
    record Report(int sessions, int runs, int writes, int stuck, int refusedReads, List<Finding> findings, Map<String, Integer> writesByTarget,
                  Set<Integer> failingIndexes, double seconds, double cpuSeconds) {
        String lastLine() {
            return "sessions: " + sessions + ", writes that reached the database: " + writes;
        }
    }

    private final FenceRig rig;
    private final int readTimeoutMillis;
    private final int maxShrunk;

    /** @param maxShrunk findings shrunk per run (further ones are counted and listed by index only) */
    FenceFuzz(FenceRig rig, int readTimeoutMillis, int maxShrunk) {
        this.rig = rig;
        this.readTimeoutMillis = readTimeoutMillis;
        this.maxShrunk = maxShrunk;
    }

    Report run(long seed, int sessions, Consumer<String> log) {
        SessionGenerator gen = new SessionGenerator(seed);
        List<Finding> findings = new ArrayList<>();
        Map<String, Integer> byTarget = new LinkedHashMap<>();
        Set<Integer> failing = new LinkedHashSet<>();
        Set<String> seen = new LinkedHashSet<>();
        int writes = 0;
        int stuck = 0;
        int runs = 0;
        int refusedReads = 0;
        long start = System.nanoTime();
        double cpu0 = CpuTime.seconds(rig.servers());
        for (int i = 0; i < sessions; i++) {
            FuzzSession s = gen.session(i);
            for (FenceRig.Target t : rig.targets()) {
                runs++;
                WireClient.Outcome o = new WireClient(t.address(), readTimeoutMillis).run(s, FuzzDatabase.ROLE, t.oracle().database());
                if (!o.sqlStates().isEmpty() && !s.steps().isEmpty() && s.steps().stream()
                        .allMatch(x -> x.generator().equals(SessionGenerator.PIPELINED_READS))) {
                    refusedReads++;
                    if (refusedReads <= 3) {
                        log.accept("READ REFUSED by the non-writer proxy '" + t.name() + "': " + o.summary() + "\n"
                                + s.describe().indent(2).stripTrailing());
                    }
                }
                if (o.stuck()) {
                    stuck++;
                    log.accept("stuck: session " + i + " of seed " + seed + " on '" + t.name() + "': " + o.note());
                }
                List<String> w = t.oracle().writesSinceLastLook();
                if (w.isEmpty()) {
                    continue;
                }
                writes++;
                failing.add(i);
                byTarget.merge(t.name(), 1, Integer::sum);
                t.oracle().reset();
                if (findings.size() < maxShrunk) {
                    Finding f = shrink(t, s, w, o);
                    // The same smallest session from another index is printed once: key without the header line.
                    String d = f.minimal().describe();
                    String key = t.name() + d.substring(d.indexOf('\n'));
                    if (seen.add(key)) {
                        findings.add(f);
                        log.accept(f.describe());
                    }
                } else {
                    log.accept("write: session " + i + " of seed " + seed + " on '" + t.name() + "': " + w);
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Report(sessions, runs, writes, stuck, refusedReads, findings, byTarget, failing, seconds,
                CpuTime.seconds(rig.servers()) - cpu0);
    }

    /** Removes what is not needed for the write, re-running against a reset database; bounded to 300 runs. */
    private Finding shrink(FenceRig.Target t, FuzzSession original, List<String> writes, WireClient.Outcome outcome) {
        int[] budget = {300};
        if (!writes(t, original, budget)) {
            return new Finding(t.name(), original, original, writes, outcome.summary(), false);
        }
        FuzzSession cur = original;
        boolean progress = true;
        while (progress && budget[0] > 0) {
            progress = false;
            for (int i = cur.steps().size() - 1; i >= 0 && budget[0] > 0; i--) {
                FuzzSession c = cur.withoutStep(i);
                if (writes(t, c, budget)) {
                    cur = c;
                    progress = true;
                }
            }
            for (int i = cur.steps().size() - 1; i >= 0 && budget[0] > 0; i--) {
                for (int j = cur.steps().get(i).messages().size() - 1; j >= 0 && budget[0] > 0; j--) {
                    if (i >= cur.steps().size() || j >= cur.steps().get(i).messages().size()
                            || !removable(cur.steps().get(i), j)) {
                        continue;
                    }
                    FuzzSession c = cur.withoutMessage(i, j);
                    if (writes(t, c, budget)) {
                        cur = c;
                        progress = true;
                    }
                }
            }
            if (!cur.startup().isEmpty() && budget[0] > 0) {
                FuzzSession c = cur.withStartup(Map.of());
                if (writes(t, c, budget)) {
                    cur = c;
                    progress = true;
                }
            }
            for (int i = 0; i < cur.steps().size() && budget[0] > 0; i++) {
                if (!cur.steps().get(i).awaited()) {
                    List<Step> steps = new ArrayList<>(cur.steps());
                    steps.set(i, steps.get(i).awaitedStep());
                    FuzzSession c = cur.withSteps(steps);
                    if (writes(t, c, budget)) {
                        cur = c;
                        progress = true;
                    }
                }
            }
        }
        WireClient.Outcome last = new WireClient(t.address(), readTimeoutMillis).run(cur, FuzzDatabase.ROLE, t.oracle().database());
        List<String> lastWrites = t.oracle().writesSinceLastLook();
        if (!lastWrites.isEmpty()) {
            t.oracle().reset();
        }
        return new Finding(t.name(), original, cur, lastWrites.isEmpty() ? writes : lastWrites,
                lastWrites.isEmpty() ? outcome.summary() : last.summary(), true);
    }

    /**
     * Whether message {@code j} may go: not a CopyDone (the server would wait in COPY for ever), and a Sync
     * only when no extended message before it in the step needs it.
     */
    private static boolean removable(Step step, int j) {
        char type = step.messages().get(j).type();
        if (type == 'c') {
            return false;
        }
        if (type == 'S') {
            return j == 0 || step.messages().get(j - 1).type() == 'S' || step.messages().get(j - 1).type() == 'Q';
        }
        return true;
    }

    private boolean writes(FenceRig.Target t, FuzzSession s, int[] budget) {
        budget[0]--;
        new WireClient(t.address(), readTimeoutMillis).run(s, FuzzDatabase.ROLE, t.oracle().database());
        boolean wrote = !t.oracle().writesSinceLastLook().isEmpty();
        if (wrote) {
            t.oracle().reset();
        }
        return wrote;
    }
}
