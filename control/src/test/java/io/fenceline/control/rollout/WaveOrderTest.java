package io.fenceline.control.rollout;

import io.fenceline.config.records.Step;
import io.fenceline.control.fleet.Policies.WriterOrder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class WaveOrderTest {

    private static final List<List<String>> CONFIGURED = List.of(List.of("eu"), List.of("us", "ap"), List.of("sa"));

    @Test
    void expandAndBackfillReachTheWriterLastAndContractFirst() {
        for (Step step : List.of(Step.EXPAND, Step.BACKFILL)) {
            assertEquals(List.of(List.of("us", "ap"), List.of("sa"), List.of("eu")),
                    WaveOrder.of(CONFIGURED, step, WriterOrder.AUTO, Optional.of("eu")), step.text());
        }
        assertEquals(List.of(List.of("eu"), List.of("us", "ap"), List.of("sa")),
                WaveOrder.of(CONFIGURED, Step.CONTRACT, WriterOrder.AUTO, Optional.of("eu")));
    }

    @Test
    void theWriterLeavesItsWaveAndTheOthersKeepTheirOrder() {
        assertEquals(List.of(List.of("eu"), List.of("ap"), List.of("sa"), List.of("us")),
                WaveOrder.of(CONFIGURED, Step.EXPAND, WriterOrder.AUTO, Optional.of("us")));
        assertEquals(List.of(List.of("us"), List.of("eu"), List.of("ap"), List.of("sa")),
                WaveOrder.of(CONFIGURED, Step.CONTRACT, WriterOrder.AUTO, Optional.of("us")));
        // Already last (expand) or first (contract): unchanged.
        assertEquals(CONFIGURED, WaveOrder.of(CONFIGURED, Step.EXPAND, WriterOrder.AUTO, Optional.of("sa")));
        assertEquals(CONFIGURED, WaveOrder.of(CONFIGURED, Step.CONTRACT, WriterOrder.AUTO, Optional.of("eu")));
    }

    @Test
    void asConfiguredOrWithoutAKnownWriterTheConfiguredWaves() {
        for (Step step : Step.values()) {
            assertEquals(CONFIGURED, WaveOrder.of(CONFIGURED, step, WriterOrder.AS_CONFIGURED, Optional.of("eu")));
            assertEquals(CONFIGURED, WaveOrder.of(CONFIGURED, step, WriterOrder.AUTO, Optional.empty()));
            assertEquals(CONFIGURED, WaveOrder.of(CONFIGURED, step, WriterOrder.AUTO, Optional.of("elsewhere")));
        }
    }

    @Test
    void aSingleClusterStaysOneWave() {
        List<List<String>> one = List.of(List.of("eu"));
        for (Step step : Step.values()) {
            assertEquals(one, WaveOrder.of(one, step, WriterOrder.AUTO, Optional.of("eu")));
        }
    }

    @Test
    void aRollbackUndoesTheClustersInTheReverseOfTheirApplication() {
        List<List<String>> expand = WaveOrder.of(CONFIGURED, Step.EXPAND, WriterOrder.AUTO, Optional.of("eu"));
        assertEquals(List.of("eu", "sa", "ap", "us"), WaveOrder.reversed(expand));
        assertEquals(List.of("sa", "ap", "us", "eu"), WaveOrder.reversed(WaveOrder.of(CONFIGURED, Step.CONTRACT,
                WriterOrder.AUTO, Optional.of("eu"))));
    }
}
