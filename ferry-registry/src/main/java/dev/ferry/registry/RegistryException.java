package dev.ferry.registry;

import java.io.IOException;
import java.util.Optional;

/**
 * A registry operation failed: carries what was attempted, on which registry and repository, the HTTP status, the
 * distribution-spec error code when the registry sent one, and whether retrying can help.
 */
public class RegistryException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final transient Optional<ErrorCode> code;
  private final boolean retryable;

  public RegistryException(String message, int status, Optional<ErrorCode> code, boolean retryable, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.code = code;
    this.retryable = retryable;
  }

  public RegistryException(String message, int status, Optional<ErrorCode> code, boolean retryable) {
    this(message, status, code, retryable, null);
  }

  /** The HTTP status, or 0 when no response arrived. */
  public int status() {
    return status;
  }

  public Optional<ErrorCode> code() {
    return code;
  }

  /** Whether the same request may succeed later (429, 5xx, a dropped connection). */
  public boolean retryable() {
    return retryable;
  }
}
