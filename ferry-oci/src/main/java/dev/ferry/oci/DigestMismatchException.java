package dev.ferry.oci;

import java.io.IOException;

/** Content did not hash to the digest it was declared with. */
public final class DigestMismatchException extends IOException {
  private static final long serialVersionUID = 1L;

  private final Digest expected;
  private final Digest actual;

  public DigestMismatchException(String what, Digest expected, Digest actual) {
    this(what, expected, actual, "");
  }

  /** With {@code consequence}, e.g. "nothing was stored", appended to the message after a semicolon. */
  public DigestMismatchException(String what, Digest expected, Digest actual, String consequence) {
    super(
        what
            + ": expected "
            + expected
            + " but content hashes to "
            + actual
            + (consequence.isEmpty() ? "" : "; " + consequence));
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
