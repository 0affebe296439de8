package dev.ferry.oci.archive;

import com.github.luben.zstd.ZstdInputStream;
import dev.ferry.oci.MediaType.Compression;
import dev.ferry.oci.store.OciStore;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarFile;
import dev.ferry.oci.Nullable;

/**
 * A tar archive read once, front to back, from a file or a pipe; a gzip- or zstd-compressed tar is decompressed on
 * the fly. Hands out entries with safe, normalised names and turns every low-level failure into a {@link
 * CorruptArchiveException} naming the entry. Not thread-safe.
 *
 * <p>An uncompressed tar in a regular file is read with random access instead: the headers are walked first
 * ({@link TarFile}, which seeks over the data), and each entry's data can then be copied by the kernel straight
 * from its place in the file ({@link #dataRange}), never passing through the JVM. Entries still come in archive
 * order, with the same names and checks.
 */
final class ArchiveInput implements Closeable {
  /** Read-ahead under the tar reader; large reads keep syscalls few on multi-GiB archives. */
  private static final int READ_BUFFER = 1 << 20;
  /** How often progress is reported. */
  private static final long PROGRESS_STEP = 4L << 20;
  /** Progress is reported after every this many bytes of an entry copied by the kernel. */
  private static final long TRANSFER_PROGRESS_STEP = 64L << 20;

  private final String label;
  private final LongConsumer progress;
  // Sequential mode: a stream.
  private final @Nullable Counting counting;
  private final @Nullable TarArchiveInputStream tar;
  // Random-access mode: a file.
  private final @Nullable FileChannel channel;
  private final @Nullable TarFile tarFile;
  private final @Nullable Iterator<TarArchiveEntry> entries;
  private @Nullable TarArchiveEntry current;
  private @Nullable InputStream currentContent;
  private long position;
  private String lastEntry = "";

  private ArchiveInput(String label, Counting counting, InputStream decompressed) {
    this.label = label;
    this.progress = counting.progress;
    this.counting = counting;
    this.tar = new TarArchiveInputStream(decompressed);
    this.channel = null;
    this.tarFile = null;
    this.entries = null;
  }

  private ArchiveInput(String label, LongConsumer progress, FileChannel channel, TarFile tarFile) {
    this.label = label;
    this.progress = progress;
    this.counting = null;
    this.tar = null;
    this.channel = channel;
    this.tarFile = tarFile;
    this.entries = tarFile.getEntries().iterator();
  }

