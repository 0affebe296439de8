package dev.ferry.oci.store;

import java.io.IOException;

/** A name, digest or platform that a user asked for is not in the store. */
public final class ImageNotFoundException extends IOException {
  private static final long serialVersionUID = 1L;

  public ImageNotFoundException(String message) {
    super(message);
  }
}
