/**
 * Statement policy: the hook through which write authority, schema versions and the DDL guard decide
 * about each statement at the moment the proxy forwards it, from the inspector's verdicts and the
 * session's facts. May import {@code io.fenceline.proxy.sql} (verdicts) and the JDK; never Netty.
 */
package io.fenceline.proxy.policy;
