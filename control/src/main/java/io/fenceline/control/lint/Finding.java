package io.fenceline.control.lint;

import java.util.Objects;

/**
 * One rule firing on one statement or step.
 *
 * @param rule       the rule
 * @param subject    what it fired on ({@code public.users}, {@code column public.users.email})
 * @param detail     the facts behind it
 * @param overridden true if the operator explicitly allowed this rule (dangerous rules only)
 */
public record Finding(LintRule rule, String subject, String detail, boolean overridden) {

    public Finding {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(detail, "detail");
    }

    /** True if this finding stops the step. */
    public boolean blocks() {
        return rule.level() == Level.ERROR || (rule.level() == Level.DANGEROUS && !overridden);
    }

    @Override
    public String toString() {
        return rule.id() + " " + rule.slug() + " " + subject + ": " + detail + (overridden ? " (allowed)" : "");
    }
}
