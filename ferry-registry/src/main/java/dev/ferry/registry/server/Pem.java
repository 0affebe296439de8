package dev.ferry.registry.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * Builds a server {@link SSLContext} from PEM files: a certificate chain (leaf first) and an unencrypted PKCS#8
 * private key ({@code BEGIN PRIVATE KEY}: RSA, EC or Ed25519), which is what {@code openssl req -newkey … -nodes}
 * writes. Stateless.
 */
final class Pem {
  private static final Pattern KEY =
      Pattern.compile("-----BEGIN ([A-Z ]*)PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END \\1PRIVATE KEY-----");

  private Pem() {}

  static SSLContext serverContext(Path certFile, Path keyFile) throws IOException {
    try {
      Collection<? extends Certificate> chain;
      try (var in = Files.newInputStream(certFile)) {
        chain = CertificateFactory.getInstance("X.509").generateCertificates(in);
      }
      if (chain.isEmpty()) {
        throw new IOException(certFile + " holds no PEM certificate");
      }
      PrivateKey key = privateKey(keyFile);
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      char[] none = new char[0];
      ks.setKeyEntry("server", key, none, chain.toArray(new Certificate[0]));
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, none);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot use TLS certificate " + certFile + " with key " + keyFile + ": " + e.getMessage(), e);
    }
  }

  static PrivateKey privateKey(Path keyFile) throws IOException, GeneralSecurityException {
    String text = Files.readString(keyFile, StandardCharsets.US_ASCII);
    Matcher m = KEY.matcher(text);
    if (!m.find()) {
      throw new IOException(keyFile + " holds no PEM private key");
    }
    String kind = m.group(1).strip();
    if (!kind.isEmpty()) {
      throw new IOException(
          keyFile
              + " is a "
              + kind
              + " PRIVATE KEY; Ferry reads unencrypted PKCS#8 (BEGIN PRIVATE KEY): convert it with openssl pkcs8 -topk8 -nocrypt -in "
              + keyFile);
    }
    byte[] der = Base64.getMimeDecoder().decode(m.group(2));
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    GeneralSecurityException last = null;
    for (String alg : new String[] {"RSA", "EC", "Ed25519", "RSASSA-PSS"}) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(spec);
      } catch (GeneralSecurityException e) {
        last = e;
      }
    }
    throw new IOException(keyFile + " is not an RSA, EC or Ed25519 PKCS#8 key", last);
  }

}
