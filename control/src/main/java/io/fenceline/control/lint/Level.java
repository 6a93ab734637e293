package io.fenceline.control.lint;

/** How much a rule's finding weighs. */
public enum Level {
    /** Worth knowing; does not change the verdict. */
    NOTE,
    /** Makes the statement {@link Verdict#BREAKING}. */
    BREAKING,
    /** Makes the statement {@link Verdict#DANGEROUS}; blocks unless the rule is explicitly allowed. */
    DANGEROUS,
    /** Blocks: the step cannot be applied as written. */
    ERROR
}
