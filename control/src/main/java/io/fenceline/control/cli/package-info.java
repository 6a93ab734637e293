/**
 * The {@code fenceline} command line for control (picocli): the migration verbs ({@code plan}, {@code lint},
 * {@code preflight}, {@code apply}, ...) and the operator verbs ({@code mode}, {@code handoff}, {@code writer}),
 * human output by default and {@code --json} for scripts, with exit codes that mean something
 * ({@link io.fenceline.control.cli.ExitCodes}). May import picocli, Jackson, the control packages and config.
 */
package io.fenceline.control.cli;
