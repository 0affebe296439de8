package dev.ferry.oci;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A target platform {@code os/arch[/variant]} as in the OCI image index. Immutable.
 *
 * <p>Parsing normalises the spellings users and tools write: {@code x86_64}/{@code x86-64} → {@code amd64},
 * {@code aarch64} → {@code arm64}, {@code arm64/v8} → {@code arm64} (v8 is the only arm64 variant, so it is
 * dropped as containerd does), {@code armhf} → {@code arm/v7}, {@code armel} → {@code arm/v6}, {@code i386} →
 * {@code 386}.
 *
 * @param os operating system, e.g. {@code linux}
 * @param architecture CPU architecture in GOARCH spelling, e.g. {@code amd64}
 * @param variant CPU variant or the empty string
 * @param osVersion the optional {@code os.version} or the empty string
 * @param osFeatures the optional {@code os.features}
 */
public record Platform(String os, String architecture, String variant, String osVersion, List<String> osFeatures)
    implements Comparable<Platform> {

  public static final Platform LINUX_AMD64 = new Platform("linux", "amd64", "");
  public static final Platform LINUX_ARM64 = new Platform("linux", "arm64", "");

  public Platform {
    Objects.requireNonNull(os, "os");
    Objects.requireNonNull(architecture, "architecture");
    variant = variant == null ? "" : variant;
    osVersion = osVersion == null ? "" : osVersion;
    osFeatures = osFeatures == null ? List.of() : List.copyOf(osFeatures);
    if (os.isEmpty() || architecture.isEmpty()) {
      throw new IllegalArgumentException(
          "platform needs an os and an architecture, got os='" + os + "' architecture='" + architecture + "'");
    }
  }

  public Platform(String os, String architecture, String variant) {
    this(os, architecture, variant, "", List.of());
  }

  /**
   * Parses {@code os/arch[/variant]} (or a bare {@code arch}, meaning linux), normalising common spellings.
   *
   * @throws IllegalArgumentException quoting the bad value
   */
  public static Platform parse(String value) {
    Objects.requireNonNull(value, "platform");
    String v = value.trim().toLowerCase(Locale.ROOT);
    String[] parts = v.split("/", -1);
    if (v.isEmpty() || parts.length > 3 || java.util.Arrays.stream(parts).anyMatch(String::isEmpty)) {
      throw new IllegalArgumentException("platform must be os/arch[/variant] (e.g. linux/arm64), got '" + value + "'");
    }
    for (String p : parts) {
      if (!p.matches("[a-z0-9_.-]+")) {
        throw new IllegalArgumentException(
            "platform must be os/arch[/variant] (e.g. linux/arm64), got '" + value + "'");
      }
    }
    String os;
    String arch;
    String variant;
    if (parts.length == 1) {
      os = "linux";
      arch = parts[0];
      variant = "";
    } else {
      os = parts[0];
      arch = parts[1];
      variant = parts.length == 3 ? parts[2] : "";
    }
    return normalize(os, arch, variant);
  }

  /** Builds a platform from separate fields, normalising as {@link #parse} does. */
  public static Platform normalize(String os, String arch, String variant) {
    os = os.toLowerCase(Locale.ROOT);
    arch = arch.toLowerCase(Locale.ROOT);
    variant = variant == null ? "" : variant.toLowerCase(Locale.ROOT);
    switch (arch) {
      case "x86_64", "x86-64", "x64", "amd64" -> arch = "amd64";
      case "aarch64", "arm64" -> {
        arch = "arm64";
        if (variant.equals("v8") || variant.equals("8")) {
          variant = "";
        }
      }
      case "armhf", "armv7", "armv7l" -> {
        arch = "arm";
        variant = variant.isEmpty() ? "v7" : variant;
      }
      case "armel", "armv6", "armv6l" -> {
        arch = "arm";
        variant = variant.isEmpty() ? "v6" : variant;
      }
      case "i386", "i686", "x86", "386" -> arch = "386";
      default -> {}
    }
    if (arch.equals("arm") && variant.isEmpty()) {
      variant = "v7";
    }
    return new Platform(os, arch, variant);
  }

  /** The platform of the JVM running this code (Linux assumed for the OS). */
  public static Platform host() {
    return normalize("linux", System.getProperty("os.arch", "amd64"), "");
  }

  /** Whether an image for {@code candidate} may run here: same os and arch, and same variant when this one has one. */
  public boolean matches(Platform candidate) {
    Platform c = normalize(candidate.os, candidate.architecture, candidate.variant);
    if (!os.equals(c.os) || !architecture.equals(c.architecture)) {
      return false;
    }
    return variant.isEmpty() || variant.equals(c.variant);
  }

  /** {@code os/arch[/variant]}. */
  @Override
  public String toString() {
    return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
  }

  @Override
  public int compareTo(Platform o) {
    return toString().compareTo(o.toString());
  }
}
