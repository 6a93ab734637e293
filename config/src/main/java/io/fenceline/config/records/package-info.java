/**
 * The JSON records Fenceline stores in etcd (writer, window, catalog, mode, ack, proxy status, audit,
 * migration journal, handoff request) as immutable, validated Java records, and their codec
 * {@link io.fenceline.config.records.Records}. Imports only the JDK and Jackson; never etcd.
 */
package io.fenceline.config.records;
