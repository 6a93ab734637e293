/**
 * The application the demo drives through the proxies: writer threads inserting orders with unique ids over
 * pgJDBC (each write recorded as accepted, refused with its SQLSTATE, or unknown), readers on every cluster,
 * and the final count that decides whether any accepted write was lost. Imports pgJDBC (through java.sql),
 * the demo's report values and the JDK.
 */
package io.fenceline.demo.workload;
