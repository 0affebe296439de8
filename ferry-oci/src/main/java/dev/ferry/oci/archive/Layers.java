package dev.ferry.oci.archive;

import com.github.luben.zstd.ZstdInputStream;
import dev.ferry.oci.Digest;
import dev.ferry.oci.MediaType.Compression;
import dev.ferry.oci.io.DigestingInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Decompressing and hashing layer streams. Thread-safe. */
final class Layers {
  static final int BUFFER = 1 << 20;

  private Layers() {}

  /** {@code in} decompressed; closing the result closes {@code in}. */
  static InputStream decompress(InputStream in, Compression compression) throws IOException {
    return switch (compression) {
      case NONE -> in;
      case GZIP -> new GZIPInputStream(in, 1 << 16);
      case ZSTD -> new ZstdInputStream(new BufferedInputStream(in, 1 << 16));
    };
  }

  /** The sha256 and length of everything {@code in} yields; closes it. */
  static Hashed hash(InputStream in) throws IOException {
    try (DigestingInputStream d = new DigestingInputStream(in)) {
      byte[] buf = new byte[BUFFER];
      while (d.read(buf) >= 0) {
        // reading is hashing
      }
      return new Hashed(d.digest(), d.count());
    }
  }

  record Hashed(Digest digest, long size) {}
}
