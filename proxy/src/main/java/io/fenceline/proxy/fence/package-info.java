/**
 * What the proxy does to and reads from its own database with control rights: the database fence — table
 * triggers no session can lift, open only until the writer's lease deadline ({@code TableTriggers},
 * {@code LeaseWindow}, {@code NewTableTrigger} for tables from their creation), {@code EXECUTE} on the large-object
 * writers taken away while fenced ({@code LargeObjectGrants}), {@code default_transaction_read_only} through {@code ALTER SYSTEM}, the sweep of open
 * transactions — and replication positions. Uses JDBC and HikariCP; implements the SPIs of
 * {@code io.fenceline.proxy.authority} and imports nothing else of ours but {@code io.fenceline.config..}.
 */
package io.fenceline.proxy.fence;
