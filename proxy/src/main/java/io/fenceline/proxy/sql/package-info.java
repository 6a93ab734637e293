/**
 * Statement inspection: splits the SQL text of {@code Query} and {@code Parse} messages into
 * statements and gives each a {@link io.fenceline.proxy.sql.Verdict} (kind, tables read and written,
 * columns, whether it was understood), caching verdicts by normalised text and by prepared-statement
 * name. This package and its sub-packages are the only code that may import Apache Calcite.
 */
package io.fenceline.proxy.sql;
