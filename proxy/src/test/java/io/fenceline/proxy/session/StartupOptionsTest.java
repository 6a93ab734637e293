package io.fenceline.proxy.session;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Startup parameters and options that would lift read-only, read as PostgreSQL reads them. */
class StartupOptionsTest {

    @Test
    void optionsAndParametersThatLiftReadOnly() {
        for (String options : new String[] {"-c default_transaction_read_only=off", "-cdefault_transaction_read_only=off",
                "--default-transaction-read-only=false", "-c statement_timeout=0 -c transaction_read_only=0",
                "-c default_transaction_read_only"}) {
            assertNotNull(StartupOptions.liftsReadOnly(Map.of("options", options)), options);
        }
        assertNotNull(StartupOptions.liftsReadOnly(Map.of("default_transaction_read_only", "off")));
        assertNull(StartupOptions.liftsReadOnly(Map.of("options", "-c default_transaction_read_only=on -c search_path=a")));
        assertNull(StartupOptions.liftsReadOnly(Map.of("user", "u", "application_name", "default_transaction_read_only=off")));
    }

    @Test
    void optionsSplitLikePgSplitOpts() {
        assertEquals(List.of("-c", "search_path=a b", "-c", "x=y"), StartupOptions.split("  -c search_path=a\\ b\t-c x=y "));
    }
}
