package dev.ferry.registry.server;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.ferry.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Users and bcrypt password hashes from an Apache htpasswd file ({@code htpasswd -B}: {@code $2y$}, {@code $2a$},
 * {@code $2b$}); other hash kinds are refused when the file is loaded. Thread-safe.
 *
 * <p>bcrypt is slow on purpose (tens of milliseconds at cost 10), and clients send Basic credentials with every
 * request, so a password that verified once is remembered as a SHA-256 of user and password (never the password)
 * until the server stops.
 */
final class Htpasswd {
  private final Map<String, String> hashes;
  private final Map<String, Digest> verified = new ConcurrentHashMap<>();

  private Htpasswd(Map<String, String> hashes) {
    this.hashes = hashes;
  }

  static Htpasswd load(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    Map<String, String> hashes = new LinkedHashMap<>();
    int n = 0;
    for (String line : lines) {
      n++;
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      int colon = l.indexOf(':');
      if (colon <= 0) {
        throw new IOException(file + " line " + n + " is not 'user:hash'");
      }
      String hash = l.substring(colon + 1);
      if (!(hash.startsWith("$2y$") || hash.startsWith("$2a$") || hash.startsWith("$2b$"))) {
        throw new IOException(
            file + " line " + n + " (user " + l.substring(0, colon) + ") is not a bcrypt hash; create entries with htpasswd -B");
      }
      hashes.put(l.substring(0, colon), hash);
    }
    return new Htpasswd(hashes);
  }

  /** Whether {@code password} is {@code user}'s. */
  boolean check(String user, String password) {
    String hash = hashes.get(user);
    if (hash == null) {
      return false;
    }
    Digest key = Digest.sha256((user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    if (key.equals(verified.get(user))) {
      return true;
    }
    boolean ok =
        BCrypt.verifyer().verify(password.getBytes(StandardCharsets.UTF_8), hash.getBytes(StandardCharsets.UTF_8)).verified;
    if (ok) {
      verified.put(user, key);
    }
    return ok;
  }
}
