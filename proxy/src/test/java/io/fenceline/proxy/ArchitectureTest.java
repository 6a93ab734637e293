package io.fenceline.proxy;

import io.fenceline.testing.ArchitectureRules;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The house rules applied to proxy's main classes, its sources and its pom. */
class ArchitectureTest {

    private final Path module = ArchitectureRules.moduleDir();

    @Test
    void importRules() {
        ArchitectureRules.checkImports(ArchitectureRules.mainClasses(module));
    }

    @Test
    void everyPackageHasPackageInfo() {
        ArchitectureRules.checkPackageInfo(module.resolve("src/main/java"));
    }

    @Test
    void dependsOnConfigNotOnItsSibling() {
        ArchitectureRules.checkModuleDependencies(module);
    }
}
