package io.fenceline.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.jar.JarFile;

/**
 * What the proxy of this build does with its configuration, read from the proxy's jar: whether it enforces the
 * write authority on the data path ({@code io.fenceline.proxy.authority.WritePolicy}) and schema versions
 * ({@code io.fenceline.proxy.schema}). The demo shows what the build has and says what it had to leave out.
 *
 * @param writeAuthority the proxy campaigns for the writer lease and refuses writes without it
 * @param schemaVersions the proxy checks the schema version each connection declares
 */
record Features(boolean writeAuthority, boolean schemaVersions) {

    /** Looks into {@code proxyJar}. */
    static Features of(Path proxyJar) {
        try (JarFile jar = new JarFile(proxyJar.toFile())) {
            boolean authority = jar.getEntry("io/fenceline/proxy/authority/WritePolicy.class") != null;
            boolean schema = jar.stream().anyMatch(e -> e.getName().startsWith("io/fenceline/proxy/schema/")
                    && e.getName().endsWith(".class"));
            return new Features(authority, schema);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the proxy's jar " + proxyJar, e);
        }
    }
}
