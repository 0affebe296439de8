package dev.ferry.registry;

import java.util.Optional;

/**
 * The error codes of the OCI distribution spec, shared by Ferry's client (to read a registry's error body) and
 * server (to write one). Immutable.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes">error codes</a>
 */
public enum ErrorCode {
  BLOB_UNKNOWN(404, "blob unknown to registry"),
  BLOB_UPLOAD_INVALID(400, "blob upload invalid"),
  BLOB_UPLOAD_UNKNOWN(404, "blob upload unknown to registry"),
  DIGEST_INVALID(400, "provided digest did not match uploaded content"),
  MANIFEST_BLOB_UNKNOWN(404, "manifest references a manifest or blob unknown to registry"),
  MANIFEST_INVALID(400, "manifest invalid"),
  MANIFEST_UNKNOWN(404, "manifest unknown to registry"),
  NAME_INVALID(400, "invalid repository name"),
  NAME_UNKNOWN(404, "repository name not known to registry"),
  SIZE_INVALID(400, "provided length did not match content length"),
  UNAUTHORIZED(401, "authentication required"),
  DENIED(403, "requested access to the resource is denied"),
  UNSUPPORTED(415, "the operation is unsupported"),
  TOOMANYREQUESTS(429, "too many requests"),
  /** Not in the spec's table, but what distribution sends for a bad Range or Content-Range. */
  RANGE_INVALID(416, "invalid content range");

  private final int status;
  private final String message;

  ErrorCode(int status, String message) {
    this.status = status;
    this.message = message;
  }

  /** The HTTP status a server sends with this code. */
  public int status() {
    return status;
  }

  /** The spec's default message. */
  public String message() {
    return message;
  }

  /** The code with this wire name, if known. */
  public static Optional<ErrorCode> find(String code) {
    if (code == null) {
      return Optional.empty();
    }
    for (ErrorCode c : values()) {
      if (c.name().equals(code)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }
}
