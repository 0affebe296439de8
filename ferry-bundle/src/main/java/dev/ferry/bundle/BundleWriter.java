package dev.ferry.bundle;

import com.github.luben.zstd.ZstdOutputStream;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Index;
import dev.ferry.oci.archive.TarWriter;
import dev.ferry.oci.store.OciStore;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.List;
import java.util.Optional;

/**
 * Writes a bundle tar from a lock and the store, streaming: each blob goes from the store file through the tar (and
 * zstd, when asked) into the output, 1 MiB at a time, with its digest verified on the way; nothing is staged, so
 * packing needs no space beyond the output and memory stays flat whatever the size. The output appears only when
 * complete (see {@link PartsOutputStream}). Not thread-safe.
 */
public final class BundleWriter {
  static final byte[] LAYOUT = "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);
  /** zstd level of a compressed bundle: 3, zstd's default (about 240 MiB/s per core here; DESIGN.md §5). */
  private static final int ZSTD_LEVEL = 3;

  private final OciStore store;

  public BundleWriter(OciStore store) {
    this.store = store;
  }

  /** The files written and the bytes in them. */
  public record Written(List<Path> files, long bytes) {}

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
    try (PartsOutputStream parts = new PartsOutputStream(output, splitSize)) {
      OutputStream sink = parts;
      ZstdOutputStream z = null;
      if (zstd) {
        z = new ZstdOutputStream(new dev.ferry.oci.io.NonClosingOutputStream(parts), ZSTD_LEVEL);
        z.setWorkers(Math.max(1, Runtime.getRuntime().availableProcessors()));
        sink = z;
      }
      OutputStream buffered = new BufferedOutputStream(sink, 1 << 20);
      TarWriter tar = new TarWriter(buffered);
      tar.file(BundleFormat.LAYOUT, LAYOUT);
      tar.file(BundleFormat.LOCK, lockBytes);
      if (key.isPresent()) {
        tar.file(BundleFormat.SIGNATURE, Signatures.signatureFile(key.get(), Signatures.publicOf(key.get()), lockBytes));
      }
      tar.file(BundleFormat.CHECKSUMS, sums.toString().getBytes(StandardCharsets.UTF_8));
      tar.file(BundleFormat.INDEX, indexBytes);
      tar.directory("blobs");
      tar.directory("blobs/sha256");
      for (BundleLock.LockedBlob b : lock.blobs()) {
        try (InputStream in = store.open(b.digest())) {
          tar.file(BundleFormat.blobPath(b.digest()), b.size(), in);
        }
      }
      tar.finish();
      buffered.flush();
      if (z != null) {
        z.close(); // ends the zstd frame; PartsOutputStream's own close does not commit
      }
      List<Path> files = parts.commit();
      return new Written(files, parts.total());
    }
  }
}
