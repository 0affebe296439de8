package dev.ferry.build;

import dev.ferry.oci.Platform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Whether this machine can run another architecture's programs: through a QEMU user-mode handler registered in
 * {@code binfmt_misc} ({@code qemu-user-static} + {@code binfmt-support} on Debian). Used before a cross-platform
 * {@code RUN} and before {@code ferry base debian} for a foreign architecture. Stateless and thread-safe.
 *
 * <p>The handler must carry the {@code F} flag (the kernel opens the interpreter when it is registered), as Debian's
 * {@code qemu-user-static} registers it: the step's root filesystem then needs no QEMU binary inside it. See
 * <a href="https://docs.kernel.org/admin-guide/binfmt-misc.html">binfmt-misc</a>.
 */
public final class Emulation {
  /** Where the kernel's {@code binfmt_misc} file system is mounted. */
  public static final Path BINFMT_MISC = Path.of("/proc/sys/fs/binfmt_misc");

  private Emulation() {}

  /** The name QEMU (and its {@code binfmt_misc} entry {@code qemu-NAME}) gives an OCI architecture. */
  public static String qemuName(String ociArchitecture) {
    return switch (ociArchitecture) {
      case "amd64" -> "x86_64";
      case "arm64" -> "aarch64";
      case "386" -> "i386";
      case "mips64le" -> "mips64el";
      default -> ociArchitecture; // arm, ppc64le, s390x, riscv64 are QEMU's names too
    };
  }

  /** Whether {@code host} runs {@code target}'s programs natively (same architecture, or its 32-bit sibling). */
  public static boolean isNative(Platform target, Platform host) {
    String t = target.architecture();
    String h = host.architecture();
    return t.equals(h) || (h.equals("amd64") && t.equals("386")) || (h.equals("arm64") && t.equals("arm"));
  }

  /**
   * Checks that programs for {@code target} can run on {@code host}.
   *
   * @param what what needs it, for the message ({@code "RUN steps for linux/arm64"})
   * @param binfmtMisc the {@code binfmt_misc} mount ({@link #BINFMT_MISC}; another directory in tests)
   * @throws BuildException saying what is missing and the commands that fix it
   */
  public static void check(Platform target, Platform host, String what, Path binfmtMisc) throws BuildException {
    if (isNative(target, host)) {
      return;
    }
    String name = "qemu-" + qemuName(target.architecture());
    Path handler = binfmtMisc.resolve(name);
    String prefix = what + " on this " + host.architecture() + " machine needs QEMU through binfmt_misc, but ";
    String enable = "update-binfmts --enable " + name;
    if (!Files.isRegularFile(handler)) {
      if (!Files.exists(binfmtMisc.resolve("status"))) {
        throw new BuildException(prefix + binfmtMisc + " is not mounted: run 'apt-get install qemu-user-static"
            + " binfmt-support && mount -t binfmt_misc binfmt_misc " + binfmtMisc + " && " + enable
            + "' as root (or scripts/install-prereqs.sh); in a container the host must register it, with the F flag");
      }
      throw new BuildException(prefix + "no " + name + " handler is registered in " + binfmtMisc
          + ": run 'apt-get install qemu-user-static binfmt-support && " + enable
          + "' as root (or scripts/install-prereqs.sh); in a container the host must register it, with the F flag");
    }
    String text;
    try {
      text = Files.readString(handler, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new BuildException(prefix + handler + " cannot be read: " + e.getMessage(), e);
    }
    if (!text.startsWith("enabled")) {
      throw new BuildException(prefix + "the " + name + " handler is disabled: run '" + enable + "' as root");
    }
    String flags = "";
    for (String line : text.split("\n")) {
      if (line.startsWith("flags:")) {
        flags = line.substring("flags:".length()).strip();
      }
    }
    if (!flags.toUpperCase(Locale.ROOT).contains("F")) {
      throw new BuildException(prefix + "the " + name + " handler is registered without the F flag, so its"
          + " interpreter would have to exist inside every image; re-register it with F: 'update-binfmts --disable "
          + name + " && " + enable + "' with Debian's qemu-user-static (which registers with F)");
    }
  }
}
