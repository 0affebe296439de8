package dev.ferry.oci.io;

import dev.ferry.oci.Digest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/** Hashes and counts every byte read through it. Not thread-safe. */
public final class DigestingInputStream extends FilterInputStream {
  private final Digest.Algorithm algorithm;
  private final MessageDigest md;
  private long count;

  public DigestingInputStream(InputStream in) {
    this(in, Digest.Algorithm.SHA256);
  }

  public DigestingInputStream(InputStream in, Digest.Algorithm algorithm) {
    super(in);
    this.algorithm = algorithm;
    this.md = algorithm.newMessageDigest();
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      md.update((byte) b);
      count++;
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0) {
      md.update(b, off, n);
      count += n;
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    // Skipped bytes must still be hashed, so read them.
    byte[] buf = new byte[8192];
    long left = n;
    while (left > 0) {
      int r = read(buf, 0, (int) Math.min(buf.length, left));
      if (r < 0) {
        break;
      }
      left -= r;
    }
    return n - left;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  @Override
  public synchronized void mark(int readlimit) {}

  @Override
  public synchronized void reset() throws IOException {
    throw new IOException("mark/reset not supported while digesting");
  }

  /** Bytes read so far. */
  public long count() {
    return count;
  }

  /** The digest of everything read; call once, after the stream is drained. */
  public Digest digest() {
    return Digest.of(algorithm, md.digest());
  }
}
