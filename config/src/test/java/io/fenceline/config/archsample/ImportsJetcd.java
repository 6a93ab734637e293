package io.fenceline.config.archsample;

import io.etcd.jetcd.Client;

/** Breaks the rule that only the coordination package imports jetcd. */
public final class ImportsJetcd {
    private ImportsJetcd() {
    }

    static Client client(String endpoint) {
        return Client.builder().endpoints(endpoint).build();
    }
}
