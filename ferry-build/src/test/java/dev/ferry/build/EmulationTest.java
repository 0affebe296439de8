package dev.ferry.build;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.oci.Platform;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmulationTest {
  private static final Platform AMD64 = Platform.parse("linux/amd64");
  private static final Platform ARM64 = Platform.parse("linux/arm64");

  @TempDir Path binfmt;

  @Test
  void check_nativeOr32BitSibling_needsNoHandler() {
    assertThatCode(() -> Emulation.check(AMD64, AMD64, "RUN", binfmt)).doesNotThrowAnyException();
    assertThatCode(() -> Emulation.check(Platform.parse("linux/386"), AMD64, "RUN", binfmt)).doesNotThrowAnyException();
  }

  @Test
  void check_binfmtNotMounted_saysHowToMountAndRegister() {
    assertThatThrownBy(() -> Emulation.check(ARM64, AMD64, "building linux/arm64 RUN steps", binfmt))
        .isInstanceOf(BuildException.class)
        .hasMessageStartingWith("building linux/arm64 RUN steps on this amd64 machine needs QEMU")
        .hasMessageContaining("is not mounted")
        .hasMessageContaining("apt-get install qemu-user-static binfmt-support")
        .hasMessageContaining("update-binfmts --enable qemu-aarch64");
  }

  @Test
  void check_noHandler_namesThePackageAndTheHandler() throws Exception {
    Files.writeString(binfmt.resolve("status"), "enabled\n");
    assertThatThrownBy(() -> Emulation.check(ARM64, AMD64, "RUN", binfmt))
        .hasMessageContaining("no qemu-aarch64 handler is registered")
        .hasMessageContaining("update-binfmts --enable qemu-aarch64");
    assertThatThrownBy(() -> Emulation.check(AMD64, ARM64, "RUN", binfmt)).hasMessageContaining("qemu-x86_64");
  }

  @Test
  void check_disabledOrWithoutFFlag_refused_enabledWithF_accepted() throws Exception {
    Files.writeString(binfmt.resolve("status"), "enabled\n");
    Path h = binfmt.resolve("qemu-aarch64");
    Files.writeString(h, "disabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: PF\n");
    assertThatThrownBy(() -> Emulation.check(ARM64, AMD64, "RUN", binfmt)).hasMessageContaining("is disabled");
    Files.writeString(h, "enabled\ninterpreter /usr/bin/qemu-aarch64\nflags: P\n");
    assertThatThrownBy(() -> Emulation.check(ARM64, AMD64, "RUN", binfmt)).hasMessageContaining("without the F flag");
    Files.writeString(h, "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: PF\noffset 0\n");
    assertThatCode(() -> Emulation.check(ARM64, AMD64, "RUN", binfmt)).doesNotThrowAnyException();
  }
}
