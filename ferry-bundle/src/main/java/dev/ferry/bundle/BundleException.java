package dev.ferry.bundle;

import java.io.IOException;

/**
 * A bundle that cannot be used as it is: damaged, incomplete, unsigned where a signature is required, or a delta
 * whose base is missing. The message names the entry, part or digest at fault and what to do.
 */
public class BundleException extends IOException {
  public BundleException(String message) {
    super(message);
  }

  public BundleException(String message, Throwable cause) {
    super(message, cause);
  }
}
