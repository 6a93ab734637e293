/**
 * The ordered rollout: control's leadership, preflight, the journaled state machine (expand by waves, gates,
 * window and catalog publication, drain, contract), acks, rollback and the audit trail. Imports config's
 * coordination, keys, records and manifests, and control's fleet, history and lint packages.
 */
package io.fenceline.control.rollout;
