package dev.ferry.oci;

import java.io.IOException;

/** Content did not hash to the digest (or size) it was declared with; nothing was stored. */
public final class DigestMismatchException extends IOException {
  private static final long serialVersionUID = 1L;

  private final Digest expected;
  private final Digest actual;

  public DigestMismatchException(String what, Digest expected, Digest actual) {
    super(what + ": expected " + expected + " but content hashes to " + actual + "; nothing was stored");
    this.expected = expected;
    this.actual = actual;
  }

  public Digest expected() {
    return expected;
  }

  public Digest actual() {
    return actual;
  }
}
