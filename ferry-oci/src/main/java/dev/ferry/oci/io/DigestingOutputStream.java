package dev.ferry.oci.io;

import dev.ferry.oci.Digest;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

/**
 * Hashes and counts every byte written on its way to the delegate, so a blob is digested in the same pass that
 * writes it. Not thread-safe.
 */
public final class DigestingOutputStream extends FilterOutputStream {
  private final Digest.Algorithm algorithm;
  private final MessageDigest md;
  private long count;

  public DigestingOutputStream(OutputStream out) {
    this(out, Digest.Algorithm.SHA256);
  }

  public DigestingOutputStream(OutputStream out, Digest.Algorithm algorithm) {
    super(out);
    this.algorithm = algorithm;
    this.md = algorithm.newMessageDigest();
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
    md.update((byte) b);
    count++;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
    md.update(b, off, len);
    count += len;
  }

  /** Bytes written so far. */
  public long count() {
    return count;
  }

  /** The digest of everything written; call once, after the last write. */
  public Digest digest() {
    return Digest.of(algorithm, md.digest());
  }
}
