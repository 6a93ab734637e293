package io.fenceline.control.fleet;

import io.fenceline.config.records.Step;
import io.fenceline.control.calendar.RolloutWindows;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * When a rollout may proceed: the cooldown after each wave of a step before its next wave
 * ({@code policies.cooldown}), the rollout windows a wave may begin in ({@code policies.windows}), and the time
 * box of the gate after each wave, per step ({@code policies.gate_timeout} as a mapping).
 *
 * @param cooldowns    per step, the wait between the end of one wave (its gate passed) and the start of the next;
 *                     a step not listed has none
 * @param windows      the rollout windows; {@link RolloutWindows#ALWAYS} without
 * @param gateTimeouts per step, the gate time box where it differs from {@link Policies#gateTimeout()}
 */
public record RolloutCalendar(Map<Step, Duration> cooldowns, RolloutWindows windows, Map<Step, Duration> gateTimeouts) {

    /** No cooldown, no window, the global gate timeout everywhere. */
    public static final RolloutCalendar NONE = new RolloutCalendar(Map.of(), RolloutWindows.ALWAYS, Map.of());

    public RolloutCalendar {
        cooldowns = cooldowns.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(cooldowns));
        gateTimeouts = gateTimeouts.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(gateTimeouts));
    }

    /** The cooldown between two waves of {@code step}; zero when none is configured. */
    public Duration cooldown(Step step) {
        return cooldowns.getOrDefault(step, Duration.ZERO);
    }

    /** The time box of the gate after each wave of {@code step}, or {@code fallback}. */
    public Duration gateTimeout(Step step, Duration fallback) {
        return gateTimeouts.getOrDefault(step, fallback);
    }
}
