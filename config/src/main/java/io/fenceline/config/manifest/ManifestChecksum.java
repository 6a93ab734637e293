package io.fenceline.config.manifest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * The checksum of a manifest: SHA-256, lower-case hex, over a canonical serialisation of what the
 * manifest makes the database do.
 *
 * <p>Covered, in this order: the version; for each of expand, backfill, contract, whether the phase is
 * present, its {@code sql} and its {@code down} (or that it has none); the options
 * {@code statement_timeout} and {@code lock_timeout} in milliseconds and {@code backfill_batch_size}
 * (or that each is unset). Not covered: the description, comments and formatting of the YAML, key order,
 * the file name.
 *
 * <p>Each SQL text is normalised before hashing: line endings become {@code \n}, trailing spaces and tabs
 * are removed from every line, and leading and trailing blank lines are removed. So re-indenting the YAML
 * or switching between block and quoted scalars does not change the checksum, while any change inside a
 * line of SQL (including a string literal or a comment) does. Every field is length-prefixed so that no two
 * different contents serialise alike.
 */
public final class ManifestChecksum {

    /** Changes whenever the serialisation below changes, so old and new checksums never collide. */
    private static final String FORMAT = "fenceline-manifest/1";

    private ManifestChecksum() {
    }

    /** The checksum of this content. */
    public static String of(int version, Phase expand, Phase backfill, Phase contract, ManifestOptions options) {
        StringBuilder canonical = new StringBuilder(256);
        field(canonical, "format", FORMAT);
        field(canonical, "version", Integer.toString(version));
        phase(canonical, PhaseName.EXPAND, expand);
        phase(canonical, PhaseName.BACKFILL, backfill);
        phase(canonical, PhaseName.CONTRACT, contract);
        field(canonical, "statement_timeout_ms", millis(options.statementTimeout()));
        field(canonical, "lock_timeout_ms", millis(options.lockTimeout()));
        field(canonical, "backfill_batch_size",
                options.backfillBatchSize() == null ? null : options.backfillBatchSize().toString());
        return sha256(canonical.toString());
    }

    /** The SQL text as the checksum sees it. */
    public static String normaliseSql(String sql) {
        String[] lines = sql.replace("\r\n", "\n").replace('\r', '\n').split("\n", -1);
        StringBuilder out = new StringBuilder(sql.length());
        for (String line : lines) {
            out.append(stripTrailing(line)).append('\n');
        }
        String joined = out.toString();
        int start = 0;
        while (start < joined.length() && joined.charAt(start) == '\n') {
            start++;
        }
        int end = joined.length();
        while (end > start && joined.charAt(end - 1) == '\n') {
            end--;
        }
        return joined.substring(start, end);
    }

    private static String stripTrailing(String line) {
        int end = line.length();
        while (end > 0 && (line.charAt(end - 1) == ' ' || line.charAt(end - 1) == '\t')) {
            end--;
        }
        return line.substring(0, end);
    }

    private static void phase(StringBuilder canonical, PhaseName name, Phase phase) {
        field(canonical, name.key(), phase == null ? null : "present");
        if (phase != null) {
            field(canonical, name.key() + ".sql", normaliseSql(phase.sql()));
            field(canonical, name.key() + ".down", phase.down() == null ? null : normaliseSql(phase.down()));
        }
    }

    private static String millis(Duration duration) {
        return duration == null ? null : Long.toString(duration.toMillis());
    }

    /** {@code name=<length>:<value>\n}, or {@code name=-\n} for an absent value. */
    private static void field(StringBuilder canonical, String name, String value) {
        canonical.append(name).append('=');
        if (value == null) {
            canonical.append('-');
        } else {
            canonical.append(value.length()).append(':').append(value);
        }
        canonical.append('\n');
    }

    private static String sha256(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
