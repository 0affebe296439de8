package dev.ferry.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A content digest as the OCI image spec defines it: {@code algorithm:encoded}. Immutable and thread-safe.
 *
 * <p>Only {@code sha256} and {@code sha512} are accepted (spec § "Registered algorithms"); the encoded part must
 * be lower-case hex of the algorithm's length.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests">OCI digests</a>
 */
public final class Digest implements Comparable<Digest> {

  /** The algorithms Ferry reads; it writes only {@link #SHA256}. */
  public enum Algorithm {
    SHA256("sha256", "SHA-256", 64),
    SHA512("sha512", "SHA-512", 128);

    private final String id;
    private final String jcaName;
    private final int hexLength;

    Algorithm(String id, String jcaName, int hexLength) {
      this.id = id;
      this.jcaName = jcaName;
      this.hexLength = hexLength;
    }

    /** The spec's name, e.g. {@code sha256}. */
    public String id() {
      return id;
    }

    /** Number of hex characters in an encoded digest of this algorithm. */
    public int hexLength() {
      return hexLength;
    }

    /** A fresh message digest for this algorithm. */
    public MessageDigest newMessageDigest() {
      try {
        return MessageDigest.getInstance(jcaName);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("the JDK lacks " + jcaName, e);
      }
    }

    static Algorithm fromId(String id, String whole) {
      for (Algorithm a : values()) {
        if (a.id.equals(id)) {
          return a;
        }
      }
      throw new IllegalArgumentException(
          "digest algorithm must be sha256 or sha512, got '" + id + "' in '" + whole + "'");
    }
  }

  private static final Pattern HEX = Pattern.compile("[0-9a-f]+");

  private final Algorithm algorithm;
  private final String hex;

  private Digest(Algorithm algorithm, String hex) {
    this.algorithm = algorithm;
    this.hex = hex;
  }

  /**
   * Parses {@code sha256:<64 hex>} or {@code sha512:<128 hex>}.
   *
   * @throws IllegalArgumentException quoting the bad value
   */
  public static Digest parse(String value) {
    Objects.requireNonNull(value, "digest");
    int colon = value.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("digest must be algorithm:hex (e.g. sha256:…), got '" + value + "'");
    }
    Algorithm algorithm = Algorithm.fromId(value.substring(0, colon), value);
    String hex = value.substring(colon + 1);
    if (hex.length() != algorithm.hexLength || !HEX.matcher(hex).matches()) {
      throw new IllegalArgumentException(
          "digest must have "
              + algorithm.hexLength
              + " lower-case hex characters after '"
              + algorithm.id
              + ":', got '"
              + value
              + "'");
    }
    return new Digest(algorithm, hex);
  }

  /** Whether {@code value} parses as a digest. */
  public static boolean isDigest(String value) {
    try {
      parse(value);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Wraps the raw output of a message digest. */
  public static Digest of(Algorithm algorithm, byte[] rawDigest) {
    if (rawDigest.length * 2 != algorithm.hexLength) {
      throw new IllegalArgumentException(
          "a " + algorithm.id + " digest has " + algorithm.hexLength / 2 + " bytes, got " + rawDigest.length);
    }
    return new Digest(algorithm, HexFormat.of().formatHex(rawDigest));
  }

  /** The sha256 digest of {@code bytes}. */
  public static Digest sha256(byte[] bytes) {
    return of(Algorithm.SHA256, Algorithm.SHA256.newMessageDigest().digest(bytes));
  }

  public Algorithm algorithm() {
    return algorithm;
  }

  /** The encoded (hex) part, which is also the blob's file name in an OCI layout. */
  public String hex() {
    return hex;
  }

  /** A short form for humans: the first 12 hex characters. */
  public String shortHex() {
    return hex.substring(0, 12);
  }

  @Override
  public String toString() {
    return algorithm.id + ":" + hex;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Digest d && d.algorithm == algorithm && d.hex.equals(hex);
  }

  @Override
  public int hashCode() {
    return algorithm.hashCode() * 31 + hex.hashCode();
  }

  @Override
  public int compareTo(Digest o) {
    return toString().compareTo(o.toString());
  }
}
