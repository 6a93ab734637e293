package io.fenceline.proxy.net.tls;

import io.fenceline.config.file.ListenerTls;
import io.fenceline.proxy.wire.ProtocolViolation;
import io.netty.handler.ssl.SslHandler;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

/**
 * Who must present a client certificate, checked when the StartupMessage names the user: the handshake already
 * verified any certificate the client sent against {@code tls.client_ca}; here a user that must present one is
 * refused without it, and with {@code verify-full} also when the certificate's CN is not the user name. The
 * refusals are PostgreSQL's, FATAL 28000, with its messages for {@code clientcert=verify-ca|verify-full}.
 */
final class ClientCertificates {

    /** invalid_authorization_specification. */
    static final String INVALID_AUTHORIZATION = "28000";

    private final ListenerTls.ClientCertificates required;

    ClientCertificates(ListenerTls.ClientCertificates required) {
        this.required = required;
    }

    /** True when no user must present a certificate. */
    boolean isEmpty() {
        return !required.allUsers() && required.users().isEmpty();
    }

    /**
     * @param tls  the client connection's TLS handler, or null when it is not on TLS
     * @param user the user name of the StartupMessage
     * @return null when the connection may proceed, else the refusal
     */
    ProtocolViolation admit(SslHandler tls, String user) {
        if (user == null || !required.required(user)) {
            return null;
        }
        X509Certificate presented = presented(tls);
        if (presented == null) {
            return new ProtocolViolation(INVALID_AUTHORIZATION, "connection requires a valid client certificate");
        }
        if (required.verify() == ListenerTls.Verify.VERIFY_FULL && !user.equals(commonName(presented))) {
            return new ProtocolViolation(INVALID_AUTHORIZATION, "certificate authentication failed for user \"" + user
                    + "\"");
        }
        return null;
    }

    private static X509Certificate presented(SslHandler tls) {
        if (tls == null || !tls.handshakeFuture().isSuccess()) {
            return null;
        }
        try {
            Certificate[] chain = tls.engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x509 ? x509 : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    /** The subject's CN (the last one, when there are several, as OpenSSL's lookup finds it), or null. */
    static String commonName(X509Certificate certificate) {
        try {
            String cn = null;
            for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                if ("CN".equalsIgnoreCase(rdn.getType())) {
                    cn = String.valueOf(rdn.getValue());
                }
            }
            return cn;
        } catch (InvalidNameException e) {
            return null;
        }
    }
}
