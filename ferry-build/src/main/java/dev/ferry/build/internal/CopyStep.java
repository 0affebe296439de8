package dev.ferry.build.internal;

import dev.ferry.build.BuildException;
import dev.ferry.build.dockerfile.ContextFiles;
import dev.ferry.build.dockerfile.DockerIgnore;
import dev.ferry.build.dockerfile.Heredoc;
import dev.ferry.oci.layer.LayerExtractor;
import dev.ferry.oci.layer.LayerSource;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * Lays out what one {@code COPY} or {@code ADD} brings into a staging directory, as the paths will be in the
 * container: each file, directory and symlink with its final mode and owner, under parents that copy the mode and
 * owner of the directories they stand for in the stage's root filesystem (symlinks on the destination's way are
 * followed there, so that {@code COPY x /bin/} onto a {@code /bin -> usr/bin} image lands in {@code /usr/bin}). The
 * staging directory is then written as the layer as is. Not thread-safe.
 *
 * <p>Semantics follow BuildKit: a directory source copies its contents; a destination ending in {@code /} or one
 * that is an existing directory receives files under their own names; several sources need such a destination;
 * context files become {@code 0:0} unless {@code --chown}; files from a stage keep their owner; {@code --chmod}
 * applies to everything copied; {@code ADD} extracts a local tar (plain, gzip, bzip2, xz or zstd) into the destination.
 */
public final class CopyStep {
  private final Path rootfs;
  private final Path staging;
  private final Optional<Users.Ids> chown;
  private final OptionalInt chmod;
  private final boolean fromContext;
  private DockerIgnore exclude = DockerIgnore.empty();
  private boolean parents;

  /**
   * @param rootfs the stage's root filesystem before the step (read, never written)
   * @param staging an empty directory to lay the copy out in
   * @param chown {@code --chown}, resolved
   * @param chmod {@code --chmod}, octal
   * @param fromContext whether sources come from the build context (owners reset to 0:0)
   */
  public CopyStep(Path rootfs, Path staging, Optional<Users.Ids> chown, OptionalInt chmod, boolean fromContext) {
    this.rootfs = rootfs;
    this.staging = staging;
    this.chown = chown;
    this.chmod = chmod;
    this.fromContext = fromContext;
  }

  /** {@code COPY --exclude} patterns ({@code .dockerignore} syntax); none by default. */
  public CopyStep excluding(DockerIgnore patterns) {
    this.exclude = patterns;
    return this;
  }

  /**
   * {@code COPY --parents}: each source keeps its path (from the source root, or from a {@code /./} in the source)
   * under the destination, which is then always a directory.
   */
  public CopyStep keepingParents(boolean keep) {
    this.parents = keep;
    return this;
  }

  /** Parses {@code --chmod}: octal digits only, as BuildKit accepts. */
  public static OptionalInt parseChmod(Optional<String> chmod) throws BuildException {
    if (chmod.isEmpty()) {
      return OptionalInt.empty();
    }
    String s = chmod.get();
    if (!s.matches("[0-7]{1,4}")) {
      throw new BuildException("--chmod expects an octal mode such as 755, got '" + s + "'");
    }
    return OptionalInt.of(Integer.parseInt(s, 8));
  }

