package io.fenceline.config.manifest;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One migration: the schema version it produces and the SQL of its phases.
 *
 * <p>At least one phase is present. The checksum is derived from the content (see {@link
 * ManifestChecksum}); the canonical constructor refuses a checksum that does not match, so a manifest
 * record can never claim content it does not have.
 *
 * @param version     the schema version this migration produces, &gt; 0
 * @param description free text for people; not part of the checksum
 * @param expand      the expand phase, or null
 * @param backfill    the backfill phase, or null
 * @param contract    the contract phase, or null
 * @param options     execution options
 * @param source      where it came from, relative to the migrations folder (for messages)
 * @param checksum    {@link ManifestChecksum#of} over the content
 */
public record Manifest(int version, String description, Phase expand, Phase backfill, Phase contract,
                       ManifestOptions options, String source, String checksum) {

    public Manifest {
        if (version <= 0) {
            throw new IllegalArgumentException("manifest version must be > 0, got " + version + " in " + source);
        }
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(source, "source");
        if (expand == null && backfill == null && contract == null) {
            throw new IllegalArgumentException("manifest V" + version + " (" + source + ") has no phase");
        }
        String expected = ManifestChecksum.of(version, expand, backfill, contract, options);
        if (!expected.equals(checksum)) {
            throw new IllegalArgumentException("manifest V" + version + " (" + source + ") checksum " + checksum
                    + " does not match its content, which sums to " + expected);
        }
    }

    /** Builds a manifest and computes its checksum. */
    public static Manifest of(int version, String description, Phase expand, Phase backfill, Phase contract,
                              ManifestOptions options, String source) {
        return new Manifest(version, description, expand, backfill, contract, options, source,
                ManifestChecksum.of(version, expand, backfill, contract, options));
    }

    /** The phase with this name, if the manifest has it. */
    public Optional<Phase> phase(PhaseName name) {
        return Optional.ofNullable(switch (name) {
            case EXPAND -> expand;
            case BACKFILL -> backfill;
            case CONTRACT -> contract;
        });
    }

    /** The names of the phases present, in run order. */
    public List<PhaseName> phaseNames() {
        List<PhaseName> names = new ArrayList<>(3);
        for (PhaseName name : PhaseName.values()) {
            if (phase(name).isPresent()) {
                names.add(name);
            }
        }
        return names;
    }

    /** {@code V12 (migrations/0012-add-email.yaml)}: how messages name a manifest. */
    public String label() {
        return "V" + version + " (" + source + ")";
    }
}
