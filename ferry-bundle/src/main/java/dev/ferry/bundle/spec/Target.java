package dev.ferry.bundle.spec;

import dev.ferry.oci.Platform;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A place a delivery runs: a name, the platform its images are built for and the accelerator it has. Immutable.
 *
 * @param name how the spec and {@code --target} refer to it ({@code x86_nvidia})
 * @param platform the image platform ({@code linux/amd64})
 * @param accelerator what the machines carry ({@code nvidia}, {@code ascend}, {@code none}); informative
 */
public record Target(String name, Platform platform, String accelerator) {
  /** x86_64 servers with NVIDIA GPUs. */
  public static final Target X86_NVIDIA = new Target("x86_nvidia", Platform.LINUX_AMD64, "nvidia");
  /** arm64 servers with Huawei Ascend 910B NPUs. */
  public static final Target ARM_910B = new Target("arm_910b", Platform.LINUX_ARM64, "ascend");

  public Target {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(platform, "platform");
    Objects.requireNonNull(accelerator, "accelerator");
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
      throw new IllegalArgumentException("target name must be letters, digits, '_', '.', '-', got '" + name + "'");
    }
  }

  /** The targets every spec knows without defining them. */
  public static List<Target> builtIn() {
    return List.of(X86_NVIDIA, ARM_910B);
  }

  /** The built-in target called {@code name}. */
  public static Optional<Target> builtIn(String name) {
    return builtIn().stream().filter(t -> t.name().equals(name)).findFirst();
  }
}