  static ArchiveInput open(Path file, LongConsumer progress) throws IOException {
    if (Files.isRegularFile(file)) {
      FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
      try {
        ByteBuffer head = ByteBuffer.allocate(4);
        while (head.hasRemaining() && ch.read(head, head.position()) > 0) {}
        if (compression(head.array(), head.position()) == Compression.NONE && head.position() > 0) {
          TarFile tf = null;
          try {
            tf = new TarFile(new Unclosable(ch));
          } catch (IOException | RuntimeException ex) {
            // A broken header: read it sequentially below, which names the entry where the archive breaks.
          }
          if (tf != null) {
            return new ArchiveInput(file.toString(), progress, ch, tf);
          }
        }
      } catch (IOException | RuntimeException ex) {
        ch.close();
        throw ex;
      }
      ch.close();
    }
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
  @Nullable Entry next() throws IOException {
    TarArchiveEntry e;
    if (entries != null) {
      e = nextFromFile();
      if (e == null) {
        progress.accept(position);
        return null;
      }
    } else {
      try {
        e = tar.getNextEntry();
      } catch (IOException | RuntimeException ex) {
        throw corrupt(lastEntry.isEmpty() ? "(first entry)" : "(after " + lastEntry + ")", ex);
      }
      if (e == null) {
        counting.report();
        return null;
      }
    }
    String name = safeName(e.getName());
    lastEntry = name;
    if (e.isSymbolicLink() || e.isLink()) {
      // Resolve now so that a link leaving the archive is refused like a bad name.
      linkTarget(name, e);
    }
    return new Entry(name, e);
  }

  private @Nullable TarArchiveEntry nextFromFile() throws IOException {
    if (currentContent != null) {
      currentContent.close();
      currentContent = null;
    }
    if (current != null) {
      position = current.getDataOffset() + current.getSize();
      progress.accept(position);
    }
    if (!entries.hasNext()) {
      current = null;
      position = channel.size(); // the end-of-archive blocks and padding count as read, as when streaming
      return null;
    }
    TarArchiveEntry e = entries.next();
    long end = e.getDataOffset() + e.getSize();
    if (e.getDataOffset() < 0 || end > channel.size()) {
      // The header walk stops quietly at a short header; data cut short is found here, before anything is read.
      throw corrupt(
          e.getName(),
          new EOFException("entry data ends at byte " + end + " but the archive has only " + channel.size() + " bytes"));
    }
    current = e;
    return e;
  }

  /** The current entry's content; reading it past the end returns -1. */
  InputStream content() throws IOException {
    if (tarFile == null) {
      return tar;
    }
    if (currentContent == null) {
      currentContent = tarFile.getInputStream(current);
    }
    return currentContent;
  }

  /**
   * Where the current entry's bytes lie in the archive file, for a plain regular entry of an archive read with
   * random access; empty otherwise (then read {@link #content()}).
   */
  Optional<DataRange> dataRange(Entry e) {
    TarArchiveEntry t = e.tar();
    if (channel == null || t != current || t.isSparse() || !t.isFile()) {
      return Optional.empty();
    }
    return Optional.of(new DataRange(channel, t.getDataOffset(), t.getSize()));
  }

  /** {@code length} bytes of {@code file} from {@code offset}. */
  record DataRange(FileChannel file, long offset, long length) {}

  /**
   * Stores the current entry's bytes after the first {@code skip} into {@code w} with a kernel copy ({@link
   * OciStore.BlobWriter#transferFrom}), in slices so that progress moves; false (nothing done) when the entry has
   * no {@link #dataRange}, so the caller streams {@link #content()} instead.
   */
  boolean transferTo(Entry e, long skip, OciStore.BlobWriter w) throws IOException {
    Optional<DataRange> range = dataRange(e);
    if (range.isEmpty()) {
      return false;
    }
    DataRange r = range.get();
    for (long at = skip; at < r.length(); ) {
      long n = Math.min(TRANSFER_PROGRESS_STEP, r.length() - at);
      try {
        w.transferFrom(r.file(), r.offset() + at, n);
      } catch (EOFException ex) {
        throw corrupt(e.name(), ex);
      }
      at += n;
      progress.accept(r.offset() + at);
    }
    return true;
  }

  /** Reads the current entry whole; for small entries only. */
  byte[] readAll(Entry e) throws IOException {
    try {
      byte[] b = content().readNBytes((int) e.tar().getSize());
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
    return counting != null ? counting.count : position;
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
    if (tar != null) {
      tar.close();
    } else {
      try {
        tarFile.close();
      } finally {
        channel.close();
      }
    }
  }

  /**
   * Lets {@link TarFile} read the channel without closing it: the archive's own channel stays open for {@link
   * #dataRange} copies until this input is closed.
   */
  private static final class Unclosable implements SeekableByteChannel {
    private final FileChannel ch;

    Unclosable(FileChannel ch) {
      this.ch = ch;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return ch.read(dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      throw new java.nio.channels.NonWritableChannelException();
    }

    @Override
    public long position() throws IOException {
      return ch.position();
    }

    @Override
    public SeekableByteChannel position(long p) throws IOException {
      ch.position(p);
      return this;
    }

    @Override
    public long size() throws IOException {
      return ch.size();
    }

    @Override
    public SeekableByteChannel truncate(long size) {
      throw new java.nio.channels.NonWritableChannelException();
    }

    @Override
    public boolean isOpen() {
      return ch.isOpen();
    }

    @Override
    public void close() {}
  }

  /** Counts raw archive bytes and reports progress; shields the caller's stream from close unless owned. */
  private static final class Counting extends FilterInputStream {
    final LongConsumer progress;
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
