package io.fenceline.proxy.fuzz;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One generated client session: the startup packet's parameters and the steps sent after the first
 * ReadyForQuery. {@code seed} and {@code index} say where it came from: {@code SessionGenerator(seed).session(index)}
 * makes it again.
 */
public record FuzzSession(long seed, int index, Map<String, String> startup, List<Step> steps) {

    public FuzzSession {
        startup = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(startup));
        steps = List.copyOf(steps);
    }

    int messageCount() {
        return steps.stream().mapToInt(s -> s.messages().size()).sum();
    }

    FuzzSession withSteps(List<Step> s) {
        return new FuzzSession(seed, index, startup, s);
    }

    FuzzSession withoutStep(int i) {
        List<Step> s = new ArrayList<>(steps);
        s.remove(i);
        return withSteps(s);
    }

    FuzzSession withoutMessage(int step, int message) {
        List<Step> s = new ArrayList<>(steps);
        Step shorter = s.get(step).without(message);
        if (shorter.messages().isEmpty()) {
            s.remove(step);
        } else {
            s.set(step, shorter);
        }
        return withSteps(s);
    }

    FuzzSession withStartup(Map<String, String> params) {
        return new FuzzSession(seed, index, params, steps);
    }

    /** Readable steps, one message a line, with the seed and index that regenerate the original. */
    String describe() {
        StringBuilder s = new StringBuilder();
        s.append("session ").append(index).append(" of seed ").append(seed)
                .append(" (bin/fuzz-fence --seed ").append(seed).append(" --sessions ").append(index + 1).append(")");
        s.append("\n  startup ").append(startup);
        int i = 1;
        for (Step step : steps) {
            s.append("\n  ").append(i++).append(". ").append(step.describe());
        }
        return s.toString();
    }
}
