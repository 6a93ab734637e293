package io.fenceline.control.lint;

import io.fenceline.testing.ArchitectureRules;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** docs/migrations.md lists every lint rule with its current name, level and explanation. */
class RulesDocTest {

    @Test
    void everyRuleIsDocumented() throws IOException {
        Path doc = ArchitectureRules.moduleDir().resolve("../docs/migrations.md").normalize();
        String text = Files.readString(doc);
        List<String> missing = Arrays.stream(LintRule.values())
                .filter(r -> !text.contains("| " + r.id() + " | " + r.slug() + " | "
                        + r.level().name().toLowerCase(java.util.Locale.ROOT) + " | " + r.explanation() + " |"))
                .map(LintRule::id).toList();
        assertEquals(List.of(), missing, "rules whose row in " + doc + " is missing or out of date");
    }
}
