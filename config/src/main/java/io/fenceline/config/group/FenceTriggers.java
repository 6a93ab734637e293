package io.fenceline.config.group;

import java.util.ArrayList;
import java.util.List;

/**
 * The layer of the database fence that a session cannot lift ({@code group.fence.triggers},
 * {@code group.fence.exempt_roles}): a statement-level trigger on every table of the group that refuses writes
 * (25006) unless the database is open, "open" being a deadline in a sequence that only the fence's role may set.
 *
 * @param enabled     whether the fence installs and drives the triggers (false: only {@code
 *                    default_transaction_read_only} and the sweep, which any session can lift)
 * @param exemptRoles roles whose sessions ({@code session_user}) may write on a fenced database: control's
 *                    role, which applies migrations (and their backfills) to every cluster
 */
public record FenceTriggers(boolean enabled, List<String> exemptRoles) {

    /**
     * Validates everything at once.
     *
     * @throws IllegalArgumentException listing every problem, each with its setting name ({@code fence.*})
     */
    public FenceTriggers {
        List<String> problems = problems(exemptRoles);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid fence trigger settings: " + String.join("; ", problems));
        }
        exemptRoles = List.copyOf(exemptRoles);
    }

    /** The default: triggers on, the fence's own role exempt (control usually shares it). */
    public static FenceTriggers defaults(String fenceUser) {
        return new FenceTriggers(true, List.of(fenceUser));
    }

    /** No triggers (the fence of before: any session can lift it). */
    public static FenceTriggers off() {
        return new FenceTriggers(false, List.of());
    }

    /** Every problem with these values (empty when valid); each names its setting. */
    public static List<String> problems(List<String> exemptRoles) {
        List<String> p = new ArrayList<>();
        if (exemptRoles == null) {
            p.add("fence.exempt_roles: is required (an empty list exempts nobody)");
            return p;
        }
        for (int i = 0; i < exemptRoles.size(); i++) {
            String role = exemptRoles.get(i);
            // Role names end up in a SQL array literal inside the trigger function: keep them plain.
            if (role == null || !role.matches("[A-Za-z_][A-Za-z0-9_$-]{0,62}")) {
                p.add("fence.exempt_roles[" + i + "]: '" + role + "' must be a role name of letters, digits, _ $ -"
                        + " (at most 63 characters)");
            }
        }
        return p;
    }
}
