package dev.ferry.bundle;

import com.github.luben.zstd.ZstdOutputStream;
import dev.ferry.oci.Digest;
import dev.ferry.oci.DigestMismatchException;
import dev.ferry.oci.Index;
import dev.ferry.oci.store.OciStore;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipEncodingHelper;

/**
 * Writes a bundle tar from a lock and the store, streaming. Into a plain bundle each blob is copied by the kernel
 * from its store file ({@code copy_file_range}), while another thread hashes the same file from the page cache and
 * checks its digest; into a zstd bundle it is read once and compressed. Nothing is staged, so packing needs no space
 * beyond the output and memory stays flat whatever the size. A blob that does not match its digest fails the pack
 * and the output is removed; the output appears only when complete (see {@link PartsOutputStream}). Entries are
 * reproducible: mtime 0, owner 0:0, mode 0644 (directories 0755), ustar headers (binary sizes above 8 GiB, as GNU
 * tar and star write them). Not thread-safe.
 */
public final class BundleWriter {
  static final byte[] LAYOUT = "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);
  /** zstd level of a compressed bundle: 3, zstd's default (about 240 MiB/s per core here; DESIGN.md §5). */
  private static final int ZSTD_LEVEL = 3;
  private static final int RECORD = 512;
  private static final int COPY_BUFFER = 1 << 20;

  private final OciStore store;

  public BundleWriter(OciStore store) {
    this.store = store;
  }

  /** The files written and the bytes in them. */
  public record Written(List<Path> files, long bytes) {}

  /** Where the tar goes: straight into the parts, or through zstd. */
  private interface Sink {
    void write(byte[] b, int off, int len) throws IOException;

    void transferFrom(FileChannel source, long length) throws IOException;
  }

