/**
 * Replication connections ({@code replication=database} or {@code replication=true} in the StartupMessage): which
 * mode a connection is in, and which of its texts are walsender commands (IDENTIFY_SYSTEM, START_REPLICATION,
 * CREATE_REPLICATION_SLOT, ...) rather than SQL, with the verdict the policies judge them by. Pure text rules;
 * may import {@code io.fenceline.proxy.sql} (verdicts) and the JDK, never Netty.
 */
package io.fenceline.proxy.replication;
