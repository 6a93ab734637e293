/**
 * The writer's WAL position as every part of Fenceline reads it: the end of the WAL inserted so far, which lies
 * past every commit already acknowledged, also with {@code synchronous_commit = off}. Imports only the JDK
 * ({@code java.sql}).
 */
package io.fenceline.config.wal;
