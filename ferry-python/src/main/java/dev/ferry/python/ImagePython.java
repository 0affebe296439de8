package dev.ferry.python;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * The Python of an image: its target (CPython version, C library and version, architecture) and where wheels go
 * (interpreter, site directory, scripts), found from the image's files without running anything. Immutable.
 *
 * <p>Detection reads the layers' tar headers in order (whiteouts applied) and only two small files: dpkg's
 * {@code var/lib/dpkg/status} (Debian, Ubuntu: the {@code libc6} version) and apk's {@code lib/apk/db/installed}
 * (Alpine: {@code musl}). The interpreter is {@code usr/local/bin/python3.N} (python.org builds, official images)
 * before {@code usr/bin/python3.N} (distribution packages); glibc also shows in {@code libc-2.N.so} names on older
 * systems.
 */
public record ImagePython(PythonTarget target, InstallLayout layout) {
  private static final Pattern PYTHON = Pattern.compile("(usr/local/bin|usr/bin)/python(\\d)\\.(\\d+)");
  private static final Pattern LIBC_SO = Pattern.compile("(?:usr/)?lib(?:64)?/(?:[a-z0-9_]+-linux-gnu[a-z]*/)?libc-(\\d+)\\.(\\d+)\\.so");
  private static final Pattern LD_MUSL = Pattern.compile("(?:usr/)?lib/ld-musl-([a-z0-9_]+)\\.so\\.1");
  private static final Pattern DPKG_LIBC =
      Pattern.compile("(?m)^Package: libc6\\n(?:[^\\n]+\\n)*?Version: (\\d+)\\.(\\d+)");
  private static final Pattern APK_MUSL = Pattern.compile("(?m)^P:musl\\nV:(\\d+)\\.(\\d+)");
  private static final long MAX_DB = 64L << 20;

