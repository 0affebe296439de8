package dev.ferry.oci.layer;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.github.luben.zstd.ZstdInputStream;
import dev.ferry.oci.Digest;
import dev.ferry.oci.MediaType.Compression;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Test fixtures for layer tars and directory trees. Stateless. */
final class Layers {
  private Layers() {}

  /** A tar entry as read back by commons-compress, with its content. */
  record Read(TarArchiveEntry entry, byte[] content) {
    String name() {
      return entry.getName();
    }
  }

  static byte[] decompress(byte[] blob, Compression c) throws IOException {
    InputStream in = new ByteArrayInputStream(blob);
    in = switch (c) {
      case NONE -> in;
      case GZIP -> new GZIPInputStream(in);
      case ZSTD -> new ZstdInputStream(in);
    };
    return in.readAllBytes();
  }

  static List<Read> read(byte[] tar) throws IOException {
    List<Read> out = new ArrayList<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar), "UTF-8")) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        out.add(new Read(e, in.readAllBytes()));
      }
    }
    return out;
  }

  interface TarBody {
    void write(TarArchiveOutputStream out) throws IOException;
  }

  /** A hand-made tar, for layers Ferry's own writer would refuse to produce. */
  static byte[] tar(TarBody body) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes, "UTF-8")) {
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      body.write(out);
    }
    return bytes.toByteArray();
  }

  static void file(TarArchiveOutputStream out, String name, byte[] content) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    e.setSize(content.length);
    out.putArchiveEntry(e);
    out.write(content);
    out.closeArchiveEntry();
  }

  static void link(TarArchiveOutputStream out, String name, String target, byte type) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    e.setLinkName(target);
    out.putArchiveEntry(e);
    out.closeArchiveEntry();
  }

  static void dir(TarArchiveOutputStream out, String name) throws IOException {
    out.putArchiveEntry(new TarArchiveEntry(name.endsWith("/") ? name : name + "/", true));
    out.closeArchiveEntry();
  }

  static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  static void write(Path file, String content) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  static void setMtime(Path p, long seconds) throws IOException {
    Files.getFileAttributeView(p, java.nio.file.attribute.BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
        .setTimes(FileTime.from(java.time.Instant.ofEpochSecond(seconds, 123_456_789)), null, null);
  }

  static void run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IOException("failed: " + String.join(" ", command));
    }
  }

  /**
   * Every path below {@code root} described by type, mode, owner, mtime seconds and content digest, link target
   * or inode group, so that two trees compare with one {@code equals}.
   */
  static Map<String, String> describe(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    Map<Long, String> firstByInode = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted().toList()) {
        if (p.equals(root)) {
          continue;
        }
        Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        String rel = root.relativize(p).toString();
        StringBuilder d = new StringBuilder()
            .append(Integer.toOctalString(mode)).append(' ')
            .append(a.get("uid")).append(':').append(a.get("gid"));
        if (Files.isSymbolicLink(p)) {
          d.append(" -> ").append(Files.readSymbolicLink(p));
        } else {
          d.append(" t=").append(((FileTime) a.get("lastModifiedTime")).toInstant().getEpochSecond());
        }
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          d.append(' ').append(Digest.sha256(Files.readAllBytes(p)).shortHex());
          if ((Integer) a.get("nlink") > 1) {
            String first = firstByInode.putIfAbsent((Long) a.get("ino"), rel);
            d.append(" linked-with=").append(first == null ? rel : first);
          }
        }
        out.put(rel, d.toString());
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return out;
  }
}
