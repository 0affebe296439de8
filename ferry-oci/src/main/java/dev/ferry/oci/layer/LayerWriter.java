package dev.ferry.oci.layer;

import com.github.luben.zstd.ZstdOutputStream;
import dev.ferry.oci.Digest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.MediaType.Compression;
import dev.ferry.oci.io.DigestingOutputStream;
import dev.ferry.oci.io.DigestingSink;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.GZIPOutputStream;

/**
 * Writes reproducible layer tars in one streaming pass: tar bytes are hashed into the diffID, compressed, and the
 * compressed bytes hashed and counted on their way to the caller's stream. Immutable and thread-safe; each call
 * writes independently. Each call uses one helper thread: the caller's thread reads files, formats the tar and
 * hashes it while the helper compresses, hashes and writes the previous megabytes (at most 8 MiB in flight); the
 * caller's stream is written only from the helper, and never after the call returned or threw.
 *
 * <p>Entries are sorted by the bytes of their UTF-8 path (so parents precede children), carry numeric owners with
 * empty user and group names, and have their modification time clamped to the epoch (and to at least 0). Equal
 * input gives byte-identical output with the same JDK and zstd-jni. See {@code docs/layers.md}.
 */
public final class LayerWriter {
  public static final int DEFAULT_GZIP_LEVEL = 1;
  public static final int DEFAULT_ZSTD_LEVEL = 3;
  /** Large enough that per-call overhead of hashing and compression stays small next to the work itself. */
  static final int BUFFER_SIZE = 256 * 1024;

  private final Compression compression;
  private final int level;
  private final int zstdWorkers;
  private final int gzipWorkers;
  private final long epochSeconds;
  private final long ownerUid;
  private final long ownerGid;

  private LayerWriter(Builder b) {
    this.compression = b.compression;
    this.level = b.level != null ? b.level : defaultLevel(b.compression);
    this.zstdWorkers = b.zstdWorkers;
    this.gzipWorkers = b.gzipWorkers;
    this.epochSeconds = b.epoch.getEpochSecond();
    this.ownerUid = b.ownerUid;
    this.ownerGid = b.ownerGid;
  }

  /** A builder defaulting to gzip level 1, epoch 0 and file system owners. */
  public static Builder builder() {
    return new Builder();
  }

  /** The reproducible-builds {@code SOURCE_DATE_EPOCH} from the environment, or the Unix epoch when unset. */
  public static Instant sourceDateEpoch() {
    return sourceDateEpoch(System.getenv());
  }

  static Instant sourceDateEpoch(Map<String, String> env) {
    String value = env.get("SOURCE_DATE_EPOCH");
    if (value == null || value.isBlank()) {
      return Instant.EPOCH;
    }
    try {
      long seconds = Long.parseLong(value.trim());
      if (seconds >= 0) {
        return Instant.ofEpochSecond(seconds);
      }
    } catch (NumberFormatException e) {
      // reported below with the value
    }
    throw new IllegalArgumentException(
        "SOURCE_DATE_EPOCH must be a non-negative number of seconds, got '" + value + "'");
  }

