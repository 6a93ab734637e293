package io.fenceline.config.coordination;

/**
 * One key as etcd stores it, in our own terms (no jetcd types).
 *
 * @param key            the full key
 * @param value          its value as UTF-8 text (JSON, or plain text for modes); empty for a deletion
 * @param createRevision revision that created this incarnation of the key (an epoch, for lease keys)
 * @param modRevision    revision of the last change
 * @param version        number of changes since creation
 * @param lease          lease the key is bound to, 0 when none
 */
public record StoredEntry(String key, String value, long createRevision, long modRevision, long version, long lease) {
}
