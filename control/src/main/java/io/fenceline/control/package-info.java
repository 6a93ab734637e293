/**
 * Control's entry point: {@link io.fenceline.control.Main} hands the command line to picocli in
 * {@code io.fenceline.control.cli}. May import the control subpackages; nothing of the proxy.
 */
package io.fenceline.control;
