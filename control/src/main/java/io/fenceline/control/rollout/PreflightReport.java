package io.fenceline.control.rollout;

import java.util.List;

/**
 * What preflight found, per cluster and for the group.
 *
 * @param version  the version preflight judged (the next one to apply)
 * @param expected the checksum every cluster's live catalog should have, and where it came from
 * @param checks   every check, group-wide ones with a null cluster
 */
public record PreflightReport(int version, String expected, List<Check> checks) {

    /** One check: {@code reachable}, {@code drift}, {@code lag}, {@code migration}, {@code lint}. */
    public record Check(String cluster, String name, boolean passed, String detail, List<String> diff) {
        public Check {
            diff = List.copyOf(diff);
        }

        /** A check without diff lines. */
        public static Check of(String cluster, String name, boolean passed, String detail) {
            return new Check(cluster, name, passed, detail, List.of());
        }
    }

    public PreflightReport {
        checks = List.copyOf(checks);
    }

    /** True when every check passed. */
    public boolean passed() {
        return checks.stream().allMatch(Check::passed);
    }

    /** The failed checks, one line each, for the journal's halt reason. */
    public String failures() {
        return String.join("; ", checks.stream().filter(c -> !c.passed())
                .map(c -> (c.cluster() == null ? "" : c.cluster() + " ") + c.name() + ": " + c.detail()).toList());
    }
}
