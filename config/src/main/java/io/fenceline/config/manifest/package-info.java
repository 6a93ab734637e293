/**
 * Migration manifests, the part of the shared contract that says what each schema version changes:
 * one YAML file (or Flyway-style SQL file) per version, its checksum, and a validated {@link
 * io.fenceline.config.manifest.ManifestSet} that lists every problem at once with the file name.
 * May import Jackson and the JDK only; nothing of proxy, control or the coordination layer.
 */
package io.fenceline.config.manifest;
