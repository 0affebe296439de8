package dev.ferry.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the real programs integration tests talk to (skopeo, umoci, buildah, runc, busybox). Stateless.
 *
 * <p>When a peer is missing the test is skipped on a developer's machine, but fails under CI or with
 * {@code FERRY_REQUIRE_PEERS=1}: {@code scripts/test} installs every peer, so a skip there would hide a broken
 * install step.
 */
public final class Peers {
  private Peers() {}

  /** The absolute path of {@code program} on PATH (or in /usr/sbin, /sbin), if any. */
  public static Optional<Path> find(String program) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : (path + ":/usr/sbin:/sbin:/usr/local/sbin").split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, program);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** Whether missing peers must fail tests rather than skip them. */
  public static boolean required() {
    return System.getenv("CI") != null || "1".equals(System.getenv("FERRY_REQUIRE_PEERS"));
  }

  /**
   * The path of {@code program}; skips the calling test (JUnit assumption) when it is missing, or fails it under CI.
   */
  public static Path require(String program) {
    Optional<Path> p = find(program);
    if (p.isPresent()) {
      return p.get();
    }
    String msg = program + " is not installed; scripts/install-prereqs.sh installs it";
    if (required()) {
      throw new AssertionError(msg);
    }
    org.junit.jupiter.api.Assumptions.abort(msg);
    throw new AssertionError("unreachable");
  }

  /** Whether the current user is root (needed by runc and by chown during extraction). */
  public static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }
}
