package dev.ferry.oci.archive;

import com.github.luben.zstd.ZstdInputStream;
import dev.ferry.oci.MediaType.Compression;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * A tar archive read once, front to back, from a file or a pipe; a gzip- or zstd-compressed tar is decompressed on
 * the fly. Hands out entries with safe, normalised names and turns every low-level failure into a {@link
 * CorruptArchiveException} naming the entry. Not thread-safe.
 */
final class ArchiveInput implements Closeable {
  /** Read-ahead under the tar reader; large reads keep syscalls few on multi-GiB archives. */
  private static final int READ_BUFFER = 1 << 20;
  /** How often progress is reported. */
  private static final long PROGRESS_STEP = 4L << 20;

  private final String label;
  private final Counting counting;
  private final TarArchiveInputStream tar;
  private String lastEntry = "";

  private ArchiveInput(String label, Counting counting, InputStream decompressed) {
    this.label = label;
    this.counting = counting;
    this.tar = new TarArchiveInputStream(decompressed);
  }

  static ArchiveInput open(Path file, LongConsumer progress) throws IOException {
    return of(Files.newInputStream(file), file.toString(), progress, true);
  }

  /** Reads {@code in}; closes it only if {@code owned}. */
  static ArchiveInput of(InputStream in, String label, LongConsumer progress, boolean owned) throws IOException {
    Counting c = new Counting(in, progress, owned);
    BufferedInputStream b = new BufferedInputStream(c, READ_BUFFER);
    InputStream d =
        switch (sniff(b)) {
          case GZIP -> new BufferedInputStream(new GZIPInputStream(b, 1 << 16), 1 << 16);
          case ZSTD -> new BufferedInputStream(new ZstdInputStream(b), 1 << 16);
          case NONE -> b;
        };
    return new ArchiveInput(label, c, d);
  }

  /** The compression of a stream that supports mark/reset, by its magic bytes; the stream is left unmoved. */
  static Compression sniff(InputStream in) throws IOException {
    in.mark(4);
    byte[] m = in.readNBytes(4);
    in.reset();
    return compression(m, m.length);
  }

  /** The compression whose magic bytes start {@code head}. */
  static Compression compression(byte[] head, int length) {
    if (length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
      return Compression.GZIP;
    }
    if (length >= 4
        && (head[0] & 0xff) == 0x28
        && (head[1] & 0xff) == 0xb5
        && (head[2] & 0xff) == 0x2f
        && (head[3] & 0xff) == 0xfd) {
      return Compression.ZSTD;
    }
    return Compression.NONE;
  }

  /** A tar entry with its checked name. */
  record Entry(String name, TarArchiveEntry tar) {}

  /** The next entry, or null at the end of the archive. */
  Entry next() throws IOException {
    TarArchiveEntry e;
    try {
      e = tar.getNextEntry();
    } catch (IOException | RuntimeException ex) {
      throw corrupt(lastEntry.isEmpty() ? "(first entry)" : "(after " + lastEntry + ")", ex);
    }
    if (e == null) {
      counting.report();
      return null;
    }
    String name = safeName(e.getName());
    lastEntry = name;
    if (e.isSymbolicLink() || e.isLink()) {
      // Resolve now so that a link leaving the archive is refused like a bad name.
      linkTarget(name, e);
    }
    return new Entry(name, e);
  }

  /** The current entry's content; reading it past the end returns -1. */
  InputStream content() {
    return tar;
  }

  /** Reads the current entry whole; for small entries only. */
  byte[] readAll(Entry e) throws IOException {
    try {
      byte[] b = tar.readNBytes((int) e.tar().getSize());
      if (b.length != e.tar().getSize()) {
        throw new IOException("expected " + e.tar().getSize() + " bytes, got " + b.length);
      }
      return b;
    } catch (IOException | RuntimeException ex) {
      throw corrupt(e.name(), ex);
    }
  }

  /** The archive path a link entry points to, resolved against the archive root. */
  String linkTarget(String name, TarArchiveEntry e) throws IOException {
    String target = e.getLinkName();
    String resolved;
    if (e.isLink()) {
      resolved = normalize(target); // hard links name archive paths
    } else {
      int slash = name.lastIndexOf('/');
      resolved = normalize(target.startsWith("/") ? target : (slash < 0 ? "" : name.substring(0, slash + 1)) + target);
    }
    if (resolved == null || target.startsWith("/")) {
      throw new CorruptArchiveException(
          label,
          name,
          "archive " + label + " has a link '" + name + "' -> '" + target + "' that leaves the archive; refusing it");
    }
    return resolved;
  }

  CorruptArchiveException corrupt(String entry, Throwable cause) {
    if (cause instanceof CorruptArchiveException c) {
      return c;
    }
    return new CorruptArchiveException(
        label,
        entry,
        "archive " + label + " is truncated or corrupt at entry " + entry + ": " + cause.getMessage(),
        cause);
  }

  CorruptArchiveException invalid(String entry, String message) {
    return new CorruptArchiveException(label, entry, "archive " + label + ": " + message);
  }

  String label() {
    return label;
  }

  long bytesRead() {
    return counting.count;
  }

  private String safeName(String raw) throws CorruptArchiveException {
    // Any ".." is refused, even one that stays inside: no well-formed archive writer emits one in a name.
    boolean climbs = java.util.Arrays.asList(raw.split("/")).contains("..");
    String n = raw.startsWith("/") || climbs ? null : normalize(raw);
    if (n == null || raw.indexOf('\0') >= 0 || raw.contains("\\")) {
      throw new CorruptArchiveException(
          label,
          raw,
          "archive " + label + " has an unsafe entry name '" + raw + "' (absolute, or leaving the archive root); refusing it");
    }
    return n;
  }

  /** Collapses {@code .}, {@code ..} and repeated slashes; null if the path climbs above the root. */
  static String normalize(String path) {
    List<String> out = new ArrayList<>();
    for (String seg : path.split("/")) {
      if (seg.isEmpty() || seg.equals(".")) {
        continue;
      }
      if (seg.equals("..")) {
        if (out.isEmpty()) {
          return null;
        }
        out.remove(out.size() - 1);
        continue;
      }
      out.add(seg);
    }
    return String.join("/", out);
  }

  @Override
  public void close() throws IOException {
    tar.close();
  }

  /** Counts raw archive bytes and reports progress; shields the caller's stream from close unless owned. */
  private static final class Counting extends FilterInputStream {
    private final LongConsumer progress;
    private final boolean owned;
    long count;
    private long nextReport = PROGRESS_STEP;

    Counting(InputStream in, LongConsumer progress, boolean owned) {
      super(in);
      this.progress = progress;
      this.owned = owned;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        advance(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        advance(n);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long s = in.skip(n);
      if (s > 0) {
        advance(s);
      }
      return s;
    }

    private void advance(long n) {
      count += n;
      if (count >= nextReport) {
        nextReport = count + PROGRESS_STEP;
        progress.accept(count);
      }
    }

    void report() {
      progress.accept(count);
    }

    @Override
    public void close() throws IOException {
      if (owned) {
        in.close();
      }
    }
  }
}
