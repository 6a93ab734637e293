/**
 * A deliberately allowed jetcd import for {@code ArchitectureRulesTest}: the coordination package may use
 * jetcd. Only tests read it; it is left out of the test-jar.
 */
package io.fenceline.config.coordination.archsample;
