package dev.ferry.bundle.crypt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * RSA keys for layer encryption, given as skopeo takes them: {@code jwe:FILE} with a PEM {@code PUBLIC KEY} (X.509)
 * for recipients, a PEM {@code PRIVATE KEY} (PKCS#8, what {@code openssl genpkey} and OpenSSL 3's {@code genrsa}
 * write) for decryption. Stateless.
 */
public final class Keys {
  private Keys() {}

  /** A recipient's public key from {@code jwe:FILE} (the {@code jwe:} prefix may be left out). */
  public static PublicKey recipient(String spec) throws IOException {
    Path file = file(spec);
    try {
      return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der(file, "PUBLIC KEY")));
    } catch (GeneralSecurityException e) {
      throw new IOException(file + " is not an RSA public key: " + e.getMessage(), e);
    }
  }

  /** A private key from {@code jwe:FILE}. */
  public static PrivateKey decryptionKey(String spec) throws IOException {
    Path file = file(spec);
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    if (text.contains("BEGIN RSA PRIVATE KEY")) {
      throw new IOException(file + " is a PKCS#1 key; convert it with 'openssl pkcs8 -topk8 -nocrypt -in " + file + "'");
    }
    try {
      return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der(file, "PRIVATE KEY")));
    } catch (GeneralSecurityException e) {
      throw new IOException(file + " is not an RSA private key: " + e.getMessage(), e);
    }
  }

  private static Path file(String spec) {
    if (spec.contains(":") && !spec.startsWith("jwe:")) {
      throw new IllegalArgumentException("only jwe:FILE keys are supported, got '" + spec + "'");
    }
    return Path.of(spec.startsWith("jwe:") ? spec.substring(4) : spec);
  }

  private static byte[] der(Path pem, String type) throws IOException {
    String text = Files.readString(pem, StandardCharsets.US_ASCII);
    String begin = "-----BEGIN " + type + "-----";
    int b = text.indexOf(begin);
    int e = text.indexOf("-----END " + type + "-----");
    if (b < 0 || e < b) {
      throw new IOException(pem + " holds no PEM " + type);
    }
    return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
  }
}
