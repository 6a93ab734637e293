package io.fenceline.demo;

import io.fenceline.config.file.ProxySettings;

import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the proxy of this build can do, read from its configuration record: whether it takes part in the write
 * authority (an {@code etcd}/{@code group} section) and whether it enforces schema versions (a {@code schema}
 * section). The demo shows what the build has and says what it had to leave out.
 *
 * @param writeAuthority the proxy campaigns for the writer lease and fences its cluster
 * @param schemaVersions the proxy checks the schema version each connection declares
 */
record Features(boolean writeAuthority, boolean schemaVersions) {

    /** Read from {@link ProxySettings}' components. */
    static Features ofThisBuild() {
        Set<String> names = Arrays.stream(ProxySettings.class.getRecordComponents()).map(RecordComponent::getName)
                .collect(Collectors.toSet());
        return new Features(names.contains("group") || names.contains("authority"), names.contains("schema"));
    }
}
