package dev.ferry.bundle;

/** A signature that does not verify: wrong key, altered content, or a malformed signature file. */
public final class SignatureException extends BundleException {
  public SignatureException(String message) {
    super(message);
  }
}
