package dev.ferry.python;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Optional;

/**
 * One line of a wheel's {@code RECORD}: path, optional {@code algorithm=urlsafe-base64-digest} hash and size.
 * Immutable.
 */
public record RecordEntry(String path, Optional<String> hash, Optional<Long> size) {
  /** The RECORD hash form of a SHA-256 digest: {@code sha256=} and URL-safe base64 without padding. */
  public static String sha256(byte[] digest) {
    return "sha256=" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
  }

  /** The CSV line, quoting the path when it holds a comma or quote. */
  public String toLine() {
    return csv(path) + "," + hash.orElse("") + "," + size.map(String::valueOf).orElse("");
  }

  private static String csv(String s) {
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }
}
