package io.fenceline.demo;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.fenceline.testing.ArchitectureRules;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

/** The house rules applied to the demo's main classes, its sources and its pom; the report stays pure. */
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
    void moduleDependencies() {
        ArchitectureRules.checkModuleDependencies(module);
    }

    @Test
    void theReportImportsOnlyTheJdk() {
        JavaClasses main = ArchitectureRules.mainClasses(module);
        classes().that().resideInAPackage("io.fenceline.demo.report..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "io.fenceline.demo.report..")
                .because("the timeline and its renderings are pure values and text").check(main);
    }
}
