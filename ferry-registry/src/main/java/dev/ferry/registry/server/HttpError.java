package dev.ferry.registry.server;

import dev.ferry.oci.Nullable;
import dev.ferry.registry.ErrorCode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request the server refuses with a distribution-spec error body; thrown from anywhere in request handling and
 * written by the handler. Carries the spec code, the HTTP status (the code's own unless overridden, e.g. 405 for
 * {@code UNSUPPORTED} writes to a read-only server) and extra response headers. Not thread-safe (built then thrown).
 */
final class HttpError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private int status;
  private final transient Map<String, String> headers = new LinkedHashMap<>();
  private transient @Nullable Object detail;

  HttpError(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
    this.status = code.status();
  }

  ErrorCode code() {
    return code;
  }

  int status() {
    return status;
  }

  HttpError status(int newStatus) {
    this.status = newStatus;
    return this;
  }

  /** Adds a response header; a null value is ignored (handy for optional ones). */
  HttpError header(String name, @Nullable String value) {
    if (value != null) {
      headers.put(name, value);
    }
    return this;
  }

  /** Sets the error's {@code detail} (any JSON-serialisable value). */
  HttpError withDetail(Object value) {
    this.detail = value;
    return this;
  }

  @Nullable Object detail() {
    return detail;
  }

  Map<String, String> headers() {
    return headers;
  }
}