  /**
   * Copies the sources into the staging area.
   *
   * @param files the source tree (the context or a stage's root filesystem)
   * @param sources the sources as written (expanded)
   * @param heredocs inline sources
   * @param destination the destination made absolute against the working directory, as written (a trailing slash
   *     kept)
   * @param extractArchives whether local tar archives are extracted ({@code ADD})
   */
  public void copy(ContextFiles files, Path sourceRoot, List<String> sources, List<Heredoc> heredocs,
      String destination, boolean extractArchives) throws IOException {
    boolean destDir = destination.endsWith("/") || parents;
    int count = heredocs.size();
    // each match with the part of its path that --parents keeps: all of it, or what follows a "/./" pivot
    record Match(ContextFiles.Entry entry, String kept) {}
    List<Match> matches = new ArrayList<>();
    for (String s : sources) {
      String pivot = pivotPrefix(s);
      for (ContextFiles.Entry e : files.resolve(s)) {
        if (excluded(e.path(), "")) {
          continue;
        }
        String path = e.path().equals(".") ? "" : e.path();
        matches.add(new Match(e, path.startsWith(pivot) ? path.substring(pivot.length()) : path));
        count++;
      }
    }
    if (count > 1 && !destDir) {
      throw new BuildException("when COPY has more than one source file, the destination must be a directory and end "
          + "with a /, got " + destination);
    }
    String dest = RootPaths.resolve(rootfs, destination, true);
    boolean intoDir = destDir || Files.isDirectory(RootPaths.host(rootfs, dest));

    for (Match m : matches) {
      ContextFiles.Entry e = m.entry();
      Path src = e.path().equals(".") ? sourceRoot : sourceRoot.resolve(e.path());
      if (parents && !m.kept().isEmpty()) {
        // --parents: the kept path's directories come along, with their own modes, then the entry itself
        Path base = ensureParents(dest);
        String sourcePrefix = e.path().substring(0, e.path().length() - m.kept().length());
        String[] parts = m.kept().split("/");
        String rel = "";
        for (int i = 0; i < parts.length - 1; i++) {
          rel = rel.isEmpty() ? parts[i] : rel + "/" + parts[i];
          if (!Files.isDirectory(base.resolve(rel), LinkOption.NOFOLLOW_LINKS)) {
            place(sourceRoot.resolve(sourcePrefix + rel), base.resolve(rel), ContextFiles.Kind.DIRECTORY);
          }
        }
        place(src, base.resolve(m.kept()), e.kind());
        if (e.kind() == ContextFiles.Kind.DIRECTORY) {
          copyTree(files, sourceRoot, e, base.resolve(m.kept()));
        }
      } else if (e.kind() == ContextFiles.Kind.DIRECTORY) {
        boolean existed = Files.isDirectory(RootPaths.host(rootfs, dest), LinkOption.NOFOLLOW_LINKS);
        Path target = ensureParents(dest);
        if (!existed) {
          // a destination the copy creates is made as by mkdir -p, owned by --chown (BuildKit's CreateDestPath)
          setOwnerAndMode(target, chown.orElse(new Users.Ids(0, 0)), 0755, false);
        }
        copyTree(files, sourceRoot, e, target);
      } else if (extractArchives && e.kind() == ContextFiles.Kind.FILE && isArchive(src)) {
        Path target = ensureParents(dest);
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectories(target);
        }
        try (InputStream in = tarStream(src)) {
          LayerExtractor.builder().build().extract(List.of(LayerSource.of(in)), target);
        }
      } else {
        String name = Path.of(e.path()).getFileName().toString();
        String to = intoDir ? dest + "/" + name : dest;
        place(src, ensureParents(parent(to)).resolve(leaf(to)), e.kind());
      }
    }
    for (Heredoc h : heredocs) {
      String to = intoDir ? dest + "/" + h.name() : dest;
      Path t = ensureParents(parent(to)).resolve(leaf(to));
      Files.writeString(t, h.content(), StandardCharsets.UTF_8);
      setOwnerAndMode(t, chown.orElse(new Users.Ids(0, 0)), chmod.orElse(0644), false);
    }
  }

  /** Copies what directory {@code dir} holds (not itself) to {@code target}, leaving out what --exclude names. */
  private void copyTree(ContextFiles files, Path sourceRoot, ContextFiles.Entry dir, Path target) throws IOException {
    String prefix = dir.path().equals(".") ? "" : dir.path() + "/";
    for (ContextFiles.Entry child : files.walk(dir)) {
      if (child.path().equals(dir.path())) {
        continue;
      }
      String rel = child.path().substring(prefix.length());
      if (excluded(child.path(), rel)) {
        continue;
      }
      place(sourceRoot.resolve(child.path()), target.resolve(rel), child.kind());
    }
  }

  /**
   * Whether {@code --exclude} leaves a path out: its patterns match the path relative to the source root (the
   * context or the stage) or, inside a copied directory, relative to that directory ({@code *.pyc} in
   * {@code COPY src /app/} leaves out {@code src/a.pyc}). A pattern that matches a directory leaves out what it holds.
   */
  private boolean excluded(String path, String withinCopiedDir) {
    if (exclude.rules().isEmpty()) {
      return false;
    }
    return exclude.matches(path, false) || (!withinCopiedDir.isEmpty() && exclude.matches(withinCopiedDir, false));
  }

  /** For {@code --parents}: the part of a source before a {@code /./} pivot, as a context path prefix ("" if none). */
  static String pivotPrefix(String source) {
    String s = source.startsWith("./") ? source.substring(2) : source;
    while (s.startsWith("/")) {
      s = s.substring(1);
    }
    int i = s.indexOf("/./");
    if (i < 0) {
      return "";
    }
    String before = s.substring(0, i);
    before = before.replaceAll("/+$", "");
    return before.isEmpty() || before.equals(".") ? "" : before + "/";
  }

  /** Creates container directory {@code abs} (resolved) in staging, owned by {@code owner}, mode 0755 (WORKDIR). */
  public void mkdirs(String abs, Users.Ids owner) throws IOException {
    String parent = abs.lastIndexOf('/') <= 0 ? "/" : abs.substring(0, abs.lastIndexOf('/'));
    Path dir = ensureParents(parent).resolve(abs.substring(abs.lastIndexOf('/') + 1));
    Files.createDirectories(dir);
    setOwnerAndMode(dir, owner, 0755, false);
  }

  /**
   * A digest of everything the sources bring (paths, kinds, modes, contents, link targets), for the step's cache
   * key; what {@code .dockerignore} excludes does not count.
   */
  public static String contentHash(ContextFiles files, Path sourceRoot, List<String> sources) throws IOException {
    MessageDigest md = sha256();
    for (String s : sources) {
      md.update(("source " + s + "\n").getBytes(StandardCharsets.UTF_8));
      for (ContextFiles.Entry e : files.resolve(s)) {
        List<ContextFiles.Entry> all = e.kind() == ContextFiles.Kind.DIRECTORY ? files.walk(e) : List.of(e);
        for (ContextFiles.Entry c : all) {
          Path p = c.path().equals(".") ? sourceRoot : sourceRoot.resolve(c.path());
          int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
          md.update((c.path() + " " + c.kind() + " " + Integer.toOctalString(mode) + "\n")
              .getBytes(StandardCharsets.UTF_8));
          if (c.kind() == ContextFiles.Kind.FILE) {
            try (InputStream in = Files.newInputStream(p)) {
              byte[] buf = new byte[1 << 16];
              int n;
              while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
              }
            }
          } else if (c.kind() == ContextFiles.Kind.SYMLINK) {
            md.update(Files.readSymbolicLink(p).toString().getBytes(StandardCharsets.UTF_8));
          }
        }
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
  }

  private static String parent(String abs) {
    int i = abs.lastIndexOf('/');
    return i <= 0 ? "/" : abs.substring(0, i);
  }

  private static String leaf(String abs) {
    return abs.substring(abs.lastIndexOf('/') + 1);
  }

  /**
   * The staging directory for container directory {@code abs} (resolved), created with every parent as the root
   * filesystem has it (mode, owner), or 0755 root for directories it lacks. Symlinks in the root filesystem on the
   * way are followed.
   */
  private Path ensureParents(String abs) throws IOException {
    String resolved = RootPaths.resolve(rootfs, abs, true);
    Path cur = staging;
    String container = "";
    for (String c : RootPaths.split(resolved)) {
      container = container + "/" + c;
      cur = cur.resolve(c);
      if (!Files.exists(cur, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(cur);
        Path inRoot = RootPaths.host(rootfs, container);
        if (Files.isDirectory(inRoot, LinkOption.NOFOLLOW_LINKS)) {
          int mode = (Integer) Files.getAttribute(inRoot, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
          int uid = (Integer) Files.getAttribute(inRoot, "unix:uid", LinkOption.NOFOLLOW_LINKS);
          int gid = (Integer) Files.getAttribute(inRoot, "unix:gid", LinkOption.NOFOLLOW_LINKS);
          setOwnerAndMode(cur, new Users.Ids(uid, gid), mode, false);
        } else {
          setOwnerAndMode(cur, new Users.Ids(0, 0), 0755, false);
        }
      }
    }
    return cur;
  }

  /** Copies one source object to {@code target} in staging, with the step's owner and mode rules. */
  private void place(Path src, Path target, ContextFiles.Kind kind) throws IOException {
    int srcMode = (Integer) Files.getAttribute(src, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    Users.Ids owner = chown.orElse(fromContext ? new Users.Ids(0, 0) : new Users.Ids(
        (Integer) Files.getAttribute(src, "unix:uid", LinkOption.NOFOLLOW_LINKS),
        (Integer) Files.getAttribute(src, "unix:gid", LinkOption.NOFOLLOW_LINKS)));
    int mode = chmod.orElse(srcMode);
    switch (kind) {
      case DIRECTORY -> {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
          Files.delete(target);
        }
        Files.createDirectories(target);
        setOwnerAndMode(target, owner, mode, false);
      }
      case FILE -> {
        Files.copy(src, target, StandardCopyOption.REPLACE_EXISTING);
        setOwnerAndMode(target, owner, mode, false);
        Files.setLastModifiedTime(target, Files.getLastModifiedTime(src, LinkOption.NOFOLLOW_LINKS));
      }
      case SYMLINK -> {
        Files.deleteIfExists(target);
        Files.createSymbolicLink(target, Files.readSymbolicLink(src));
        setOwnerAndMode(target, owner, mode, true);
      }
      case OTHER -> {
        // sockets, FIFOs and devices are not copied, as BuildKit's context transfer skips them
      }
    }
  }

  private static void setOwnerAndMode(Path p, Users.Ids owner, int mode, boolean link) throws IOException {
    Files.setAttribute(p, "unix:uid", (int) owner.uid(), LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(p, "unix:gid", (int) owner.gid(), LinkOption.NOFOLLOW_LINKS);
    if (!link) {
      // after chown, which clears set-id bits
      Files.setAttribute(p, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
    }
  }

  /** Whether {@code file} is a tar archive: plain, or compressed with gzip, bzip2, xz or zstd (as BuildKit takes). */
  static boolean isArchive(Path file) throws IOException {
    byte[] head = new byte[512];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    }
    if (n >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
        && (head[3] & 0xff) == 0xfd) {
      return true;
    }
    if (isGzip(head, n) || isBzip2(head, n) || isXz(head, n)) {
      try (InputStream in = tarStream(file)) {
        byte[] inner = in.readNBytes(512);
        return isUstar(inner, inner.length);
      } catch (IOException e) {
        return false;
      }
    }
    return isUstar(head, n);
  }

  private static boolean isGzip(byte[] b, int n) {
    return n >= 2 && (b[0] & 0xff) == 0x1f && (b[1] & 0xff) == 0x8b;
  }

  private static boolean isBzip2(byte[] b, int n) {
    return n >= 4 && b[0] == 'B' && b[1] == 'Z' && b[2] == 'h' && b[3] >= '1' && b[3] <= '9';
  }

  private static boolean isXz(byte[] b, int n) {
    return n >= 6 && (b[0] & 0xff) == 0xfd && b[1] == '7' && b[2] == 'z' && b[3] == 'X' && b[4] == 'Z' && b[5] == 0;
  }

  /**
   * The archive's tar stream: gzip, bzip2 and xz decompressed here; zstd and plain tar as they are, since the layer
   * extractor detects those itself.
   */
  static InputStream tarStream(Path file) throws IOException {
    byte[] head = new byte[6];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    }
    InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    try {
      if (isGzip(head, n)) {
        return new GZIPInputStream(raw, 1 << 16);
      }
      if (isBzip2(head, n)) {
        return new BZip2CompressorInputStream(raw, true);
      }
      if (isXz(head, n)) {
        return new XZInputStream(raw);
      }
      return raw;
    } catch (IOException | RuntimeException e) {
      raw.close();
      throw e;
    }
  }

  private static boolean isUstar(byte[] b, int n) {
    return n >= 262 && new String(b, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
  }
}
