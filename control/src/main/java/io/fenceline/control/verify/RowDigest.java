package io.fenceline.control.verify;

/** One row of one cluster: its key and the MD5 of its compared columns. */
public record RowDigest(Key key, String hash) {
}
