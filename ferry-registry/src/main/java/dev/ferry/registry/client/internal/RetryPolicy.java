package dev.ferry.registry.client.internal;

import dev.ferry.oci.DigestMismatchException;
import dev.ferry.registry.RegistryException;
import java.io.IOException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import javax.net.ssl.SSLHandshakeException;

/**
 * When to retry a registry request and how long to wait: 429, 502, 503, 504 and dropped connections are retried
 * with exponential backoff and full jitter, honouring {@code Retry-After}; at most {@link #maxAttempts} attempts.
 * Immutable and thread-safe.
 *
 * @param maxAttempts total attempts including the first, at least 1
 * @param base the first backoff ceiling; attempt k waits a random time in [0, base·2^(k-1)], capped at {@code cap}
 * @param cap the largest backoff ceiling
 * @param maxRetryAfter the longest {@code Retry-After} honoured; a registry asking for more fails the request
 *     instead of hanging the client
 * @param random a source of uniform doubles in [0, 1), for jitter
 */
public record RetryPolicy(int maxAttempts, Duration base, Duration cap, Duration maxRetryAfter, DoubleSupplier random) {
  /** 5 attempts, 250 ms doubling to 8 s, Retry-After up to 60 s. */
  public static RetryPolicy defaults() {
    return new RetryPolicy(5, Duration.ofMillis(250), Duration.ofSeconds(8), Duration.ofSeconds(60), Math::random);
  }

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
    }
  }

  public RetryPolicy withMaxAttempts(int n) {
    return new RetryPolicy(n, base, cap, maxRetryAfter, random);
  }

  public RetryPolicy withBase(Duration b) {
    return new RetryPolicy(maxAttempts, b, cap.compareTo(b) < 0 ? b : cap, maxRetryAfter, random);
  }

  /** Whether a response with this status may succeed when sent again. */
  public static boolean retryableStatus(int status) {
    return status == 429 || status == 502 || status == 503 || status == 504;
  }

  /**
   * Whether a request that failed with {@code e} before a response arrived may succeed when sent again: dropped
   * or refused connections and timeouts yes; unknown hosts, certificate failures, digest mismatches and registry
   * errors that say otherwise no.
   */
  public static boolean retryable(IOException e) {
    if (e instanceof RegistryException r) {
      return r.retryable();
    }
    if (e instanceof DigestMismatchException
        || e instanceof UnknownHostException
        || e instanceof SSLHandshakeException) {
      return false;
    }
    // Connection resets, refused connections, timeouts, premature ends of stream: the network, not the request.
    return true;
  }

  /**
   * How long to wait before attempt {@code failures + 1}. {@code Retry-After} wins when present and not longer than
   * {@link #maxRetryAfter}; empty means "do not retry" (the registry asked for too long a wait).
   */
  public Optional<Duration> delay(int failures, Optional<String> retryAfter, Instant now) {
    if (retryAfter.isPresent()) {
      Optional<Duration> asked = parseRetryAfter(retryAfter.get(), now);
      if (asked.isPresent()) {
        return asked.get().compareTo(maxRetryAfter) > 0 ? Optional.empty() : asked;
      }
    }
    long ceiling = base.toMillis() << Math.min(Math.max(failures - 1, 0), 20);
    ceiling = Math.min(ceiling, cap.toMillis());
    return Optional.of(Duration.ofMillis((long) (random.getAsDouble() * ceiling)));
  }

  /** {@code Retry-After} as delay-seconds or an HTTP date; empty when it is neither. */
  public static Optional<Duration> parseRetryAfter(String value, Instant now) {
    String v = value.trim();
    if (v.matches("\\d{1,9}")) {
      return Optional.of(Duration.ofSeconds(Long.parseLong(v)));
    }
    try {
      Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration d = Duration.between(now, at);
      return Optional.of(d.isNegative() ? Duration.ZERO : d);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
