package dev.ferry.build.services;

/** A services file or directory that cannot be built: the one-line message names the file and the service. */
public final class ServicesException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public ServicesException(String message) {
    super(message);
  }
}
