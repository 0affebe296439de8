package dev.ferry.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

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

  /**
   * Fills {@code root} with a busybox root filesystem for another architecture ({@code arm64}: Debian's name) through
   * {@code scripts/busybox-rootfs.sh}, which downloads Debian's {@code busybox-static:ARCH} once into
   * {@code ~/.cache/ferry/debs}; {@code /etc/passwd} has root and {@code app} (1000). Running its programs needs QEMU
   * through binfmt_misc ({@link #requireEmulation}).
   */
  public static Path rootfs(Path root, String debianArch) throws IOException, InterruptedException {
    Path script = repositoryRoot().resolve("scripts/busybox-rootfs.sh");
    Processes.Result r = Processes.run(List.of("bash", script.toString(), "--arch", debianArch, root.toString()),
        null, Map.of(), 300);
    if (r.exitCode() != 0) {
      String msg = "no " + debianArch + " busybox (" + String.join(" ", r.command()) + "): " + r.stderr().strip();
      if (Peers.required()) {
        throw new AssertionError(msg);
      }
      Assumptions.abort(msg);
    }
    return root;
  }

  /**
   * Skips the calling test unless the kernel runs {@code qemuName} programs ({@code aarch64}) through a QEMU
   * binfmt_misc handler with the F flag, as {@code scripts/install-prereqs.sh} registers it; under CI it fails
   * instead when {@code qemu-user-static} is not even installed.
   */
  public static void requireEmulation(String qemuName) throws IOException {
    Path handler = Path.of("/proc/sys/fs/binfmt_misc/qemu-" + qemuName);
    String text = Files.isRegularFile(handler) ? Files.readString(handler) : "";
    if (text.startsWith("enabled") && text.contains("flags: ") && text.substring(text.indexOf("flags: ")).split("\n")[0]
        .contains("F")) {
      return;
    }
    String msg = "no enabled binfmt_misc handler qemu-" + qemuName + " with the F flag; scripts/install-prereqs.sh"
        + " registers it (qemu-user-static, binfmt-support)";
    // Under CI a missing package is a broken install step (fail); a kernel handler that the environment does not let
    // us register (a container without the host's binfmt_misc) is not (skip).
    if (Peers.required() && !Files.isExecutable(Path.of("/usr/bin/qemu-" + qemuName + "-static"))) {
      throw new AssertionError(msg);
    }
    Assumptions.abort(msg);
  }

  /** The checkout's root: the nearest directory above the working directory that holds {@code scripts/}. */
  static Path repositoryRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("scripts/busybox-rootfs.sh"))) {
        return p;
      }
    }
    throw new AssertionError("no scripts/busybox-rootfs.sh above " + Path.of("").toAbsolutePath());
  }
}
