package dev.ferry.globalfunc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The worker runtime, {@code worker.py}, shipped as a resource of this module and written once per content to a
 * private directory so that Python can run it. Thread-safe.
 */
public final class WorkerRuntime {
  private static final String RESOURCE = "/dev/ferry/globalfunc/worker.py";
  private static volatile Path extracted;

  private WorkerRuntime() {}

  /** The runtime's source. */
  public static byte[] bytes() {
    try (InputStream in = WorkerRuntime.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the class path");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A file holding the runtime: {@code $TMPDIR/ferry-globalfunc-<uid>/worker-<hash>.py}. */
  public static synchronized Path path() throws IOException {
    Path p = extracted;
    if (p != null && Files.isRegularFile(p)) {
      return p;
    }
    byte[] b = bytes();
    String hash;
    try {
      hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "ferry-globalfunc-" + System.getProperty("user.name"));
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    p = dir.resolve("worker-" + hash + ".py");
    if (!Files.isRegularFile(p) || Files.size(p) != b.length) {
      Path tmp = Files.createTempFile(dir, "worker-", ".tmp");
      Files.write(tmp, b);
      Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
    extracted = p;
    return p;
  }
}