  /** Writes the bundle for {@code lock}; the layout's {@code index.json} is {@code layoutIndex}. */
  public Written write(BundleLock lock, Index layoutIndex, Path output, boolean zstd, long splitSize, Optional<PrivateKey> key)
      throws IOException {
    if (!layoutIndex.digest().equals(lock.layoutIndex())) {
      throw new IllegalArgumentException("the lock names index.json " + lock.layoutIndex() + " but it is " + layoutIndex.digest());
    }
    byte[] lockBytes = lock.bytes();
    byte[] indexBytes = layoutIndex.bytes();
    StringBuilder sums = new StringBuilder();
    sums.append(Digest.sha256(LAYOUT).hex()).append("  ").append(BundleFormat.LAYOUT).append('\n');
    sums.append(Digest.sha256(lockBytes).hex()).append("  ").append(BundleFormat.LOCK).append('\n');
    sums.append(Digest.sha256(indexBytes).hex()).append("  ").append(BundleFormat.INDEX).append('\n');
    for (BundleLock.LockedBlob b : lock.blobs()) {
      sums.append(b.digest().hex()).append("  ").append(BundleFormat.blobPath(b.digest())).append('\n');
    }
    ExecutorService hashing = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "ferry-pack-hash");
      t.setDaemon(true);
      return t;
    });
    try (PartsOutputStream parts = new PartsOutputStream(output, splitSize)) {
      ZstdOutputStream z = null;
      Sink sink;
      if (zstd) {
        z = new ZstdOutputStream(new dev.ferry.oci.io.NonClosingOutputStream(parts), ZSTD_LEVEL);
        z.setWorkers(Math.max(1, Runtime.getRuntime().availableProcessors()));
        OutputStream buffered = new BufferedOutputStream(z, COPY_BUFFER);
        sink = new Sink() {
          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            buffered.write(b, off, len);
          }

          @Override
          public void transferFrom(FileChannel source, long length) throws IOException {
            ByteBuffer buf = ByteBuffer.allocate(COPY_BUFFER);
            for (long pos = 0; pos < length; ) {
              buf.clear().limit((int) Math.min(buf.capacity(), length - pos));
              int n = source.read(buf, pos);
              if (n < 0) {
                throw new java.io.EOFException("store file ended at byte " + pos);
              }
              buffered.write(buf.array(), 0, n);
              pos += n;
            }
          }
        };
        write(sink, lock, lockBytes, indexBytes, sums, key, hashing);
        buffered.flush();
        z.close(); // ends the zstd frame; the parts stay open until committed
      } else {
        sink = new Sink() {
          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            parts.write(b, off, len);
          }

          @Override
          public void transferFrom(FileChannel source, long length) throws IOException {
            parts.transferFrom(source, 0, length);
          }
        };
        write(sink, lock, lockBytes, indexBytes, sums, key, hashing);
      }
      List<Path> files = parts.commit();
      return new Written(files, parts.total());
    } finally {
      hashing.shutdownNow();
    }
  }

  private void write(Sink out, BundleLock lock, byte[] lockBytes, byte[] indexBytes, StringBuilder sums, Optional<PrivateKey> key,
      ExecutorService hashing) throws IOException {
    file(out, BundleFormat.LAYOUT, LAYOUT);
    file(out, BundleFormat.LOCK, lockBytes);
    if (key.isPresent()) {
      file(out, BundleFormat.SIGNATURE, Signatures.signatureFile(key.get(), Signatures.publicOf(key.get()), lockBytes));
    }
    file(out, BundleFormat.CHECKSUMS, sums.toString().getBytes(StandardCharsets.UTF_8));
    file(out, BundleFormat.INDEX, indexBytes);
    directory(out, "blobs/");
    directory(out, "blobs/sha256/");
    List<Future<?>> checks = new ArrayList<>();
    for (BundleLock.LockedBlob b : lock.blobs()) {
      try (FileChannel ch = store.channel(b.digest())) {
        if (ch.size() != b.size()) {
          throw new IOException("blob " + b.digest() + " in " + store.root() + " has " + ch.size() + " bytes but the lock says "
              + b.size() + "; 'ferry fsck' checks the store");
        }
        checks.add(hashing.submit(() -> check(b.digest(), b.size())));
        out.write(header(BundleFormat.blobPath(b.digest()), b.size(), false), 0, RECORD);
        out.transferFrom(ch, b.size());
        pad(out, b.size());
      }
      // Keep at most a few checks behind the copy, so a corrupt store blob stops the pack soon.
      while (checks.size() > 4) {
        await(checks.remove(0));
      }
    }
    for (Future<?> f : checks) {
      await(f);
    }
    out.write(new byte[2 * RECORD], 0, 2 * RECORD);
  }

  /** Hashes a store blob's file (from the page cache, while the copy runs) and compares it with its digest. */
  private Void check(Digest d, long size) throws IOException {
    MessageDigest md = d.algorithm().newMessageDigest();
    ByteBuffer buf = ByteBuffer.allocate(COPY_BUFFER);
    try (FileChannel ch = store.channel(d)) {
      for (long pos = 0; pos < size; ) {
        buf.clear();
        int n = ch.read(buf, pos);
        if (n < 0) {
          break;
        }
        md.update(buf.array(), 0, n);
        pos += n;
      }
    }
    Digest actual = Digest.of(d.algorithm(), md.digest());
    if (!actual.equals(d)) {
      throw new DigestMismatchException("blob " + d + " in the store " + store.root() + " is corrupt ('ferry fsck' lists such blobs)", d, actual);
    }
    return null;
  }

  private static void await(Future<?> f) throws IOException {
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("pack interrupted");
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    }
  }

  private static void file(Sink out, String name, byte[] content) throws IOException {
    out.write(header(name, content.length, false), 0, RECORD);
    out.write(content, 0, content.length);
    pad(out, content.length);
  }

  private static void directory(Sink out, String name) throws IOException {
    out.write(header(name, 0, true), 0, RECORD);
  }

  private static void pad(Sink out, long size) throws IOException {
    int rest = (int) (size % RECORD);
    if (rest != 0) {
      out.write(new byte[RECORD - rest], 0, RECORD - rest);
    }
  }

  /** A ustar header; star mode writes sizes of 8 GiB and more in base-256, which GNU tar and commons-compress read. */
  static byte[] header(String name, long size, boolean directory) throws IOException {
    if (name.getBytes(StandardCharsets.UTF_8).length > TarConstants.NAMELEN) {
      throw new IllegalArgumentException("bundle entry names fit a ustar header, got " + name);
    }
    TarArchiveEntry e = new TarArchiveEntry(name, directory ? TarConstants.LF_DIR : TarConstants.LF_NORMAL);
    e.setMode(directory ? TarArchiveEntry.DEFAULT_DIR_MODE : TarArchiveEntry.DEFAULT_FILE_MODE);
    e.setSize(size);
    e.setModTime(0);
    e.setUserId(0);
    e.setGroupId(0);
    e.setUserName("");
    e.setGroupName("");
    byte[] h = new byte[RECORD];
    e.writeEntryHeader(h, ZipEncodingHelper.getZipEncoding(StandardCharsets.UTF_8.name()), true);
    return h;
  }
}
