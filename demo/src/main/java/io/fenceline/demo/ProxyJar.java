package io.fenceline.demo;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the proxy's runnable jar, which {@code bin/fenceline} builds before it starts the demo. */
public final class ProxyJar {

    private ProxyJar() {
    }

    /**
     * {@code <home>/proxy/target/fenceline-proxy-<version>.jar}, where home is the {@code fenceline.home} system
     * property (bin/fenceline and the integration test set it) or the current directory.
     */
    public static Path locate() {
        Path home = Path.of(System.getProperty("fenceline.home", ".")).toAbsolutePath().normalize();
        String version = Main.class.getPackage().getImplementationVersion();
        Path target = home.resolve("proxy/target");
        Path jar = target.resolve("fenceline-proxy-" + (version == null ? "0.1.0-SNAPSHOT" : version) + ".jar");
        if (!Files.isRegularFile(jar) || !Files.isDirectory(target.resolve("lib"))) {
            throw new IllegalStateException("the proxy's runnable build is missing: " + jar + " (and " + target.resolve("lib")
                    + "); build it with: mvn -B -q -DskipTests package -pl demo -am (bin/fenceline demo does)");
        }
        return jar;
    }
}
