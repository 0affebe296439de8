package dev.ferry.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** Makes a tiny root filesystem from Debian's {@code busybox-static}: {@code /bin/busybox} plus applet links. */
public final class Busybox {
  private Busybox() {}

  /** The static busybox binary, skipping (or failing under CI) when busybox-static is not installed. */
  public static Path binary() {
    Path p = Path.of("/bin/busybox");
    if (!Files.isExecutable(p)) {
      p = Peers.require("busybox");
    }
    return p;
  }

  /**
   * Fills {@code root} with {@code bin/busybox}, a symlink per common applet ({@code sh}, {@code ls}, {@code echo},
   * …), and the directories a container runtime expects.
   */
  public static Path rootfs(Path root) throws IOException {
    Path bin = root.resolve("bin");
    Files.createDirectories(bin);
    Files.copy(binary(), bin.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(bin.resolve("busybox"), PosixFilePermissions.fromString("rwxr-xr-x"));
    for (String applet :
        new String[] {"sh", "ls", "echo", "cat", "uname", "id", "env", "mkdir", "rm", "touch", "sleep", "true", "false", "wc", "sha256sum", "stat", "find", "grep"}) {
      Path link = bin.resolve(applet);
      Files.deleteIfExists(link);
      Files.createSymbolicLink(link, Path.of("busybox"));
    }
    for (String d : new String[] {"etc", "tmp", "proc", "sys", "dev", "root"}) {
      Files.createDirectories(root.resolve(d));
    }
    Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    Files.writeString(root.resolve("etc/group"), "root:x:0:\n");
    return root;
  }
}
