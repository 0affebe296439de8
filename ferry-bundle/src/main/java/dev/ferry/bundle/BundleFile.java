package dev.ferry.bundle;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A bundle on disk: one file or split parts ({@code NAME.000}, …), plain or zstd-compressed. It checks the parts
 * before anything is read (a gap in the numbering, or a part shorter than the first while not the last, is named)
 * and gives the tar as one sequential stream, or — for a plain tar — positional reads at any offset, for parallel
 * pushes and serving. Thread-safe for positional reads.
 */
public final class BundleFile implements AutoCloseable {
  /** Split sizes are whole multiples of this, so that a cut part can be told from a full one. */
  public static final long PART_UNIT = 1 << 20;
  private static final byte[] ZSTD_MAGIC = {(byte) 0x28, (byte) 0xB5, (byte) 0x2F, (byte) 0xFD};

  private final Path path;
  private final List<Path> parts;
  private final long[] starts;
  private final FileChannel[] channels;
  private final long size;
  private final boolean zstd;
  private final boolean split;

  private BundleFile(Path path, List<Path> parts, boolean split) throws IOException {
    this.path = path;
    this.split = split;
    this.parts = List.copyOf(parts);
    this.starts = new long[parts.size()];
    this.channels = new FileChannel[parts.size()];
    long at = 0;
    for (int i = 0; i < parts.size(); i++) {
      starts[i] = at;
      channels[i] = FileChannel.open(parts.get(i), StandardOpenOption.READ);
      at += channels[i].size();
    }
    this.size = at;
    byte[] head = new byte[4];
    ByteBuffer b = ByteBuffer.wrap(head);
    if (size >= 4) {
      readFully(0, b);
    }
    this.zstd = java.util.Arrays.equals(head, ZSTD_MAGIC);
  }

  /**
   * Opens {@code path}: the file itself, or its parts {@code path.000}, … when it does not exist ({@code path} may
   * also name part {@code .000}).
   *
   * @throws BundleException naming a missing or truncated part
   */
  public static BundleFile open(Path path) throws IOException {
    Path base = path;
    String n = path.getFileName().toString();
    if (!Files.exists(path) || n.matches(".*\\.\\d{3}")) {
      if (n.matches(".*\\.\\d{3}")) {
        base = path.resolveSibling(n.substring(0, n.length() - 4));
      }
      if (!Files.exists(BundleFormat.part(base, 0))) {
        throw new java.nio.file.NoSuchFileException(path + " (no such bundle, and no split part " + BundleFormat.part(base, 0).getFileName() + ")");
      }
      List<Path> parts = new ArrayList<>();
      for (int i = 0; Files.exists(BundleFormat.part(base, i)); i++) {
        parts.add(BundleFormat.part(base, i));
      }
      try (var s = Files.list(base.toAbsolutePath().getParent())) {
        String prefix = base.getFileName() + ".";
        int count = parts.size();
        List<String> later = s.map(p -> p.getFileName().toString())
            .filter(f -> f.startsWith(prefix) && f.substring(prefix.length()).matches("\\d{3}"))
            .filter(f -> Integer.parseInt(f.substring(prefix.length())) > count).sorted().toList();
        if (!later.isEmpty()) {
          throw new BundleException("split part " + BundleFormat.part(base, count).getFileName() + " is missing (" + later.get(0)
              + " exists); copy every part of " + base.getFileName() + " next to each other");
        }
      }
      // Pack writes every part but the last at the split size, a whole number of MiB; a part before the last that
      // is shorter than another, or not whole MiB, was cut in copying.
      long full = 0;
      for (Path p : parts) {
        full = Math.max(full, Files.size(p));
      }
      for (int i = 0; i < parts.size() - 1; i++) {
        if (Files.size(parts.get(i)) < full || Files.size(parts.get(i)) % PART_UNIT != 0) {
          throw new BundleException("split part " + parts.get(i).getFileName() + " is truncated (" + Files.size(parts.get(i))
              + " of " + full + " bytes); copy it again");
        }
      }
      return new BundleFile(base, parts, true);
    }
    return new BundleFile(path, List.of(path), false);
  }

  /** The bundle's name as given (without a part suffix). */
  public Path path() {
    return path;
  }

  /** Whether it was opened from numbered split parts. */
  public boolean split() {
    return split;
  }

  public List<Path> parts() {
    return parts;
  }

  /** Whether the tar is zstd-compressed (then only sequential reading is possible). */
  public boolean compressed() {
    return zstd;
  }

  /** Size on disk of all parts together. */
  public long size() {
    return size;
  }

  /** The tar, decompressed, front to back. The stream is the caller's to close. */
  public InputStream tarStream() throws IOException {
    InputStream raw = new BufferedInputStream(new RangeStream(0, size), 1 << 20);
    return zstd ? new BufferedInputStream(new ZstdInputStream(raw), 1 << 20) : raw;
  }

  /** {@code length} bytes of the (plain) tar at {@code offset}. */
  public InputStream range(long offset, long length) {
    if (zstd) {
      throw new IllegalStateException("a compressed bundle has no random access");
    }
    return new RangeStream(offset, length);
  }

  /** Which part holds byte {@code offset} of the whole. */
  Path partAt(long offset) {
    for (int i = starts.length - 1; i >= 0; i--) {
      if (offset >= starts[i]) {
        return parts.get(i);
      }
    }
    return parts.get(0);
  }

  private int readAt(long position, ByteBuffer dst) throws IOException {
    int i = starts.length - 1;
    while (i > 0 && position < starts[i]) {
      i--;
    }
    long local = position - starts[i];
    if (local >= channels[i].size()) {
      return -1;
    }
    int limit = dst.limit();
    long avail = channels[i].size() - local;
    if (dst.remaining() > avail) {
      dst.limit(dst.position() + (int) avail);
    }
    try {
      return channels[i].read(dst, local);
    } finally {
      dst.limit(limit);
    }
  }

  private void readFully(long position, ByteBuffer dst) throws IOException {
    while (dst.hasRemaining()) {
      int n = readAt(position, dst);
      if (n < 0) {
        throw new EOFException();
      }
      position += n;
    }
  }

  @Override
  public void close() throws IOException {
    for (FileChannel c : channels) {
      c.close();
    }
  }

  /** Positional reads over the parts; ends early (EOF) only where the parts end. */
  private final class RangeStream extends InputStream {
    private long position;
    private final long end;

    RangeStream(long offset, long length) {
      this.position = offset;
      this.end = offset + length;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (position >= end) {
        return -1;
      }
      ByteBuffer dst = ByteBuffer.wrap(b, off, (int) Math.min(len, end - position));
      int n = readAt(position, dst);
      if (n > 0) {
        position += n;
      }
      return n;
    }

    @Override
    public long skip(long n) {
      long s = Math.min(n, end - position);
      position += s;
      return s;
    }
  }
}
