/**
 * The ordered rollout: control's leadership, preflight, the journaled state machine (expand by waves, gates,
 * window and catalog publication, drain, contract), acks, rollback and the audit trail; the journal
 * ({@code RunJournal}), the gate between waves ({@code WaveGate}) and the calendar of waves ({@code WaveCalendar}:
 * cooldowns, rollout windows, time boxes) live beside {@code Rollout}. Imports config's coordination, keys,
 * records and manifests, and control's calendar, fleet, history and lint packages.
 */
package io.fenceline.control.rollout;
