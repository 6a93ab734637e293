package io.fenceline.control.verify;

/**
 * What one cluster holds in one key range: the row count and the MD5 of the rows' MD5s in key order. Equal
 * digests mean equal rows (short of an MD5 collision between two versions of the same range).
 */
public record Digest(long rows, String hash) {
}
