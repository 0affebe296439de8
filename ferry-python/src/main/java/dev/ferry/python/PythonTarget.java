package dev.ferry.python;

import dev.ferry.oci.Platform;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a wheel must be compatible with: a CPython version, a Linux C library (glibc or musl, with its version) and
 * a CPU architecture. Immutable. {@link #supportedTags()} lists the PEP 425 tags such a system accepts, best first,
 * in the order {@code pip} uses; {@link #name()} is a short stable name ({@code cp311-manylinux_2_36_x86_64}) used for
 * wheelhouse directories and parsed back by {@link #parse}.
 */
public record PythonTarget(int major, int minor, Libc libc, int libcMajor, int libcMinor, String arch) {
  /** The C library a Linux system runs on. */
  public enum Libc {
    GLIBC,
    MUSL
  }

  private static final Pattern NAME =
      Pattern.compile("cp(\\d)(\\d+)-(manylinux|musllinux)_(\\d+)_(\\d+)_([a-z0-9_]+)");
  private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)");

  /**
   * Oldest glibc each architecture's manylinux wheels may declare (PEP 600: glibc 2.5 for x86, 2.17 where the
   * architecture appeared later).
   */
  private static final Map<String, Integer> MIN_GLIBC_MINOR =
      Map.of("x86_64", 5, "i686", 5, "aarch64", 17, "armv7l", 17, "ppc64le", 17, "s390x", 17);

  /** The legacy manylinux names and the glibc 2.x they stand for (PEP 600 "legacy manylinux tags"). */
  private static final Map<Integer, String> LEGACY = Map.of(17, "manylinux2014", 12, "manylinux2010", 5, "manylinux1");

  public PythonTarget {
    if (major != 3 || minor < 0 || minor > 99) {
      throw new IllegalArgumentException("python version must be 3.N, got " + major + "." + minor);
    }
    if (libcMajor < 1 || libcMinor < 0) {
      throw new IllegalArgumentException("libc version must be N.M, got " + libcMajor + "." + libcMinor);
    }
    if (!arch.matches("[a-z0-9_]+")) {
      throw new IllegalArgumentException("architecture must be like x86_64 or aarch64, got '" + arch + "'");
    }
  }

  /** A CPython on glibc, e.g. {@code glibc(3, 11, "2.36", "x86_64")}. */
  public static PythonTarget glibc(int major, int minor, String glibcVersion, String arch) {
    int[] v = version("glibc", glibcVersion);
    return new PythonTarget(major, minor, Libc.GLIBC, v[0], v[1], arch);
  }

  /** A CPython on musl, e.g. {@code musl(3, 12, "1.2", "aarch64")}. */
  public static PythonTarget musl(int major, int minor, String muslVersion, String arch) {
    int[] v = version("musl", muslVersion);
    return new PythonTarget(major, minor, Libc.MUSL, v[0], v[1], arch);
  }

  /** Parses {@link #name()} back: {@code cp311-manylinux_2_36_x86_64}, {@code cp312-musllinux_1_2_aarch64}. */
  public static PythonTarget parse(String name) {
    Matcher m = NAME.matcher(name);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "a target is cpXY-manylinux_GLIBCMAJOR_GLIBCMINOR_ARCH or cpXY-musllinux_MAJOR_MINOR_ARCH"
              + " (e.g. cp311-manylinux_2_36_x86_64), got '" + name + "'");
    }
    Libc libc = m.group(3).equals("manylinux") ? Libc.GLIBC : Libc.MUSL;
    return new PythonTarget(
        Integer.parseInt(m.group(1)),
        Integer.parseInt(m.group(2)),
        libc,
        Integer.parseInt(m.group(4)),
        Integer.parseInt(m.group(5)),
        m.group(6));
  }

  /** "3.11" → {3, 11}. */
  public static int[] version(String what, String v) {
    Matcher m = VERSION.matcher(v.trim());
    if (!m.lookingAt()) {
      throw new IllegalArgumentException(what + " version must be MAJOR.MINOR, got '" + v + "'");
    }
    return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
  }

  /** The wheel architecture name of an OCI platform: {@code linux/amd64} is {@code x86_64}. */
  public static String wheelArch(Platform p) {
    return switch (p.architecture()) {
      case "amd64" -> "x86_64";
      case "arm64" -> "aarch64";
      case "386" -> "i686";
      case "arm" -> "armv7l";
      case "ppc64le" -> "ppc64le";
      case "s390x" -> "s390x";
      default -> throw new IllegalArgumentException("no Python wheel architecture for platform " + p);
    };
  }

  /** The OCI platform of this target's architecture. */
  public Platform platform() {
    return switch (arch) {
      case "x86_64" -> Platform.LINUX_AMD64;
      case "aarch64" -> Platform.LINUX_ARM64;
      case "i686" -> new Platform("linux", "386", "");
      case "armv7l" -> new Platform("linux", "arm", "v7");
      default -> new Platform("linux", arch, "");
    };
  }

  /** {@code cp311}. */
  public String interpreter() {
    return "cp" + major + minor;
  }

  /** {@code 3.11}. */
  public String pythonVersion() {
    return major + "." + minor;
  }

  /** The most specific platform tag, {@code manylinux_2_36_x86_64} or {@code musllinux_1_2_aarch64}. */
  public String platformTag() {
    return (libc == Libc.GLIBC ? "manylinux_" : "musllinux_") + libcMajor + "_" + libcMinor + "_" + arch;
  }

  /** A short stable name: {@code cp311-manylinux_2_36_x86_64}. */
  public String name() {
    return interpreter() + "-" + platformTag();
  }

  /**
   * Platform tags this system accepts, best first: the newest manylinux (or musllinux) down to the oldest that
   * exists for the architecture, each legacy alias right after the PEP 600 tag it stands for, then
   * {@code linux_ARCH}.
   */
  public List<String> platformTags() {
    List<String> out = new ArrayList<>();
    if (libc == Libc.GLIBC) {
      int oldest = libcMajor == 2 ? MIN_GLIBC_MINOR.getOrDefault(arch, 17) : 0;
      for (int m = libcMinor; m >= oldest; m--) {
        out.add("manylinux_" + libcMajor + "_" + m + "_" + arch);
        String legacy = libcMajor == 2 ? LEGACY.get(m) : null;
        if (legacy != null && (m != 5 && m != 12 || arch.equals("x86_64") || arch.equals("i686"))) {
          out.add(legacy + "_" + arch);
        }
      }
    } else {
      for (int m = libcMinor; m >= 0; m--) {
        out.add("musllinux_" + libcMajor + "_" + m + "_" + arch);
      }
    }
    out.add("linux_" + arch);
    return out;
  }

  /**
   * Every tag this target accepts, best first (the order of {@code packaging.tags.sys_tags} for CPython): the
   * interpreter's own ABI, then {@code abi3} of this and older 3.x versions, then {@code none}, each over the
   * platform tags; then pure-Python tags for this and older versions, and {@code any} last.
   */
  public List<Tag> supportedTags() {
    List<String> platforms = platformTags();
    LinkedHashSet<Tag> tags = new LinkedHashSet<>();
    String cp = interpreter();
    for (String abi : List.of(cp, "abi3", "none")) {
      for (String p : platforms) {
        tags.add(new Tag(cp, abi, p));
      }
    }
    for (int m = minor - 1; m >= 2; m--) {
      for (String p : platforms) {
        tags.add(new Tag("cp" + major + m, "abi3", p));
      }
    }
    for (String py : pyVersions()) {
      for (String p : platforms) {
        tags.add(new Tag(py, "none", p));
      }
    }
    tags.add(new Tag(cp, "none", "any"));
    for (String py : pyVersions()) {
      tags.add(new Tag(py, "none", "any"));
    }
    return List.copyOf(tags);
  }

  private List<String> pyVersions() {
    List<String> out = new ArrayList<>();
    out.add("py" + major + minor);
    out.add("py" + major);
    for (int m = minor - 1; m >= 0; m--) {
      out.add("py" + major + m);
    }
    return out;
  }

  /** Ranks wheels for this target: lower is better; empty when no tag of the wheel is supported. */
  public Ranking ranking() {
    List<Tag> tags = supportedTags();
    Map<Tag, Integer> rank = new HashMap<>(tags.size() * 2);
    for (int i = 0; i < tags.size(); i++) {
      rank.put(tags.get(i), i);
    }
    return new Ranking(rank);
  }

  /** The best-first position of a wheel's tags among a target's supported tags. Immutable. */
  public static final class Ranking {
    private final Map<Tag, Integer> rank;

    private Ranking(Map<Tag, Integer> rank) {
      this.rank = rank;
    }

    /** The best position of any of {@code tags}, empty when none is supported. */
    public Optional<Integer> of(Collection<Tag> tags) {
      int best = Integer.MAX_VALUE;
      for (Tag t : tags) {
        Integer r = rank.get(t);
        if (r != null && r < best) {
          best = r;
        }
      }
      return best == Integer.MAX_VALUE ? Optional.empty() : Optional.of(best);
    }

    public boolean supports(Collection<Tag> tags) {
      return of(tags).isPresent();
    }
  }

  @Override
  public String toString() {
    return "Python " + pythonVersion() + " on " + (libc == Libc.GLIBC ? "glibc " : "musl ") + libcMajor + "." + libcMinor
        + " " + arch;
  }
}
