package io.fenceline.config.file;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The one spelling of configuration keys: both the proxy's file and control's file spell every key in
 * snake_case ({@code lease_ttl}, {@code password_file}), as PostgreSQL's own settings are spelled. The proxy's
 * file spelled its keys in camelCase ({@code leaseTtl}) before; such a key is refused with a problem naming
 * its new spelling, so an old file fails at start-up with the fix in the message instead of an anonymous
 * "unknown key".
 */
public final class KeySpelling {

    private KeySpelling() {
    }

    /** {@code leaseTtl} → {@code lease_ttl}; a key without capitals is returned as it is. */
    public static String snake(String key) {
        StringBuilder b = new StringBuilder(key.length() + 4);
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isUpperCase(c)) {
                if (i > 0) {
                    b.append('_');
                }
                b.append(Character.toLowerCase(c));
            } else {
                b.append(c);
            }
        }
        return b.toString().toLowerCase(Locale.ROOT);
    }

    /**
     * The problem's message when {@code key}, not among {@code known}, is the old camelCase spelling of a key
     * that is; empty when it is simply unknown.
     */
    public static Optional<String> renamed(String key, Set<String> known) {
        String snake = snake(key);
        if (snake.equals(key) || !known.contains(snake)) {
            return Optional.empty();
        }
        return Optional.of("is spelled " + snake + " now (configuration keys are snake_case in both the proxy's "
                + "and control's file); rename " + key + " to " + snake);
    }
}
