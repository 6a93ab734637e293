/**
 * Configuration files: YAML read with Jackson into immutable settings records, validated so that every
 * problem is reported at once with the file and the key that is wrong. May import Jackson and the JDK only.
 */
package io.fenceline.config.file;