  /**
   * Writes every file, directory, symlink, hard link, FIFO and device below {@code directory} (not the directory
   * itself) to {@code out}. Owners come from {@code unix:uid}/{@code unix:gid} unless the builder forces one; {@code user.*}
   * xattrs are read, and {@code security.capability} too where {@code getfattr} is installed. {@code out} is not closed.
   */
  public WrittenLayer write(Path directory, OutputStream out) throws IOException {
    // Entries stream from a walk in the final order, so the tar starts at the first file instead of after a scan of
    // the whole tree (which leaves a core idle for about a second per 30 000 files).
    java.util.Map<Path, java.util.SortedMap<String, byte[]>> caps = SecurityXattrs.read(directory);
    Path base = directory.toAbsolutePath().normalize();
    Map<LayerEntry.FileKey, String> firstName = new HashMap<>();
    java.util.Iterator<LayerEntry> walk = FileSystemEntries.walkSorted(directory);
    java.util.Iterator<LayerEntry> entries =
        new java.util.Iterator<>() {
          @Override
          public boolean hasNext() {
            return walk.hasNext();
          }

          @Override
          public LayerEntry next() {
            LayerEntry e = walk.next();
            if (!caps.isEmpty()) {
              String rel = e.path().endsWith("/") ? e.path().substring(0, e.path().length() - 1) : e.path();
              java.util.SortedMap<String, byte[]> attrs = caps.get(base.resolve(rel));
              if (attrs != null) {
                for (Map.Entry<String, byte[]> a : attrs.entrySet()) {
                  e = e.withXattr(a.getKey(), a.getValue());
                }
              }
            }
            if (ownerUid >= 0) {
              e = e.withOwner(ownerUid, ownerGid);
            }
            if (e.fileKey() != null) {
              String first = firstName.putIfAbsent(e.fileKey(), e.path());
              if (first != null) {
                e = e.asHardLinkTo(first);
              }
            }
            return e;
          }
        };
    try {
      return writeEntries(entries, out);
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /**
   * Writes the changes that turn {@code lower} into {@code upper}, as found by {@link LayerDiff#changes}, with
   * this writer's owner rule applied. {@code out} is not closed.
   */
  public WrittenLayer writeDiff(Path lower, Path upper, OutputStream out) throws IOException {
    return writeSorted(fromFileSystem(SecurityXattrs.apply(LayerDiff.changes(lower, upper), upper)), out);
  }

  /**
   * Writes explicit entries in path order; entries keep their own owners. {@code out} is not closed.
   *
   * @throws IllegalArgumentException naming a path that occurs twice
   */
  public WrittenLayer write(List<LayerEntry> entries, OutputStream out) throws IOException {
    return writeSorted(new ArrayList<>(entries), out);
  }

  private List<LayerEntry> fromFileSystem(List<LayerEntry> entries) {
    if (ownerUid < 0) {
      return entries;
    }
    List<LayerEntry> owned = new ArrayList<>(entries.size());
    for (LayerEntry e : entries) {
      owned.add(e.withOwner(ownerUid, ownerGid));
    }
    return owned;
  }

  private WrittenLayer writeSorted(List<LayerEntry> entries, OutputStream out) throws IOException {
    Objects.requireNonNull(out, "out");
    entries.sort(LayerEntry::compareByPath);
    Map<LayerEntry.FileKey, String> firstName = new HashMap<>();
    for (int i = 0; i < entries.size(); i++) {
      LayerEntry e = entries.get(i);
      if (i > 0 && LayerEntry.compareByPath(entries.get(i - 1), e) == 0) {
        throw new IllegalArgumentException("layer entry path occurs twice: '" + e.path() + "'");
      }
      if (e.fileKey() != null) {
        String first = firstName.putIfAbsent(e.fileKey(), e.path());
        if (first != null) {
          entries.set(i, e.asHardLinkTo(first));
        }
      }
    }

    return writeEntries(entries.iterator(), out);
  }

  /** Writes entries that are already in path order, hard links resolved. */
  private WrittenLayer writeEntries(java.util.Iterator<LayerEntry> entries, OutputStream out) throws IOException {
    // Two threads (see LayerPipe): this one reads files, formats the tar and hashes it (the diffID); the pipe's
    // thread compresses, hashes the compressed bytes (the digest), counts them and writes them to `out`.
    Gate gate = new Gate(out);
    // A sink that hashes already (the store's blob writer), still empty, is asked for the digest instead: the
    // compressed bytes are hashed once, not twice. Otherwise they are hashed here.
    DigestingSink hashingSink = out instanceof DigestingSink d && d.count() == 0 ? d : null;
    DigestingOutputStream blob = hashingSink == null ? new DigestingOutputStream(gate) : null;
    OutputStream blobBytes = blob != null ? blob : gate;
    OutputStream compressor = compressor(blobBytes);
    MessageDigest tarDigest = compression == Compression.NONE ? null : Digest.Algorithm.SHA256.newMessageDigest();
    LayerPipe pipe =
        LayerPipe.start(
            new LayerPipe.Sink() {
              @Override
              public void write(byte[] b, int off, int len) throws IOException {
                compressor.write(b, off, len);
              }

              @Override
              public void finish() throws IOException {
                // Flush, then close, as the single-threaded writer did: a zstd flush ends a block.
                compressor.flush();
                compressor.close();
              }

              @Override
              public void abort() {
                gate.drop();
                try {
                  compressor.close(); // frees the native compressor; what it writes is dropped
                } catch (IOException | RuntimeException ignored) {
                  // already failing
                }
              }
            },
            tarDigest);
    try {
      // The same 256 KiB buffering as the single-threaded writer had, so the compressor sees the same writes.
      BufferedOutputStream tarBytes = new BufferedOutputStream(pipe, BUFFER_SIZE);
      TarWriter tar = new TarWriter(tarBytes);
      byte[] buffer = new byte[BUFFER_SIZE];
      while (entries.hasNext()) {
        LayerEntry e = entries.next();
        long mtime = Math.max(0, Math.min(e.mtime().getEpochSecond(), epochSeconds));
        if (e.type() != LayerEntry.Type.FILE) {
          tar.writeHeader(e, 0, mtime);
        } else if (e.source() == null) {
          byte[] data = e.data() == null ? new byte[0] : e.data();
          tar.writeHeader(e, data.length, mtime);
          tarBytes.write(data);
          tar.pad(data.length);
        } else {
          long size = e.size() >= 0 ? e.size() : Files.size(e.source());
          tar.writeHeader(e, size, mtime);
          copy(e, size, tarBytes, buffer);
          tar.pad(size);
        }
      }
      tar.finish();
      tarBytes.flush();
      pipe.finish();
    } finally {
      pipe.close(); // after a failure here: stops the compressing thread before the exception leaves
    }
    Digest digest = blob != null ? blob.digest() : hashingSink.digestSoFar();
    long size = blob != null ? blob.count() : hashingSink.count();
    Digest diffId = tarDigest == null ? digest : Digest.of(Digest.Algorithm.SHA256, tarDigest.digest());
    return new WrittenLayer(diffId, digest, size, MediaType.ociLayer(compression));
  }

  private static void copy(LayerEntry e, long size, OutputStream out, byte[] buffer) throws IOException {
    try (InputStream in = Files.newInputStream(e.source())) {
      long left = size;
      while (left > 0) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (n < 0) {
          throw new IOException("file " + e.source() + " for layer path '" + e.path() + "' shrank from " + size
              + " bytes while it was written; write the layer from a tree that does not change");
        }
        out.write(buffer, 0, n);
        left -= n;
      }
      if (in.read() >= 0) {
        throw new IOException("file " + e.source() + " for layer path '" + e.path() + "' grew beyond " + size
            + " bytes while it was written; write the layer from a tree that does not change");
      }
    }
  }

  private OutputStream compressor(OutputStream blob) throws IOException {
    return switch (compression) {
      case NONE -> blob;
      case GZIP -> gzipWorkers > 0 ? new BlockGzipOutputStream(blob, level, gzipWorkers)
          : new ReproducibleGzipOutputStream(blob, level);
      case ZSTD -> {
        ZstdOutputStream z = new ZstdOutputStream(blob, level);
        // One more worker than cores: the tar and hashing threads block now and then (reads, hand-over), and a spare
        // worker fills that time (1 GiB tree on 2 cores: 204-212 MiB/s against 156-212 with two workers).
        int workers = zstdWorkers < 0 ? Runtime.getRuntime().availableProcessors() + 1 : zstdWorkers;
        if (workers > 0) {
          z.setWorkers(workers);
        }
        yield z;
      }
    };
  }

  private static int defaultLevel(Compression c) {
    return switch (c) {
      case NONE -> 0;
      case GZIP -> DEFAULT_GZIP_LEVEL;
      case ZSTD -> DEFAULT_ZSTD_LEVEL;
    };
  }

  /** Gzip with a chosen level; the JDK writes mtime 0 and no file name into the header. */
  private static final class ReproducibleGzipOutputStream extends GZIPOutputStream {
    ReproducibleGzipOutputStream(OutputStream out, int level) throws IOException {
      super(out, 64 * 1024);
      def.setLevel(level);
    }
  }

  /**
   * Lets the compressor finish and flush without closing the caller's stream, and drops everything once the write
   * failed, so that closing the compressor then (to free native memory) writes nothing more to the caller.
   */
  private static final class Gate extends FilterOutputStream {
    private volatile boolean dropped;

    Gate(OutputStream out) {
      super(out);
    }

    void drop() {
      dropped = true;
    }

    @Override
    public void write(int b) throws IOException {
      if (!dropped) {
        out.write(b);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (!dropped) {
        out.write(b, off, len);
      }
    }

    @Override
    public void flush() throws IOException {
      if (!dropped) {
        out.flush();
      }
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }

  /** Options for a {@link LayerWriter}. Not thread-safe. */
  public static final class Builder {
    private Compression compression = Compression.GZIP;
    private Integer level;
    /** -1: as many zstd workers as cores (see {@link #zstdWorkers}). */
    private int zstdWorkers = -1;
    private int gzipWorkers;
    private Instant epoch = Instant.EPOCH;
    private long ownerUid = -1;
    private long ownerGid = -1;

    private Builder() {}

    /** The blob's compression; gzip by default. */
    public Builder compression(Compression compression) {
      this.compression = Objects.requireNonNull(compression, "compression");
      return this;
    }

    /** Compression level: gzip 0..9 (default 1), zstd 1..22 (default 3); ignored without compression. */
    public Builder level(int level) {
      this.level = level;
      return this;
    }

    /**
     * zstd worker threads. By default one per core plus one: zstd's multi-threaded output depends only on the input and level,
     * not on the number of workers, so layers stay reproducible across machines. 0 compresses on the writer's own
     * thread instead, which is slower and gives a different (also reproducible) blob.
     */
    public Builder zstdWorkers(int workers) {
      if (workers < 0 || workers > 64) {
        throw new IllegalArgumentException("zstd workers must be within 0..64, got " + workers);
      }
      this.zstdWorkers = workers;
      return this;
    }

    /**
     * gzip worker threads. 0 (the default) writes one plain deflate stream on the writer's thread. 1 or more deflate
     * 1 MiB blocks in parallel, each primed with the previous 32 KiB and sync-flushed, as pigz does: the blob then
     * depends only on the input and level, not on the number of workers (so it is the same on any machine), and
     * differs from the 0 form's.
     */
    public Builder gzipWorkers(int workers) {
      if (workers < 0 || workers > 64) {
        throw new IllegalArgumentException("gzip workers must be within 0..64, got " + workers);
      }
      this.gzipWorkers = workers;
      return this;
    }

    /** The latest modification time written; later times are clamped to it. Default: the Unix epoch. */
    public Builder epoch(Instant epoch) {
      long s = epoch.getEpochSecond();
      if (s < 0 || s > TarWriter.MAX_OCTAL_11) {
        throw new IllegalArgumentException("layer epoch must be within 1970..2242, got " + epoch);
      }
      this.epoch = epoch;
      return this;
    }

    /** Writes entries read from a file system as owned by {@code uid}:{@code gid}, typically 0:0. */
    public Builder forceOwner(long uid, long gid) {
      if (uid < 0 || gid < 0) {
        throw new IllegalArgumentException("owner must be >= 0, got " + uid + ":" + gid);
      }
      this.ownerUid = uid;
      this.ownerGid = gid;
      return this;
    }

    public LayerWriter build() {
      if (level != null) {
        boolean ok = switch (compression) {
          case NONE -> true;
          case GZIP -> level >= 0 && level <= 9;
          case ZSTD -> level >= 1 && level <= 22;
        };
        if (!ok) {
          throw new IllegalArgumentException("level for " + compression + " out of range, got " + level);
        }
      }
      return new LayerWriter(this);
    }
  }
}
