package dev.ferry.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A Debian bookworm image with python3 (and python3-cryptography, which protected code needs), made once per machine
 * by {@code ferry base debian} and cached outside the repository in {@code ~/.cache/ferry/python/} keyed by suite,
 * architecture and packages; tests import it into their own store. The first build takes one to two minutes.
 */
final class PythonBaseImage {
  static final String NAME = "ferry.test/python-base:bookworm";
  static final String PACKAGES = "python3,python3-cryptography";

  private PythonBaseImage() {}

  /** Imports the cached image into the test's store as {@code name}; builds the cache first when missing. */
  static void importInto(Cli ferry, String name) throws IOException {
    Path cache = ensure(dev.ferry.build.debian.DebianBootstrap.debianArch(dev.ferry.oci.Platform.host()));
    ferry.ok("import", cache.toString(), "-t", name);
  }

  /** The cached store holding {@link #NAME}; skips the test where it cannot be built (not root, no mirror). */
  @SuppressWarnings("try") // the lock is held for the block, not used in it
  static synchronized Path ensure(String arch) throws IOException {
    Path root = Path.of(System.getProperty("user.home"), ".cache", "ferry", "python");
    Path store = root.resolve("base-bookworm-" + arch + "-" + PACKAGES.replace(',', '-'));
    Files.createDirectories(root);
    try (FileChannel ch = FileChannel.open(root.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = ch.lock()) {
      if (Files.exists(store.resolve("index.json"))
          && Files.readString(store.resolve("index.json")).contains(NAME.substring(0, NAME.indexOf(':')))) {
        return store;
      }
      BaseDebianIT.requireMmdebstrapAndMirror();
      Cli.Run r = new Cli(store).run("base", "debian", "--suite", "bookworm", "--packages", PACKAGES,
          "--platform", "linux/" + arch, "-t", NAME);
      if (r.exitCode() != 0) {
        throw new IOException("ferry base debian failed: " + r.err());
      }
      return store;
    }
  }
}
