package io.fenceline.config.coordination.archsample;

import io.etcd.jetcd.Client;

/** Imports jetcd where that is allowed. */
public final class UsesJetcd {
    private UsesJetcd() {
    }

    static Client client(String endpoint) {
        return Client.builder().endpoints(endpoint).build();
    }
}
