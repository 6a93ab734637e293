package io.fenceline.proxy.net.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the PEM files of the {@code tls:} section before any TLS context is built, so that a wrong file is
 * reported with its key and what is wrong with it (not a stack trace from the first handshake).
 */
final class PemFiles {

    private static final Pattern PRIVATE_KEY = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END PRIVATE KEY-----");
    private static final Map<String, String> SIGNATURES = Map.of(
            "RSA", "SHA256withRSA", "EC", "SHA256withECDSA", "Ed25519", "Ed25519", "EdDSA", "Ed25519");

    private PemFiles() {
    }

    /** The certificates of a PEM file; a problem (in {@code problems}, with {@code key}) when there are none. */
    static List<X509Certificate> certificates(Path file, String key, List<String> problems) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> certs = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certs.add((X509Certificate) c);
            }
            if (certs.isEmpty()) {
                problems.add(key + ": " + file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
            }
            return certs;
        } catch (IOException | CertificateException e) {
            problems.add(key + ": cannot read the certificates in " + file + ": " + e.getMessage());
            return List.of();
        }
    }

    /** The PKCS#8 private key of a PEM file, or null with a problem that says how to convert other forms. */
    static PrivateKey privateKey(Path file, String key, List<String> problems) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            problems.add(key + ": cannot read " + file + ": " + e.getMessage());
            return null;
        }
        Matcher m = PRIVATE_KEY.matcher(text);
        if (!m.find()) {
            String found = text.contains("ENCRYPTED PRIVATE KEY") ? "an encrypted key (the proxy takes no passphrase)"
                    : text.contains("RSA PRIVATE KEY") || text.contains("EC PRIVATE KEY") ? "a PKCS#1/SEC1 key"
                    : "no PEM private key";
            problems.add(key + ": " + file + " holds " + found + "; give an unencrypted PKCS#8 key "
                    + "(-----BEGIN PRIVATE KEY-----), e.g. openssl pkcs8 -topk8 -nocrypt -in old.key -out new.key");
            return null;
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(1));
        } catch (IllegalArgumentException e) {
            problems.add(key + ": the PEM block of " + file + " is not valid base64: " + e.getMessage());
            return null;
        }
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "RSASSA-PSS")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        problems.add(key + ": " + file + " is not an RSA, EC or Ed25519 PKCS#8 private key");
        return null;
    }

    /** Adds a problem when {@code privateKey} does not belong to the first certificate of the chain. */
    static void checkPair(List<X509Certificate> chain, PrivateKey privateKey, String certKey, String keyKey,
                          List<String> problems) {
        if (chain.isEmpty() || privateKey == null) {
            return;
        }
        String algorithm = SIGNATURES.get(privateKey.getAlgorithm());
        if (algorithm == null) {
            return;
        }
        try {
            byte[] probe = "fenceline key check".getBytes(StandardCharsets.US_ASCII);
            Signature sign = Signature.getInstance(algorithm);
            sign.initSign(privateKey);
            sign.update(probe);
            byte[] signature = sign.sign();
            Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(chain.get(0).getPublicKey());
            verify.update(probe);
            if (!verify.verify(signature)) {
                problems.add(keyKey + ": the key does not belong to the first certificate of " + certKey
                        + " (" + chain.get(0).getSubjectX500Principal().getName() + ")");
            }
        } catch (GeneralSecurityException e) {
            problems.add(keyKey + ": the key does not belong to the first certificate of " + certKey + ": " + e.getMessage());
        }
    }
}
