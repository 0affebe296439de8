package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.Peers;
import dev.ferry.testing.Processes;
import dev.ferry.testing.PythonWheels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * arm64 from this amd64 machine: the target of a Debian arm64 python3 image is detected as aarch64, a wheelhouse is
 * installed into it, and the installed code runs under runc through qemu-user (binfmt_misc). Skipped where qemu's
 * aarch64 handler is not registered; the arm64 base (mmdebstrap through qemu, several minutes) is cached in
 * {@code ~/.cache/ferry/python/}.
 */
class PythonArm64IT {
  @TempDir Path tmp;
  Cli ferry;
  RuncContainers runc;

  @BeforeEach
  void setUp() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Peers.isRoot(), "runc needs root here");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Files.exists(Path.of("/proc/sys/fs/binfmt_misc/qemu-aarch64")),
        "qemu-user-static's aarch64 binfmt_misc handler is not registered (see shared/services/cross-arch.sh)");
    PythonWheels.require();
    runc = new RuncContainers(tmp);
    ferry = new Cli(tmp.resolve("store"));
    ferry.ok("import", PythonBaseImage.ensure("arm64").toString(), "-t", "pybase:arm64");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (runc != null) {
      runc.close();
    }
  }

  @Test
  void arm64Image_detectedAsAarch64_installedWheelsRunUnderQemu() throws Exception {
    assertThat(ferry.ok("-q", "python", "tags", "--image", "pybase:arm64").out().strip())
        .isEqualTo("cp311-manylinux_2_36_aarch64");
    Path wh = Files.createDirectories(tmp.resolve("wheelhouse"));
    Path demo = PythonWheels.pure(tmp, "ferrydemo", "1.0");
    Files.copy(demo, wh.resolve(demo.getFileName()));
    for (Path w : PythonWheels.debian()) {
      if (w.getFileName().toString().startsWith("wheel-")) {
        Files.copy(w, wh.resolve(w.getFileName()));
      }
    }
    // an x86_64 extension in the same wheelhouse has no aarch64 build: the error names it
    Path ext = PythonWheels.extension(tmp, "fastsum", "2.0");
    Path withExt = Files.createDirectories(tmp.resolve("with-ext"));
    Files.copy(ext, withExt.resolve(ext.getFileName()));
    Cli.Run refused = ferry.run("python", "install", "--image", "pybase:arm64", "--wheelhouse", withExt.toString(), "-t", "x:1");
    assertThat(refused.err()).contains("no compatible wheel of fastsum 2.0 for target cp311-manylinux_2_36_aarch64",
        "cp311-cp311-linux_x86_64");

    ferry.ok("python", "install", "--image", "pybase:arm64", "--wheelhouse", wh.toString(), "-t", "app:arm64");
    Path bundle = tmp.resolve("bundle");
    ferry.ok("unpack", "--bundle", "--platform", "linux/arm64", "app:arm64", bundle.toString());
    Processes.Result r = runc.run(bundle, "sh", "-c",
        "ferrydemo-hello on arm && wheel version && python3 -c 'import platform; print(platform.machine())'");
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    assertThat(r.stdout().lines().toList()).containsExactly("hello from ferrydemo 1.0 on arm", "wheel 0.38.4", "aarch64");
  }
}
