package io.fenceline.testing;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rules catch what they are for, and pass on what is allowed or absent. */
class ArchitectureRulesTest {

    @Test
    void importRulesReportEveryViolationAtOnce() {
        JavaClasses breakers = new ClassFileImporter().importPackages("io.fenceline.config.archsample");
        AssertionError failure = assertThrows(AssertionError.class, () -> ArchitectureRules.checkImports(breakers));
        String report = failure.getMessage();
        assertTrue(report.contains("ImportsJetcd") && report.contains("io.etcd"), report);
        assertTrue(report.contains("ImportsNettyChannel") && report.contains("io.netty.channel"), report);
    }

    @Test
    void allowedPackagesAndEmptyModulesPass() {
        JavaClasses allowed = new ClassFileImporter().importPackages("io.fenceline.config.coordination.archsample");
        assertFalse(allowed.isEmpty());
        assertDoesNotThrow(() -> ArchitectureRules.checkImports(allowed));
        assertDoesNotThrow(() -> ArchitectureRules.checkImports(new ClassFileImporter().importPaths(java.util.List.of())));
    }

    @Test
    void missingPackageInfoIsNamed(@TempDir Path root) throws IOException {
        Path documented = Files.createDirectories(root.resolve("io/fenceline/proxy/wire"));
        Files.writeString(documented.resolve("package-info.java"), "package io.fenceline.proxy.wire;");
        Files.writeString(documented.resolve("Query.java"), "package io.fenceline.proxy.wire; class Query {}");
        assertDoesNotThrow(() -> ArchitectureRules.checkPackageInfo(root));

        Path bare = Files.createDirectories(root.resolve("io/fenceline/proxy/policy"));
        Files.writeString(bare.resolve("Decision.java"), "package io.fenceline.proxy.policy; class Decision {}");
        AssertionError failure = assertThrows(AssertionError.class, () -> ArchitectureRules.checkPackageInfo(root));
        assertTrue(failure.getMessage().contains("io.fenceline.proxy.policy"), failure.getMessage());
        assertFalse(failure.getMessage().contains("io.fenceline.proxy.wire"), failure.getMessage());
    }

    @Test
    void forbiddenSiblingDependencyIsNamed(@TempDir Path module) throws IOException {
        Files.writeString(module.resolve("pom.xml"), """
                <project><artifactId>fenceline-proxy</artifactId><dependencies>
                  <dependency><groupId>io.fenceline</groupId><artifactId>fenceline-config</artifactId></dependency>
                  <dependency><groupId>io.fenceline</groupId><artifactId>fenceline-control</artifactId></dependency>
                </dependencies></project>""");
        AssertionError failure = assertThrows(AssertionError.class, () -> ArchitectureRules.checkModuleDependencies(module));
        assertTrue(failure.getMessage().contains("[fenceline-control]"), failure.getMessage());
    }

    @Test
    void realModulePomsRespectTheDirection() {
        Path root = ArchitectureRules.moduleDir().getParent();
        for (String module : new String[] {"config", "proxy", "control"}) {
            assertDoesNotThrow(() -> ArchitectureRules.checkModuleDependencies(root.resolve(module)), module);
        }
    }
}
