package io.fenceline.config.manifest;

import java.util.Objects;

/**
 * What a cluster (or control's journal) recorded when a version was applied: the version and the
 * manifest checksum at that time. The caller supplies these (control reads them from the history table or
 * etcd) so that {@link ManifestSet} can tell an edited manifest from an unapplied one.
 *
 * @param version  the applied schema version
 * @param checksum the {@link Manifest#checksum()} recorded when it was applied
 */
public record AppliedManifest(int version, String checksum) {
    public AppliedManifest {
        Objects.requireNonNull(checksum, "checksum");
    }
}
