/**
 * The {@code fenceline} command line for control (picocli): {@code plan} and {@code lint} so far, human
 * output by default and {@code --json} for scripts, with exit codes that mean something
 * ({@link io.fenceline.control.cli.ExitCodes}). May import picocli, Jackson, the control packages and
 * {@code io.fenceline.config.manifest}.
 */
package io.fenceline.control.cli;
