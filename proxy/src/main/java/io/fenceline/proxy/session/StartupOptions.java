package io.fenceline.proxy.session;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The settings a StartupMessage asks for, as PostgreSQL reads them: its parameters (any setting's name may be one)
 * and the {@code -c name=value} / {@code --name=value} switches of its {@code options} parameter (split on white
 * space, a backslash keeping the next character, as {@code pg_split_opts} does; dashes in names read as
 * underscores).
 */
public final class StartupOptions {

    private static final Set<String> READ_ONLY_SETTINGS = Set.of("default_transaction_read_only", "transaction_read_only");
    private static final Set<String> TRUE_VALUES = Set.of("on", "true", "yes", "1", "t", "y");

    private StartupOptions() {
    }

    /**
     * The setting among {@code default_transaction_read_only} and {@code transaction_read_only} that the startup
     * parameters set to anything but true (as {@code name=value}), or null when none does.
     */
    public static String liftsReadOnly(Map<String, String> parameters) {
        for (var e : parameters.entrySet()) {
            String name = e.getKey().toLowerCase(Locale.ROOT);
            if (READ_ONLY_SETTINGS.contains(name) && !isTrue(e.getValue())) {
                return name + "=" + e.getValue();
            }
        }
        String options = parameters.get("options");
        if (options == null) {
            return null;
        }
        List<String> words = split(options);
        for (int k = 0; k < words.size(); k++) {
            String w = words.get(k);
            String setting = null;
            if (w.equals("-c") && k + 1 < words.size()) {
                setting = words.get(++k);
            } else if (w.startsWith("-c")) {
                setting = w.substring(2);
            } else if (w.startsWith("--")) {
                setting = w.substring(2);
            }
            if (setting == null) {
                continue;
            }
            int eq = setting.indexOf('=');
            String name = (eq < 0 ? setting : setting.substring(0, eq)).replace('-', '_').toLowerCase(Locale.ROOT);
            if (READ_ONLY_SETTINGS.contains(name) && (eq < 0 || !isTrue(setting.substring(eq + 1)))) {
                return setting;
            }
        }
        return null;
    }

    /** {@code options} split as PostgreSQL's {@code pg_split_opts} does. */
    static List<String> split(String options) {
        List<String> out = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < options.length(); i++) {
            char c = options.charAt(i);
            if (Character.isWhitespace(c)) {
                if (inWord) {
                    out.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else if (c == '\\' && i + 1 < options.length()) {
                word.append(options.charAt(++i));
                inWord = true;
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            out.add(word.toString());
        }
        return out;
    }

    private static boolean isTrue(String value) {
        return TRUE_VALUES.contains(value.trim().toLowerCase(Locale.ROOT));
    }
}
