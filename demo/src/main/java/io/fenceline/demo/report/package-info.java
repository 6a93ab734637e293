/**
 * The demo's report: a timeline of what each cluster was (lease holder, mode, schema version, migration step),
 * the counts of writes accepted, refused and lost, and its two renderings — plain text for the terminal and an
 * HTML page with the timeline drawn as inline SVG. Pure values and string building: imports only the JDK.
 */
package io.fenceline.demo.report;
