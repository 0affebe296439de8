package dev.ferry.build;

import java.io.IOException;

/**
 * A build step that failed for a reason the user can act on: a {@code RUN} that exited non-zero (the message has the
 * exit code and the last lines of its output), a missing secret, a base image that cannot be had, an unsupported
 * source. The message's first line says what failed and where ({@code Dockerfile:7:1}); later lines give detail.
 * Nothing was tagged.
 */
public final class BuildException extends IOException {
  private static final long serialVersionUID = 1L;

  public BuildException(String message) {
    super(message);
  }

  public BuildException(String message, Throwable cause) {
    super(message, cause);
  }
}
