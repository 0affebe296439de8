package dev.ferry.globalfunc;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A call that did not produce a result: the error envelope {@code {"type", "message", "traceback", "phase"}} plus
 * the HTTP status that fits it. Raised by the worker pool and the gateway; the CLI prints {@link #getMessage()}.
 */
public final class FunctionException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Where a call failed: loading the function, or running it. */
  public enum Phase {
    LOAD,
    RUN;

    /** {@code load} or {@code run}, as the envelope writes it. */
    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final int status;
  private final String type;
  private final String traceback;
  private final Phase phase;
  private final Map<String, Object> details;

  public FunctionException(int status, String type, String message, String traceback, Phase phase, Map<String, Object> details) {
    super(message);
    this.status = status;
    this.type = Objects.requireNonNull(type);
    this.traceback = Objects.requireNonNullElse(traceback, "");
    this.phase = Objects.requireNonNull(phase);
    this.details = Map.copyOf(details);
  }

  public FunctionException(int status, String type, String message, Phase phase) {
    this(status, type, message, "", phase, Map.of());
  }

  /** The HTTP status: 400 bad arguments, 404 unknown function, 429 queue full, 500 the function failed, … */
  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  public String traceback() {
    return traceback;
  }

  public Phase phase() {
    return phase;
  }

  /** Extra fields of the error object (the signature for bad arguments, close names for unknown functions). */
  public Map<String, Object> details() {
    return details;
  }

  /** The envelope's {@code error} object. */
  public Map<String, Object> envelope() {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("type", type);
    e.put("message", getMessage());
    e.put("traceback", traceback);
    e.put("phase", phase.wire());
    e.putAll(details);
    return e;
  }
}
