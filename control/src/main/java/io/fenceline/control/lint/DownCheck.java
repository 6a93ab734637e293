package io.fenceline.control.lint;

/** Whether a phase's down SQL, run after its SQL, restores the catalog as it was. */
public sealed interface DownCheck {

    /** The catalog after up + down equals the catalog before. */
    record Restored() implements DownCheck {
    }

    /** The catalog differs: {@code diff} goes from before to after up + down. */
    record NotRestored(CatalogDiff diff) implements DownCheck {
    }

    /** The down SQL failed. */
    record Failed(int statement, String error) implements DownCheck {
    }

    /** The phase has no down SQL. */
    record NoDown() implements DownCheck {
    }

    /** Not checked, for this reason (the phase's own SQL failed, or a setup step failed). */
    record NotChecked(String reason) implements DownCheck {
    }

    /** One line for reports. */
    default String describe() {
        if (this instanceof Restored) {
            return "restores the catalog";
        } else if (this instanceof NotRestored n) {
            return "does NOT restore the catalog: " + String.join("; ", n.diff().lines());
        } else if (this instanceof Failed f) {
            return "down statement " + f.statement() + " failed: " + f.error();
        } else if (this instanceof NoDown) {
            return "no down SQL";
        }
        return "not checked: " + ((NotChecked) this).reason();
    }
}
