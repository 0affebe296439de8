package dev.ferry.cli;

/** A command was given arguments that make no sense together; exits 2 with the message. */
final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }
}
