package dev.ferry.oci.layer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Reads the {@code security.capability} extended attributes of a whole tree with one run of {@code getfattr} (Debian
 * package {@code attr}): the JDK can read only {@code user.*} attributes, and file capabilities (e.g. {@code ping}'s
 * {@code cap_net_raw}) must survive into layers. Stateless and thread-safe.
 *
 * <p>Without {@code getfattr} the map is empty and {@link #available()} says so; the layer writer then records no
 * capabilities, as its documentation states.
 */
final class SecurityXattrs {
  static final String CAPABILITY = "security.capability";
  private static final String GETFATTR = "/usr/bin/getfattr";

  private SecurityXattrs() {}

  static boolean available() {
    return Files.isExecutable(Path.of(GETFATTR));
  }

  /** Absolute path → (attribute name → value) for every file under {@code root} that has a capability set. */
  static Map<Path, SortedMap<String, byte[]>> read(Path root) throws IOException {
    if (!available()) {
      return Map.of();
    }
    ProcessBuilder pb =
        new ProcessBuilder(
            GETFATTR, "--recursive", "--physical", "--no-dereference", "--absolute-names", "--dump", "--encoding=base64",
            "--match=^security\\.capability$", root.toAbsolutePath().toString());
    pb.redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try {
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IOException("getfattr did not finish reading capabilities under " + root);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new java.io.InterruptedIOException("interrupted reading capabilities under " + root);
    }
    // getfattr exits 1 when some file had no such attribute; what it printed is still complete.
    return parse(out);
  }

  /**
   * {@code entries} read from the tree at {@code root}, each file or directory with its capability attribute added
   * where it has one. Whiteouts and links are passed through.
   */
  static List<LayerEntry> apply(List<LayerEntry> entries, Path root) throws IOException {
    Map<Path, SortedMap<String, byte[]>> found = read(root);
    if (found.isEmpty()) {
      return entries;
    }
    Path base = root.toAbsolutePath().normalize();
    List<LayerEntry> out = new ArrayList<>(entries.size());
    for (LayerEntry e : entries) {
      String rel = e.path().endsWith("/") ? e.path().substring(0, e.path().length() - 1) : e.path();
      SortedMap<String, byte[]> attrs = e.isWhiteout() ? null : found.get(base.resolve(rel));
      if (attrs != null) {
        for (Map.Entry<String, byte[]> a : attrs.entrySet()) {
          e = e.withXattr(a.getKey(), a.getValue());
        }
      }
      out.add(e);
    }
    return out;
  }

  /** Parses {@code getfattr --dump --encoding=base64} output. */
  static Map<Path, SortedMap<String, byte[]>> parse(String dump) {
    Map<Path, SortedMap<String, byte[]>> out = new HashMap<>();
    Path current = null;
    for (String line : dump.split("\n")) {
      if (line.startsWith("# file: ")) {
        current = Path.of(unescape(line.substring("# file: ".length())));
      } else if (current != null && !line.isEmpty() && !line.startsWith("#")) {
        int eq = line.indexOf('=');
        if (eq <= 0) {
          continue;
        }
        String name = line.substring(0, eq);
        String value = line.substring(eq + 1);
        byte[] bytes = value.startsWith("0s") ? Base64.getDecoder().decode(value.substring(2)) : new byte[0];
        out.computeIfAbsent(current, k -> new TreeMap<>()).put(name, bytes);
      }
    }
    Map<Path, SortedMap<String, byte[]>> frozen = new HashMap<>();
    out.forEach((k, v) -> frozen.put(k, Collections.unmodifiableSortedMap(v)));
    return Collections.unmodifiableMap(frozen);
  }

  /** getfattr writes bytes outside printable ASCII, and backslash, as {@code \ooo} octal escapes. */
  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    byte[] raw = s.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] == '\\' && i + 3 < raw.length && isOctal(raw[i + 1]) && isOctal(raw[i + 2]) && isOctal(raw[i + 3])) {
        b.write(((raw[i + 1] - '0') << 6) | ((raw[i + 2] - '0') << 3) | (raw[i + 3] - '0'));
        i += 3;
      } else {
        b.write(raw[i]);
      }
    }
    return b.toString(StandardCharsets.UTF_8);
  }

  private static boolean isOctal(byte c) {
    return c >= '0' && c <= '7';
  }
}
