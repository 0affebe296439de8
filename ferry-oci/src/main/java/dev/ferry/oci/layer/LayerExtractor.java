package dev.ferry.oci.layer;

import dev.ferry.oci.io.Trees;
import com.github.luben.zstd.ZstdInputStream;
import dev.ferry.oci.Digest;
import dev.ferry.oci.DigestMismatchException;
import dev.ferry.oci.MediaType.Compression;
import dev.ferry.oci.io.DigestingInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Applies a stack of layer blobs, in order, to a root directory, honouring whiteouts and never creating, changing
 * or deleting anything outside the root. Immutable and thread-safe; concurrent calls must use different roots, and
 * nothing else may change a root while it is extracted into.
 *
 * <p>Every path is resolved component by component inside the root; a symlink met on the way is resolved by hand,
 * an absolute target relative to the root (as inside the container), and one whose {@code ..} climbs out of the
 * root stops extraction with an {@link UnsafeArchiveException} naming the entry. Absolute entry names, names whose {@code ..} climb out of the root, hard links to paths
 * outside it and layers beyond the {@link ExtractionLimits} are refused the same way. Symlink entries themselves
 * may point anywhere: they are created, never followed. An entry replacing a symlink replaces the link. After an
 * exception the root is partly extracted and should be discarded.
 *
 * <p>Devices are created only when running as root and {@link Builder#devices(boolean)} allows it, else skipped
 * with a warning. xattrs in the layer are not applied.
 */
public final class LayerExtractor {
  /** How many warnings {@link ExtractionResult#warnings()} keeps. */
  public static final int MAX_WARNINGS = 100;
  /** Linux's own limit on symlinks followed while resolving one path. */
  private static final int MAX_SYMLINK_HOPS = 40;
  private static final int BUFFER_SIZE = 256 * 1024;

  private final ExtractionLimits limits;
  private final boolean chown;
  private final boolean devices;
  private final boolean asRoot;

  private LayerExtractor(Builder b) {
    this.limits = b.limits;
    this.asRoot = b.asRoot;
    this.chown = b.chown;
    this.devices = b.devices;
  }

  /** A builder with {@link ExtractionLimits#DEFAULTS}, owners set when running as root, devices skipped. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Applies {@code layers} in order to the existing directory {@code root}. Each stream is read to its end when
   * a digest is to be verified; none is closed.
   *
   * @throws UnsafeArchiveException naming the layer and entry that would escape the root or break a limit
   * @throws DigestMismatchException naming the layer whose diffID or digest differs from the expected one
   */
  public ExtractionResult extract(List<LayerSource> layers, Path root) throws IOException {
    Path realRoot = root.toRealPath();
    if (!Files.isDirectory(realRoot, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException("extraction root must be a directory, got " + root);
    }
    Run run = new Run(realRoot);
    for (int i = 0; i < layers.size(); i++) {
      run.apply(layers.get(i), "layer " + (i + 1) + " of " + layers.size());
    }
    run.finishDirectories();
    return new ExtractionResult(run.entries, run.bytes, run.skipped, run.warnings);
  }

  /** The compression announced by a stream's first bytes; the stream must support mark and reset. */
  static Compression detect(InputStream in) throws IOException {
    in.mark(4);
    byte[] magic = in.readNBytes(4);
    in.reset();
    if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      return Compression.GZIP;
    }
    if (magic.length == 4
        && (magic[0] & 0xff) == 0x28
        && (magic[1] & 0xff) == 0xb5
        && (magic[2] & 0xff) == 0x2f
        && (magic[3] & 0xff) == 0xfd) {
      return Compression.ZSTD;
    }
    return Compression.NONE;
  }

  private record DirMeta(int mode, long uid, long gid, FileTime mtime) {}

  /** State of one {@link #extract} call. */
  private final class Run {
    private final Path root;
    private final TreeMap<String, DirMeta> dirs = new TreeMap<>();
    private final List<String> warnings = new ArrayList<>();
    private final byte[] buffer = new byte[BUFFER_SIZE];
    private Set<String> thisLayer = new HashSet<>();
    private String label = "";
    private long entries;
    private long bytes;
    private long tarBytes;
    private long skipped;

    Run(Path root) {
      this.root = root;
    }

    void apply(LayerSource source, String label) throws IOException {
      this.label = label;
      this.thisLayer = new HashSet<>();
      DigestingInputStream blob = new DigestingInputStream(source.stream());
      BufferedInputStream peek = new BufferedInputStream(blob, BUFFER_SIZE);
      Compression compression = source.compression().isPresent() ? source.compression().get() : detect(peek);
      InputStream plain = switch (compression) {
        case NONE -> peek;
        case GZIP -> new GzipCompressorInputStream(peek, true);
        case ZSTD -> new ZstdInputStream(peek);
      };
      DigestingInputStream tarDigest = new DigestingInputStream(plain);
      TarArchiveInputStream tar = new TarArchiveInputStream(tarDigest, StandardCharsets.UTF_8.name());
      long before = tarBytes;
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        tarBytes = before + tarDigest.count();
        if (++entries > limits.maxEntries()) {
          throw refuse(e.getName(), "more than " + limits.maxEntries() + " entries in all layers");
        }
        if (tarBytes > limits.maxTotalBytes()) {
          throw refuse(e.getName(), "more than " + limits.maxTotalBytes() + " uncompressed bytes in all layers");
        }
        entry(e, tar);
      }
      if (source.diffId().isPresent() || source.digest().isPresent()) {
        drain(tarDigest, before);
        drain(peek, before);
        verify("diffID", source.diffId().orElse(null), tarDigest);
        verify("digest", source.digest().orElse(null), blob);
      }
      tarBytes = before + tarDigest.count();
    }

    private void drain(InputStream in, long before) throws IOException {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        if (before + n > limits.maxTotalBytes()) {
          throw refuse("(after the end of the tar)", "trailing data beyond " + limits.maxTotalBytes() + " bytes");
        }
        before += n;
      }
    }

    private void verify(String what, Digest expected, DigestingInputStream stream) throws IOException {
      Digest actual = stream.digest();
      if (expected != null && !expected.equals(actual)) {
        throw new DigestMismatchException(
            label + " " + what + " (extracted into " + root + ", which should be discarded)", expected, actual);
      }
    }

    private void entry(TarArchiveEntry e, TarArchiveInputStream tar) throws IOException {
      String name = e.getName();
      List<String> comps = components(name, name);
      if (comps.isEmpty()) {
        return;
      }
      String base = comps.get(comps.size() - 1);
      List<String> parentComps = comps.subList(0, comps.size() - 1);
      if (base.equals(LayerEntry.OPAQUE_WHITEOUT)) {
        Path dir = walk(parentComps, false, name);
        if (dir != null) {
          clearLower(dir, relative(dir));
        }
        return;
      }
      if (base.startsWith(LayerEntry.WHITEOUT_PREFIX)) {
        String hidden = base.substring(LayerEntry.WHITEOUT_PREFIX.length());
        if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
          throw refuse(name, "whiteout names no file");
        }
        Path dir = walk(parentComps, false, name);
        if (dir != null) {
          Path target = dir.resolve(hidden);
          String rel = relative(target);
          if (!thisLayer.contains(rel) && lstat(target) != null) {
            delete(target, rel);
          }
        }
        return;
      }
      Path target = walk(parentComps, true, name).resolve(base);
      String rel = relative(target);
      thisLayer.add(rel);
      int mode = e.getMode() & 07777;
      FileTime mtime = e.getLastModifiedTime();
      if (e.isDirectory()) {
        if (!replace(target, rel, true)) {
          Files.createDirectory(target);
        }
        // Owner write and search until finishDirectories(), so later entries can go inside without root.
        chmod(target, mode | 0700);
        dirs.put(rel, new DirMeta(mode, e.getLongUserId(), e.getLongGroupId(), mtime));
      } else if (e.isSymbolicLink()) {
        if (e.getLinkName().isEmpty()) {
          skip(name, "symlink without a target");
          return;
        }
        replace(target, rel, false);
        Files.createSymbolicLink(target, target.getFileSystem().getPath(e.getLinkName()));
        chown(target, e);
        setTime(target, mtime);
      } else if (e.isLink()) {
        hardLink(e, target, rel);
      } else if (e.isCharacterDevice() || e.isBlockDevice()) {
        if (!devices || !asRoot) {
          skip(name, "device " + e.getDevMajor() + ":" + e.getDevMinor() + " needs root and devices(true)");
          return;
        }
        replace(target, rel, false);
        exec("mknod", target.toString(), e.isCharacterDevice() ? "c" : "b",
            Integer.toString(e.getDevMajor()), Integer.toString(e.getDevMinor()));
        chown(target, e);
        chmod(target, mode);
      } else if (e.isFIFO()) {
        replace(target, rel, false);
        exec("mkfifo", target.toString());
        chown(target, e);
        chmod(target, mode);
      } else if (e.isFile()) {
        file(e, tar, target, rel);
        chown(target, e);
        chmod(target, mode);
        setTime(target, mtime);
      } else {
        skip(name, "unsupported tar entry type '" + (char) e.getLinkFlag() + "'");
      }
    }

    private void file(TarArchiveEntry e, InputStream tar, Path target, String rel) throws IOException {
      long size = e.getSize();
      if (size > limits.maxFileBytes()) {
        throw refuse(e.getName(), "file of " + size + " bytes exceeds the limit of " + limits.maxFileBytes());
      }
      if (bytes + size > limits.maxTotalBytes()) {
        throw refuse(e.getName(), "file of " + size + " bytes takes the layers beyond the limit of "
            + limits.maxTotalBytes() + " bytes");
      }
      replace(target, rel, false);
      // CREATE_NEW fails on any existing name, a dangling symlink included, so nothing is written through a link.
      try (FileChannel ch = FileChannel.open(
          target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
        int n;
        while ((n = tar.read(buffer)) >= 0) {
          ByteBuffer bb = ByteBuffer.wrap(buffer, 0, n);
          while (bb.hasRemaining()) {
            ch.write(bb);
          }
          bytes += n;
        }
      }
    }

    private void hardLink(TarArchiveEntry e, Path target, String rel) throws IOException {
      String name = e.getName();
      List<String> linkComps = components(e.getLinkName(), name);
      if (linkComps.isEmpty()) {
        throw refuse(name, "hard link to the root directory");
      }
      Path dir = walk(linkComps.subList(0, linkComps.size() - 1), false, name);
      Path existing = dir == null ? null : dir.resolve(linkComps.get(linkComps.size() - 1));
      BasicFileAttributes a = existing == null ? null : lstat(existing);
      if (a == null) {
        throw new IOException(label + ": hard link '" + name + "' points to '" + e.getLinkName()
            + "', which no earlier entry or layer created; the layer is incomplete");
      }
      if (a.isDirectory()) {
        throw refuse(name, "hard link to directory '" + e.getLinkName() + "'");
      }
      if (existing.equals(target)) {
        return;
      }
      replace(target, rel, false);
      Files.createLink(target, existing);
    }

    /**
     * Splits a tar name into components, dropping {@code .} and empty ones and applying {@code ..} lexically.
     */
    private List<String> components(String path, String entry) throws UnsafeArchiveException {
      if (path.startsWith("/")) {
        throw refuse(entry, "absolute path '" + path + "'");
      }
      List<String> out = new ArrayList<>();
      for (String c : path.split("/")) {
        if (c.isEmpty() || c.equals(".")) {
          continue;
        }
        if (c.equals("..")) {
          if (out.isEmpty()) {
            throw refuse(entry, "'" + path + "' climbs out of the root with '..'");
          }
          out.remove(out.size() - 1);
        } else {
          out.add(c);
        }
      }
      return out;
    }

    /**
     * The directory that {@code comps} names, resolved inside the root without letting the OS follow any symlink.
     * Missing directories are created when {@code create} is set, else null is returned.
     */
    private Path walk(List<String> comps, boolean create, String entry) throws IOException {
      Deque<String> todo = new ArrayDeque<>(comps);
      List<String> done = new ArrayList<>();
      Path cur = root;
      int hops = 0;
      while (!todo.isEmpty()) {
        String c = todo.removeFirst();
        Path p = cur.resolve(c);
        BasicFileAttributes a = lstat(p);
        if (a == null) {
          if (!create) {
            return null;
          }
          Files.createDirectory(p);
          chmod(p, 0755);
          thisLayer.add(relative(p));
        } else if (a.isSymbolicLink()) {
          if (++hops > MAX_SYMLINK_HOPS) {
            throw refuse(entry, "more than " + MAX_SYMLINK_HOPS + " symlinks on its path");
          }
          String link = Files.readSymbolicLink(p).toString();
          // An absolute target means the image's own root, as it will inside the container (chroot semantics,
          // as umoci and containerd resolve it): /var/run -> /run is common in real images.
          List<String> resolved = link.startsWith("/") ? new ArrayList<>() : new ArrayList<>(done);
          for (String t : link.split("/")) {
            if (t.isEmpty() || t.equals(".")) {
              continue;
            }
            if (t.equals("..")) {
              if (resolved.isEmpty()) {
                throw refuse(entry, "symlink '" + relative(p) + "' -> '" + link + "' leads outside the root");
              }
              resolved.remove(resolved.size() - 1);
            } else {
              resolved.add(t);
            }
          }
          for (int i = resolved.size() - 1; i >= 0; i--) {
            todo.addFirst(resolved.get(i));
          }
          done.clear();
          cur = root;
          continue;
        } else if (!a.isDirectory()) {
          throw new IOException(label + ": entry '" + entry + "' needs '" + relative(p)
              + "' to be a directory, but it is not; a layer that turns a file into a directory must say so with"
              + " a directory entry");
        }
        done.add(c);
        cur = p;
      }
      return cur;
    }

    /** Removes what is at {@code target} unless both it and the new entry are directories; true if kept. */
    private boolean replace(Path target, String rel, boolean directory) throws IOException {
      BasicFileAttributes a = lstat(target);
      if (a == null) {
        return false;
      }
      if (a.isDirectory() && directory) {
        return true;
      }
      delete(target, rel);
      return false;
    }

    /** Deletes everything below {@code dir} that this layer did not create: an opaque whiteout. */
    private void clearLower(Path dir, String rel) throws IOException {
      for (String name : FileSystemEntries.childNames(dir)) {
        Path child = dir.resolve(name);
        String childRel = rel.isEmpty() ? name : rel + "/" + name;
        if (!thisLayer.contains(childRel)) {
          delete(child, childRel);
        } else if (lstat(child).isDirectory()) {
          clearLower(child, childRel);
        }
      }
    }

    private void delete(Path target, String rel) throws IOException {
      dirs.subMap(rel + "/", rel + "0").clear();
      dirs.remove(rel);
      Trees.delete(target);
    }

    void finishDirectories() throws IOException {
      for (Map.Entry<String, DirMeta> d : dirs.descendingMap().entrySet()) {
        Path p = root.resolve(d.getKey());
        BasicFileAttributes a = lstat(p);
        if (a == null || !a.isDirectory()) {
          continue;
        }
        DirMeta m = d.getValue();
        if (chown) {
          Files.setAttribute(p, "unix:uid", (int) m.uid(), LinkOption.NOFOLLOW_LINKS);
          Files.setAttribute(p, "unix:gid", (int) m.gid(), LinkOption.NOFOLLOW_LINKS);
        }
        chmod(p, m.mode());
        setTime(p, m.mtime());
      }
    }

    private void chown(Path p, TarArchiveEntry e) throws IOException {
      if (chown) {
        Files.setAttribute(p, "unix:uid", (int) e.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", (int) e.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
      }
    }

    /** chmod(2) by path: the JDK's no-follow variant opens the file, which blocks on a FIFO. */
    private void chmod(Path p, int mode) throws IOException {
      Files.setAttribute(p, "unix:mode", mode);
    }

    private void setTime(Path p, FileTime mtime) throws IOException {
      Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
          .setTimes(mtime, null, null);
    }

    private void exec(String... command) throws IOException {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      try {
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!process.waitFor(1, TimeUnit.MINUTES) || process.exitValue() != 0) {
          throw new IOException(label + ": " + String.join(" ", command) + " failed: " + output);
        }
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new IOException(label + ": interrupted running " + command[0], ex);
      }
    }

    private void skip(String entry, String why) {
      skipped++;
      if (warnings.size() < MAX_WARNINGS) {
        warnings.add(label + ": skipped '" + entry + "': " + why);
      }
    }

    private UnsafeArchiveException refuse(String entry, String reason) {
      return new UnsafeArchiveException(label, entry, reason);
    }

    private String relative(Path p) {
      return root.relativize(p).toString();
    }
  }

  private static BasicFileAttributes lstat(Path p) throws IOException {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  static boolean runningAsRoot() {
    try {
      return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  /** Options for a {@link LayerExtractor}. Not thread-safe. */
  public static final class Builder {
    private ExtractionLimits limits = ExtractionLimits.DEFAULTS;
    private final boolean asRoot = runningAsRoot();
    private boolean chown = asRoot;
    private boolean devices;

    private Builder() {}

    public Builder limits(ExtractionLimits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /** Whether to set owners from the tar; on by default only when running as root, which it requires. */
    public Builder chown(boolean chown) {
      this.chown = chown;
      return this;
    }

    /** Whether to create character and block devices; off by default, and only possible as root. */
    public Builder devices(boolean devices) {
      this.devices = devices;
      return this;
    }

    public LayerExtractor build() {
      return new LayerExtractor(this);
    }
  }
}
