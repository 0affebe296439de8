package dev.ferry.globalfunc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * API tokens per space, from a file of lines {@code SPACE TOKEN} ({@code #} comments; {@code *} for every space). A
 * space with tokens requires {@code Authorization: Bearer TOKEN} for calls and reads; a space without is open.
 * Tokens are compared in constant time and never logged. Immutable.
 */
public final class Tokens {
  private final Map<String, List<byte[]>> bySpace;

  private Tokens(Map<String, List<byte[]>> bySpace) {
    this.bySpace = bySpace;
  }

  /** No tokens: everything open. */
  public static Tokens none() {
    return new Tokens(Map.of());
  }

  /** Reads {@code file}. */
  public static Tokens read(Path file) throws IOException {
    Map<String, List<byte[]>> m = new HashMap<>();
    int n = 0;
    for (String line : Files.readAllLines(file)) {
      n++;
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      String[] parts = l.split("\\s+");
      if (parts.length != 2 || parts[1].length() < 8) {
        throw new IllegalArgumentException(file + " line " + n + ": expected 'SPACE TOKEN' with a token of at least 8 characters");
      }
      m.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(parts[1].getBytes(StandardCharsets.UTF_8));
    }
    return new Tokens(m);
  }

  /** Whether {@code space} needs a token. */
  public boolean guarded(String space) {
    return bySpace.containsKey(space) || bySpace.containsKey("*");
  }

  /** Whether the {@code Authorization} header value (may be null) admits a request to {@code space}. */
  public boolean admits(String space, String authorization) {
    if (!guarded(space)) {
      return true;
    }
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    byte[] given = authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8);
    boolean ok = false;
    for (String s : new String[] {space, "*"}) {
      for (byte[] t : bySpace.getOrDefault(s, List.of())) {
        ok |= MessageDigest.isEqual(t, given);
      }
    }
    return ok;
  }
}
