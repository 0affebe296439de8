package dev.ferry.build.dockerfile;

import dev.ferry.oci.Platform;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a build asks of a Dockerfile: {@code --build-arg} values, the target and build platforms, and the
 * {@code --target} stage. Immutable.
 *
 * @param buildArgs {@code --build-arg} values by name, in the order given
 * @param targetPlatform the platform the image is for ({@code TARGETPLATFORM})
 * @param buildPlatform the platform the build runs on ({@code BUILDPLATFORM})
 * @param target the stage to build, by name; empty means the last stage
 */
public record BuildOptions(
    Map<String, String> buildArgs, Platform targetPlatform, Platform buildPlatform, Optional<String> target) {

  /** The platform arguments every build defines, in the order the Dockerfile reference lists them. */
  public static final List<String> PLATFORM_ARGS = List.of("TARGETPLATFORM", "TARGETOS", "TARGETARCH",
      "TARGETVARIANT", "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT");

  /** Proxy arguments: usable by {@code RUN} without an {@code ARG} and kept out of the image history. */
  public static final Set<String> PROXY_ARGS = Set.of("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
      "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy");

  public BuildOptions {
    buildArgs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(buildArgs, "buildArgs")));
    Objects.requireNonNull(targetPlatform, "targetPlatform");
    Objects.requireNonNull(buildPlatform, "buildPlatform");
    Objects.requireNonNull(target, "target");
  }

  /** No build args, the last stage, and the host as both target and build platform. */
  public static BuildOptions defaults() {
    return new BuildOptions(Map.of(), Platform.host(), Platform.host(), Optional.empty());
  }

  public BuildOptions withBuildArgs(Map<String, String> args) {
    return new BuildOptions(args, targetPlatform, buildPlatform, target);
  }

  public BuildOptions withTargetPlatform(Platform platform) {
    return new BuildOptions(buildArgs, platform, buildPlatform, target);
  }

  public BuildOptions withBuildPlatform(Platform platform) {
    return new BuildOptions(buildArgs, targetPlatform, platform, target);
  }

  public BuildOptions withTarget(String stage) {
    return new BuildOptions(buildArgs, targetPlatform, buildPlatform, Optional.of(stage));
  }

  /**
   * The values of the predefined platform arguments (a platform without a variant gives an empty
   * {@code TARGETVARIANT}), overridden by build args of the same name as BuildKit allows.
   */
  public Map<String, String> predefinedArgs() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("TARGETPLATFORM", targetPlatform.toString());
    m.put("TARGETOS", targetPlatform.os());
    m.put("TARGETARCH", targetPlatform.architecture());
    m.put("TARGETVARIANT", targetPlatform.variant());
    m.put("BUILDPLATFORM", buildPlatform.toString());
    m.put("BUILDOS", buildPlatform.os());
    m.put("BUILDARCH", buildPlatform.architecture());
    m.put("BUILDVARIANT", buildPlatform.variant());
    for (String k : PLATFORM_ARGS) {
      if (buildArgs.containsKey(k)) {
        m.put(k, buildArgs.get(k));
      }
    }
    return m;
  }

  /** Single words containerd's platform parser takes as an architecture (linux implied). */
  private static final Set<String> BARE_ARCHES = Set.of("amd64", "x86_64", "x86-64", "arm64", "aarch64", "arm",
      "armhf", "armel", "386", "i386", "ppc64le", "s390x", "riscv64", "mips64le", "loong64");

  /**
   * Parses a {@code --platform} value as BuildKit does: {@code os/arch[/variant]}, or a bare known architecture.
   *
   * @throws IllegalArgumentException for anything else, e.g. {@code linux-amd64}
   */
  static Platform parsePlatform(String value) {
    if (!value.contains("/") && !BARE_ARCHES.contains(value.trim().toLowerCase(java.util.Locale.ROOT))) {
      throw new IllegalArgumentException("not os/arch: " + value);
    }
    return Platform.parse(value);
  }

  /** Build args with the predefined platform arguments added: what an {@code ARG} of that name takes. */
  Map<String, String> effectiveArgs() {
    Map<String, String> m = new LinkedHashMap<>(predefinedArgs());
    m.putAll(buildArgs);
    return m;
  }
}
