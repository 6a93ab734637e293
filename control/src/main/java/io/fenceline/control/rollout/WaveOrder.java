package io.fenceline.control.rollout;

import io.fenceline.config.records.Step;
import io.fenceline.control.fleet.Policies.WriterOrder;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The waves one step of a rollout runs in. With {@link WriterOrder#AUTO} and a writer whose cluster is in the
 * configured waves, the writer's cluster leaves its wave (a wave left empty disappears) and becomes a wave of its
 * own: the last for expand and backfill, the first for contract. The other clusters keep their configured waves
 * and order, so the canary (the first wave of the step) is the configured canary for expand and backfill unless
 * that wave held only the writer, and the writer alone for contract.
 *
 * <p>Why: with logical replication between clusters, a subscriber must have a new column or table before its
 * publisher (the writer) produces rows with it, and a publisher must stop producing a column before its
 * subscribers drop it; the gate after the writer's wave waits for its subscribers to replay everything it wrote.
 */
public final class WaveOrder {

    private WaveOrder() {
    }

    /** The waves {@code step} runs in, given the configured waves, the policy and the writer key's cluster. */
    public static List<List<String>> of(List<List<String>> configured, Step step, WriterOrder policy,
                                        Optional<String> writer) {
        if (policy == WriterOrder.AS_CONFIGURED || writer.isEmpty()
                || configured.stream().noneMatch(w -> w.contains(writer.get()))) {
            return copy(configured);
        }
        String w = writer.get();
        List<List<String>> others = new ArrayList<>();
        for (List<String> wave : configured) {
            List<String> rest = wave.stream().filter(c -> !c.equals(w)).toList();
            if (!rest.isEmpty()) {
                others.add(rest);
            }
        }
        List<List<String>> order = new ArrayList<>();
        if (step == Step.CONTRACT) {
            order.add(List.of(w));
            order.addAll(others);
        } else {
            order.addAll(others);
            order.add(List.of(w));
        }
        return List.copyOf(order);
    }

    /** The clusters of {@code waves} in reverse order of application: the order a rollback undoes them in. */
    public static List<String> reversed(List<List<String>> waves) {
        List<String> order = new ArrayList<>();
        waves.forEach(order::addAll);
        java.util.Collections.reverse(order);
        return List.copyOf(order);
    }

    private static List<List<String>> copy(List<List<String>> waves) {
        return waves.stream().map(List::copyOf).toList();
    }
}
