/**
 * Deliberate rule breakers for {@code ArchitectureRulesTest}: classes outside the allowed packages that
 * import jetcd and {@code io.netty.channel}. Only tests read them; they are left out of the test-jar.
 */
package io.fenceline.config.archsample;
