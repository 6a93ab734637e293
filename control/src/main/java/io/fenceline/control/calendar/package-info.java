/**
 * Calendar arithmetic for rollouts: the wall clock every rollout decision that must survive a restart is taken
 * from ({@link io.fenceline.control.calendar.WallClock}), and rollout windows (days and hours in a time zone).
 * Imports only {@code java.time}; nothing of etcd, JDBC or the rest of control.
 */
package io.fenceline.control.calendar;
