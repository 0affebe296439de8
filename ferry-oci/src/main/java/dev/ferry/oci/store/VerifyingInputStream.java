package dev.ferry.oci.store;

import dev.ferry.oci.Digest;
import dev.ferry.oci.DigestMismatchException;
import dev.ferry.oci.io.DigestingInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Passes bytes through and, at end of stream, fails unless they hashed to the expected digest and size. A reader
 * that stops early gets no verdict, so callers that need one read to the end. Not thread-safe.
 */
public final class VerifyingInputStream extends FilterInputStream {
  private final DigestingInputStream digesting;
  private final Digest expected;
  private final long expectedSize;
  private final String what;
  private boolean verified;

  /**
   * @param expectedSize the declared size, or -1 when unknown
   * @param what names the content in errors, e.g. "blob sha256:… in /store"
   */
  public VerifyingInputStream(InputStream in, Digest expected, long expectedSize, String what) {
    super(new DigestingInputStream(in, expected.algorithm()));
    this.digesting = (DigestingInputStream) this.in;
    this.expected = expected;
    this.expectedSize = expectedSize;
    this.what = what;
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b < 0) {
      verify();
    } else {
      checkSize();
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n < 0) {
      verify();
    } else {
      checkSize();
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    return in.skip(n);
  }

  private void checkSize() throws IOException {
    if (expectedSize >= 0 && digesting.count() > expectedSize) {
      throw new IOException(
          what + " is longer than its declared size " + expectedSize + "; refusing to read on");
    }
  }

  private void verify() throws IOException {
    if (verified) {
      return;
    }
    verified = true;
    if (expectedSize >= 0 && digesting.count() != expectedSize) {
      throw new IOException(
          what + " has " + digesting.count() + " bytes but " + expectedSize + " were declared (truncated?)");
    }
    Digest actual = digesting.digest();
    if (!actual.equals(expected)) {
      throw new DigestMismatchException(what, expected, actual);
    }
  }

  @Override
  public boolean markSupported() {
    return false;
  }
}
