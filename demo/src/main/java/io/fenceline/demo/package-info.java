/**
 * {@code fenceline demo}: the scenario (start the fleet, drive the application, migrate, partition the writer
 * from etcd, hand the writer back, count and report) and its command line. Imports config, control's command
 * line (run in-process, as control's own integration tests do), the demo's fleet, workload and report
 * packages, picocli and the JDK.
 */
package io.fenceline.demo;
