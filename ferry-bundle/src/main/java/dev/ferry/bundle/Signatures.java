package dev.ferry.bundle;

import dev.ferry.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * Ed25519 keys and detached signatures, with the JDK's own provider: keys as PEM ({@code PRIVATE KEY}, PKCS#8;
 * {@code PUBLIC KEY}, X.509 SubjectPublicKeyInfo; what {@code openssl genpkey -algorithm ed25519} writes). A key's
 * id is the SHA-256 of its public key's DER bytes. Stateless.
 */
public final class Signatures {
  /** The signature algorithm, as named in signature files. */
  public static final String ALGORITHM = "Ed25519";

  private Signatures() {}

  /** A key pair just written: where each half went and the key id. */
  public record Written(Path privateKey, Path publicKey, String keyId) {}

  /**
   * Generates a key pair and writes {@code base.pem} (private, mode 0600) and {@code base.pub.pem}; refuses to
   * overwrite either.
   */
  public static Written generate(Path base) throws IOException {
    Path priv = base.resolveSibling(base.getFileName() + ".pem");
    Path pub = base.resolveSibling(base.getFileName() + ".pub.pem");
    for (Path p : new Path[] {priv, pub}) {
      if (Files.exists(p)) {
        throw new IOException(p + " already exists; choose another name or remove it first");
      }
    }
    KeyPair kp;
    try {
      kp = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IOException("this Java runtime cannot generate Ed25519 keys: " + e.getMessage(), e);
    }
    Path tmp = Files.createTempFile(priv.toAbsolutePath().getParent(), ".key", ".tmp");
    try {
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException notPosix) {
        // a file system without POSIX modes; the key is still written
      }
      Files.writeString(tmp, pem("PRIVATE KEY", kp.getPrivate().getEncoded()));
      Files.move(tmp, priv, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    Files.writeString(pub, pem("PUBLIC KEY", kp.getPublic().getEncoded()));
    return new Written(priv, pub, keyId(kp.getPublic()));
  }

  /** Reads a PEM private key written by {@link #generate} or openssl. */
  public static PrivateKey readPrivate(Path pem) throws IOException {
    try {
      return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der(pem, "PRIVATE KEY")));
    } catch (GeneralSecurityException e) {
      throw new IOException(pem + " is not an Ed25519 private key: " + e.getMessage(), e);
    }
  }

  /** Reads a PEM public key. */
  public static PublicKey readPublic(Path pem) throws IOException {
    try {
      return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der(pem, "PUBLIC KEY")));
    } catch (GeneralSecurityException e) {
      throw new IOException(pem + " is not an Ed25519 public key: " + e.getMessage(), e);
    }
  }

  /** A key's id: the SHA-256 of its public key's DER encoding. */
  public static String keyId(PublicKey key) {
    return Digest.sha256(key.getEncoded()).toString();
  }

  /** Signs {@code data}. */
  public static byte[] sign(PrivateKey key, byte[] data) {
    try {
      Signature s = Signature.getInstance(ALGORITHM);
      s.initSign(key);
      s.update(data);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed: " + e.getMessage(), e);
    }
  }

  /** Whether {@code signature} is {@code key}'s over {@code data}. */
  public static boolean verify(PublicKey key, byte[] data, byte[] signature) {
    try {
      Signature s = Signature.getInstance(ALGORITHM);
      s.initVerify(key);
      s.update(data);
      return s.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** A detached signature file's content: algorithm, key id and the signature, as JSON. */
  public static byte[] signatureFile(PrivateKey key, PublicKey publicKey, byte[] data) {
    String json = "{\"algorithm\":\"" + ALGORITHM + "\",\"keyId\":\"" + keyId(publicKey) + "\",\"signature\":\""
        + Base64.getEncoder().encodeToString(sign(key, data)) + "\"}\n";
    return json.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Checks a signature file made by {@link #signatureFile} over {@code data} with {@code key}.
   *
   * @throws SignatureException saying why it does not verify (another key, altered data, malformed file)
   */
  public static void check(PublicKey key, byte[] data, byte[] signatureFile, String what) throws SignatureException {
    String keyId;
    byte[] sig;
    try {
      var node = Json.MAPPER.readTree(signatureFile);
      if (!ALGORITHM.equals(node.path("algorithm").asText())) {
        throw new SignatureException(what + " is signed with '" + node.path("algorithm").asText() + "', not " + ALGORITHM);
      }
      keyId = node.path("keyId").asText();
      sig = Base64.getDecoder().decode(node.path("signature").asText());
    } catch (IOException | IllegalArgumentException e) {
      throw new SignatureException("the signature of " + what + " is malformed: " + e.getMessage());
    }
    if (!keyId.equals(keyId(key))) {
      throw new SignatureException(what + " is signed by key " + keyId + ", not by the given key " + keyId(key)
          + "; check that you have the sender's public key");
    }
    if (!verify(key, data, sig)) {
      throw new SignatureException("the signature of " + what + " does not match its content: it was altered after signing");
    }
  }

  /**
   * The public half of a private key. The JDK writes PKCS#8 Ed25519 keys without their public key and has no API to
   * derive it, so the key pair generator is fed the private key's bytes as its "random" seed (an Ed25519 private key
   * is exactly that seed, RFC 8032 §5.1.5); the result is checked by a test signature.
   */
  public static PublicKey publicOf(PrivateKey key) throws IOException {
    try {
      var spec = KeyFactory.getInstance(ALGORITHM).getKeySpec(key, java.security.spec.EdECPrivateKeySpec.class);
      PublicKey pub = derivePublic(spec);
      byte[] probe = "ferry".getBytes(StandardCharsets.US_ASCII);
      if (!verify(pub, probe, sign(key, probe))) {
        throw new GeneralSecurityException("the derived public key does not match");
      }
      return pub;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot derive the public key of an Ed25519 private key: " + e.getMessage(), e);
    }
  }

  private static PublicKey derivePublic(java.security.spec.EdECPrivateKeySpec spec) throws GeneralSecurityException {
    // KeyPairGenerator with a fixed "random" yielding the private bytes gives the matching pair.
    byte[] seed = spec.getBytes();
    KeyPairGenerator g = KeyPairGenerator.getInstance(ALGORITHM);
    g.initialize(java.security.spec.NamedParameterSpec.ED25519, new java.security.SecureRandom() {
      @Override
      public void nextBytes(byte[] bytes) {
        System.arraycopy(seed, 0, bytes, 0, Math.min(seed.length, bytes.length));
      }
    });
    return g.generateKeyPair().getPublic();
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static byte[] der(Path pem, String type) throws IOException {
    String text = Files.readString(pem, StandardCharsets.US_ASCII);
    String begin = "-----BEGIN " + type + "-----";
    String end = "-----END " + type + "-----";
    int b = text.indexOf(begin);
    int e = text.indexOf(end);
    if (b < 0 || e < b) {
      throw new IOException(pem + " is not a PEM " + type + " (expected a '" + begin + "' block)");
    }
    try {
      return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
    } catch (IllegalArgumentException ex) {
      throw new IOException(pem + " has a damaged PEM body: " + ex.getMessage(), ex);
    }
  }
}
