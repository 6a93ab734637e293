package io.fenceline.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A throw-away certificate authority and two certificates it signed, made with the {@code openssl} command:
 * a server certificate and a client certificate, both valid for {@code 127.0.0.1} and {@code localhost}, with
 * PEM PKCS#8 keys. For TLS towards test processes (etcd with {@code --client-cert-auth}).
 *
 * @param ca                PEM certificate of the authority
 * @param serverCertificate PEM server certificate
 * @param serverKey         its key
 * @param clientCertificate PEM client certificate (CN {@code client})
 * @param clientKey         its key
 */
public record TestCertificates(Path ca, Path serverCertificate, Path serverKey, Path clientCertificate,
                               Path clientKey) {

    /** Makes the authority and both certificates in {@code dir} (valid for two days). */
    public static TestCertificates make(Path dir) {
        Path log = dir.resolve("openssl.log");
        openssl(dir, log, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
                "-days", "2", "-subj", "/CN=fenceline-test-ca");
        try {
            Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot write " + dir.resolve("san.ext"), e);
        }
        for (String name : List.of("server", "client")) {
            openssl(dir, log, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", name + ".key");
            openssl(dir, log, "req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name);
            openssl(dir, log, "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                    "-CAcreateserial", "-out", name + ".crt", "-days", "2", "-extfile", "san.ext");
        }
        return new TestCertificates(dir.resolve("ca.crt"), dir.resolve("server.crt"), dir.resolve("server.key"),
                dir.resolve("client.crt"), dir.resolve("client.key"));
    }

    /**
     * Signs one more certificate with this authority, in the directory of {@link #ca()}: {@code name.crt} and
     * its PKCS#8 key {@code name.key}.
     *
     * @param subjectAltName an openssl {@code subjectAltName} value such as {@code DNS:localhost}, or null for none
     * @return the certificate and the key
     */
    public Path[] issue(String name, String commonName, String subjectAltName) {
        Path dir = ca.getParent();
        Path log = dir.resolve("openssl.log");
        openssl(dir, log, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", name + ".key");
        openssl(dir, log, "req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + commonName);
        List<String> sign = new ArrayList<>(List.of("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey",
                "ca.key", "-CAcreateserial", "-out", name + ".crt", "-days", "2"));
        if (subjectAltName != null) {
            try {
                Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=" + subjectAltName + "\n");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot write " + dir.resolve(name + ".ext"), e);
            }
            sign.addAll(List.of("-extfile", name + ".ext"));
        }
        openssl(dir, log, sign.toArray(String[]::new));
        return new Path[] {dir.resolve(name + ".crt"), dir.resolve(name + ".key")};
    }

    private static void openssl(Path dir, Path log, String... args) {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Os.Result result = Os.run(command, dir, log, 60);
        if (!result.ok()) {
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed (exit "
                    + result.exitCode() + "): " + result.output());
        }
    }
}
