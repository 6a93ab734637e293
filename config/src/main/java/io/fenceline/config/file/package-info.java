/**
 * Configuration files: YAML read with Jackson into immutable settings records, validated so that every
 * problem is reported at once with the file and the key that is wrong. May import Jackson, the JDK and the settings
 * records of {@code config.coordination} and {@code config.group} (which validate their own values).
 */
package io.fenceline.config.file;
