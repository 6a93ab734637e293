package io.fenceline.proxy.session;

/** The process id and secret from a BackendKeyData, as one value usable as a map key. */
public record CancelKey(int processId, int secretKey) {

    @Override
    public String toString() {
        return "CancelKey[processId=" + processId + "]";
    }
}
