package dev.ferry.python;

import java.io.IOException;

/**
 * A wheel (or a wheelhouse, lock or index entry) that Ferry refuses: corrupt archive, a {@code RECORD} that does
 * not match the contents, a path escaping the install root, an unsupported {@code Wheel-Version}, a hash mismatch,
 * no compatible file. The message names the file or package and says what to do.
 */
public final class WheelException extends IOException {
  private static final long serialVersionUID = 1L;

  public WheelException(String message) {
    super(message);
  }

  public WheelException(String message, Throwable cause) {
    super(message, cause);
  }
}
