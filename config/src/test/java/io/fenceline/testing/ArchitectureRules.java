package io.fenceline.testing;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The house rules every module's {@code ArchitectureTest} applies to its own main classes:
 * who may import whom (proxy and control never each other, config neither), which single package may
 * import Calcite, jetcd, {@code io.netty.channel} and Micrometer, that every package has a
 * {@code package-info.java}, and that no module's pom depends on a sibling it must not.
 *
 * <p>The import rules allow an empty match, so they hold for a module that has no classes yet; each check
 * reports every violation at once.
 */
public final class ArchitectureRules {

    /** Packages allowed to import {@code io.netty.channel}: the proxy's Netty glue and the test fixtures. */
    public static final String[] NETTY_GLUE = {"io.fenceline.proxy.net..", "io.fenceline.testing.."};

    /** The module artifacts each module must not depend on. */
    private static final Map<String, Set<String>> FORBIDDEN_SIBLINGS = Map.of(
            "fenceline-config", Set.of("fenceline-proxy", "fenceline-control"),
            "fenceline-proxy", Set.of("fenceline-control"),
            "fenceline-control", Set.of("fenceline-proxy"));

    private ArchitectureRules() {
    }

    /** The import rules, each allowing an empty match. */
    public static List<ArchRule> importRules() {
        return List.of(
                noClasses().that().resideInAPackage("io.fenceline.config..")
                        .should().dependOnClassesThat().resideInAnyPackage("io.fenceline.proxy..", "io.fenceline.control..")
                        .because("config is the shared contract and depends on nothing of ours"),
                noClasses().that().resideInAPackage("io.fenceline.proxy..")
                        .should().dependOnClassesThat().resideInAPackage("io.fenceline.control..")
                        .because("proxy and control never import each other; they share records in config"),
                noClasses().that().resideInAPackage("io.fenceline.control..")
                        .should().dependOnClassesThat().resideInAPackage("io.fenceline.proxy..")
                        .because("proxy and control never import each other; they share records in config"),
                noClasses().that().resideOutsideOfPackage("io.fenceline.proxy.sql..")
                        .should().dependOnClassesThat().resideInAPackage("org.apache.calcite..")
                        .because("only io.fenceline.proxy.sql parses SQL with Calcite"),
                noClasses().that().resideOutsideOfPackage("io.fenceline.config.coordination..")
                        .should().dependOnClassesThat().resideInAPackage("io.etcd..")
                        .because("only io.fenceline.config.coordination talks to etcd through jetcd"),
                noClasses().that().resideOutsideOfPackages(NETTY_GLUE)
                        .should().dependOnClassesThat().resideInAPackage("io.netty.channel..")
                        .because("only the Netty glue packages " + String.join(", ", NETTY_GLUE)
                                + " handle channels"),
                noClasses().that().resideOutsideOfPackage("..metrics..")
                        .should().dependOnClassesThat().resideInAPackage("io.micrometer..")
                        .because("meters are registered behind an interface in a metrics package"))
                .stream().map(rule -> rule.allowEmptyShould(true)).toList();
    }

    /** The module directory of the running tests (Surefire and Failsafe set {@code basedir}). */
    public static Path moduleDir() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
    }

    /** The module's compiled main classes ({@code target/classes}); empty when it has none yet. */
    public static JavaClasses mainClasses(Path moduleDir) {
        Path classes = moduleDir.resolve("target/classes");
        if (!Files.isDirectory(classes)) {
            return new ClassFileImporter().importPaths(List.of());
        }
        return new ClassFileImporter().importPath(classes);
    }

    /** Fails with every violation of every import rule in {@code classes}. */
    public static void checkImports(JavaClasses classes) {
        List<String> violations = new ArrayList<>();
        for (ArchRule rule : importRules()) {
            EvaluationResult result = rule.evaluate(classes);
            if (result.hasViolation()) {
                violations.add(result.getFailureReport().toString());
            }
        }
        if (!violations.isEmpty()) {
            throw new AssertionError("architecture rules violated:\n" + String.join("\n", violations));
        }
    }

    /**
     * Fails when a source directory holds Java files but no {@code package-info.java}, naming every such
     * directory. A missing source root (a module without code yet) passes.
     */
    public static void checkPackageInfo(Path sourceRoot) {
        if (!Files.isDirectory(sourceRoot)) {
            return;
        }
        List<String> missing = new ArrayList<>();
        try (Stream<Path> dirs = Files.walk(sourceRoot)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                boolean hasJava;
                try (Stream<Path> files = Files.list(dir)) {
                    hasJava = files.anyMatch(f -> f.toString().endsWith(".java"));
                }
                if (hasJava && !Files.exists(dir.resolve("package-info.java"))) {
                    missing.add(sourceRoot.relativize(dir).toString().replace('/', '.'));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not scan " + sourceRoot, e);
        }
        if (!missing.isEmpty()) {
            throw new AssertionError("packages without package-info.java under " + sourceRoot + ": " + missing
                    + " (two or three sentences: what lives here, what it may import)");
        }
    }

    /** Fails when the module's pom declares a dependency on a sibling module it must not depend on. */
    public static void checkModuleDependencies(Path moduleDir) {
        Path pom = moduleDir.resolve("pom.xml");
        Document document;
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            document = factory.newDocumentBuilder().parse(pom.toFile());
        } catch (Exception e) {
            throw new IllegalStateException("could not read " + pom + ": " + e.getMessage(), e);
        }
        Element project = document.getDocumentElement();
        String artifactId = childText(project, "artifactId");
        Set<String> forbidden = FORBIDDEN_SIBLINGS.getOrDefault(artifactId, Set.of());
        List<String> found = new ArrayList<>();
        NodeList dependencies = document.getElementsByTagName("dependency");
        for (int i = 0; i < dependencies.getLength(); i++) {
            Element dependency = (Element) dependencies.item(i);
            String dependsOn = childText(dependency, "artifactId");
            if (forbidden.contains(dependsOn)) {
                found.add(dependsOn);
            }
        }
        if (!found.isEmpty()) {
            throw new AssertionError(pom + " (" + artifactId + ") depends on " + found + ", which it must not: "
                    + "proxy and control depend on config only, never on each other");
        }
    }

    private static String childText(Element parent, String name) {
        NodeList children = parent.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if (children.item(i) instanceof Element child && child.getTagName().equals(name)) {
                return child.getTextContent().strip();
            }
        }
        return "";
    }
}