  /**
   * Detects the Python of the image {@code manifest} (already resolved to one platform) in {@code store}. The result
   * is cached in the store's private directory under the manifest's digest (a manifest never changes), because
   * reading every layer header of a Debian base costs seconds.
   */
  public static ImagePython detect(OciStore store, Images.Image image) throws IOException {
    Path cache = store.privateDirectory("python").resolve("detected-" + image.manifestDescriptor().digest().hex() + ".properties");
    if (Files.isRegularFile(cache)) {
      Properties p = new Properties();
      try (InputStream in = Files.newInputStream(cache)) {
        p.load(in);
        return new ImagePython(PythonTarget.parse(p.getProperty("target")),
            new InstallLayout(p.getProperty("interpreter"), p.getProperty("purelib"), p.getProperty("platlib"),
                p.getProperty("scripts"), p.getProperty("headers"), p.getProperty("data")));
      } catch (RuntimeException e) {
        Files.deleteIfExists(cache); // unreadable: detect again
      }
    }
    ImagePython found = scan(store, image);
    Properties p = new Properties();
    p.setProperty("target", found.target().name());
    InstallLayout l = found.layout();
    p.setProperty("interpreter", l.interpreter());
    p.setProperty("purelib", l.purelib());
    p.setProperty("platlib", l.platlib());
    p.setProperty("scripts", l.scripts());
    p.setProperty("headers", l.headers());
    p.setProperty("data", l.data());
    Path tmp = Files.createTempFile(cache.getParent(), "detected-", ".tmp");
    try (java.io.OutputStream out = Files.newOutputStream(tmp)) {
      p.store(out, null);
    }
    Files.move(tmp, cache, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return found;
  }

  private static ImagePython scan(OciStore store, Images.Image image) throws IOException {
    Scan s = new Scan();
    for (Descriptor layer : image.manifest().layers()) {
      s.layer(store, layer);
    }
    String arch = PythonTarget.wheelArch(image.platform());
    String ref = image.top().refName().orElse(image.manifestDescriptor().digest().toString());
    // the newest python3.N the image has, preferring /usr/local (a python.org build shadows the distribution's)
    String best = null;
    int bestMinor = -1;
    for (String p : new TreeSet<>(s.files)) {
      Matcher m = PYTHON.matcher(p);
      if (m.matches() && m.group(2).equals("3")) {
        int minor = Integer.parseInt(m.group(3));
        boolean local = m.group(1).startsWith("usr/local");
        boolean bestLocal = best != null && best.startsWith("usr/local");
        if (best == null || local && !bestLocal || local == bestLocal && minor > bestMinor) {
          best = p;
          bestMinor = minor;
        }
      }
    }
    if (best == null) {
      throw new WheelException("image " + ref + " has no python3.N in /usr/bin or /usr/local/bin; install Python in"
          + " it (e.g. ferry base debian --packages python3) or give the target with --python/--glibc");
    }
    PythonTarget target;
    if (s.muslMinor >= 0 || s.files.stream().anyMatch(f -> LD_MUSL.matcher(f).matches())) {
      if (s.muslMinor < 0) {
        throw new WheelException("image " + ref + " uses musl but its version is unknown (no lib/apk/db/installed);"
            + " give the target with --target cp3N-musllinux_1_N_ARCH");
      }
      target = new PythonTarget(3, bestMinor, PythonTarget.Libc.MUSL, s.muslMajor, s.muslMinor, arch);
    } else {
      int gMajor = s.glibcMajor;
      int gMinor = s.glibcMinor;
      if (gMinor < 0) {
        for (String f : s.files) {
          Matcher m = LIBC_SO.matcher(f);
          if (m.matches()) {
            gMajor = Integer.parseInt(m.group(1));
            gMinor = Integer.parseInt(m.group(2));
          }
        }
      }
      if (gMinor < 0) {
        throw new WheelException("image " + ref + ": cannot tell its glibc version (no libc6 in var/lib/dpkg/status,"
            + " no libc-2.N.so); give the target with --target cp3N-manylinux_2_N_ARCH");
      }
      target = new PythonTarget(3, bestMinor, PythonTarget.Libc.GLIBC, gMajor, gMinor, arch);
    }
    String version = "3." + bestMinor;
    InstallLayout layout;
    if (best.startsWith("usr/local/")) {
      layout = InstallLayout.prefix("/usr/local", "/" + best, version, "site-packages");
    } else if (s.debian || s.dirs.contains("usr/lib/python3/dist-packages")) {
      // Debian's site.py puts /usr/local/lib/python3.N/dist-packages on sys.path for locally installed packages
      layout = InstallLayout.prefix("/usr/local", "/" + best, version, "dist-packages");
    } else {
      layout = InstallLayout.prefix("/usr", "/" + best, version, "site-packages");
    }
    return new ImagePython(target, layout);
  }

  /** Reads layer headers in order, keeping the set of paths that exist at the end. */
  private static final class Scan {
    final Set<String> files = new HashSet<>();
    final Set<String> dirs = new HashSet<>();
    int glibcMajor = -1;
    int glibcMinor = -1;
    int muslMajor = -1;
    int muslMinor = -1;
    boolean debian;

    void layer(OciStore store, Descriptor layer) throws IOException {
      MediaType.Compression c =
          layer.knownMediaType().map(MediaType::compression).orElse(MediaType.Compression.GZIP);
      try (InputStream blob = new BufferedInputStream(store.open(layer), 1 << 16);
          InputStream plain = switch (c) {
            case NONE -> blob;
            case GZIP -> new GzipCompressorInputStream(blob, true);
            case ZSTD -> new com.github.luben.zstd.ZstdInputStream(blob);
          };
          TarArchiveInputStream tar = new TarArchiveInputStream(plain, StandardCharsets.UTF_8.name())) {
        TarArchiveEntry e;
        while ((e = tar.getNextEntry()) != null) {
          String p = normalize(e.getName());
          if (p.isEmpty()) {
            continue;
          }
          int slash = p.lastIndexOf('/');
          String base = p.substring(slash + 1);
          String parent = slash < 0 ? "" : p.substring(0, slash + 1);
          if (base.equals(".wh..wh..opq")) {
            files.removeIf(f -> f.startsWith(parent));
            dirs.removeIf(f -> f.startsWith(parent));
            continue;
          }
          if (base.startsWith(".wh.")) {
            String gone = parent + base.substring(4);
            files.removeIf(f -> f.equals(gone) || f.startsWith(gone + "/"));
            dirs.removeIf(f -> f.equals(gone) || f.startsWith(gone + "/"));
            continue;
          }
          if (e.isDirectory()) {
            dirs.add(p);
            continue;
          }
          files.add(p);
          if (p.equals("var/lib/dpkg/status") && e.isFile()) {
            debian = true;
            String status = read(tar, e);
            Matcher m = DPKG_LIBC.matcher(status);
            if (m.find()) {
              glibcMajor = Integer.parseInt(m.group(1));
              glibcMinor = Integer.parseInt(m.group(2));
            }
          } else if (p.equals("lib/apk/db/installed") && e.isFile()) {
            Matcher m = APK_MUSL.matcher(read(tar, e));
            if (m.find()) {
              muslMajor = Integer.parseInt(m.group(1));
              muslMinor = Integer.parseInt(m.group(2));
            }
          }
        }
      }
    }

    private static String read(TarArchiveInputStream tar, TarArchiveEntry e) throws IOException {
      if (e.getSize() > MAX_DB) {
        throw new WheelException(e.getName() + " in the image is larger than 64 MiB");
      }
      return new String(tar.readNBytes((int) e.getSize()), StandardCharsets.UTF_8);
    }

    private static String normalize(String name) {
      String p = name;
      while (p.startsWith("./")) {
        p = p.substring(2);
      }
      while (p.startsWith("/")) {
        p = p.substring(1);
      }
      while (p.endsWith("/")) {
        p = p.substring(0, p.length() - 1);
      }
      return p;
    }
  }

  /** Maps of what was found, for messages and {@code ferry python tags --json}. */
  public Map<String, String> describe() {
    Map<String, String> m = new HashMap<>();
    m.put("target", target.name());
    m.put("interpreter", layout.interpreter());
    m.put("purelib", layout.purelib());
    m.put("scripts", layout.scripts());
    return m;
  }
}
