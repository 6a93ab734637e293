package io.fenceline.control.reconcile;

import io.fenceline.control.fleet.Consistency.OnDivergence;
import io.fenceline.control.rollout.WaveCheck;

import java.sql.SQLException;
import java.util.Optional;

/** {@code policies.verify: after_wave}: verify against the writer after each wave, then the divergence policy. */
public final class VerifyAfterWave implements WaveCheck {

    private final Enforcement enforcement;
    private final OnDivergence policy;

    public VerifyAfterWave(Enforcement enforcement, OnDivergence policy) {
        this.enforcement = enforcement;
        this.policy = policy;
    }

    @Override
    public Optional<String> after(int version, String step, int wave) {
        try {
            return enforcement.check("after wave " + wave + " of " + step + " V" + version, policy);
        } catch (SQLException e) {
            return Optional.of("verify after the wave failed: [" + e.getSQLState() + "] " + e.getMessage());
        }
    }
}
