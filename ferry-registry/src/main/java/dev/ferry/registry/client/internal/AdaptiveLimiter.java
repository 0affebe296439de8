package dev.ferry.registry.client.internal;

import java.io.InterruptedIOException;

/**
 * Bounds the blob transfers in flight to one registry: {@code max} at first (6 by default), 1 once
 * {@link #FAILURES_TO_SERIALIZE} transfers needed a retry, on the theory that a registry or link that drops
 * parallel connections copes better with one. Thread-safe.
 */
public final class AdaptiveLimiter {
  /** Three failures is "repeated", not one unlucky reset. */
  public static final int FAILURES_TO_SERIALIZE = 3;

  private final int max;
  private int limit;
  private int inFlight;
  private int failures;

  public AdaptiveLimiter(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("parallel transfers must be >= 1, got " + max);
    }
    this.max = max;
    this.limit = max;
  }

  public synchronized void acquire() throws InterruptedIOException {
    while (inFlight >= limit) {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for a transfer slot");
      }
    }
    inFlight++;
  }

  public synchronized void release() {
    inFlight--;
    notifyAll();
  }

  /** Records a failed attempt; returns true when this one dropped the limit to 1. */
  public synchronized boolean failure() {
    failures++;
    if (failures >= FAILURES_TO_SERIALIZE && limit > 1) {
      limit = 1;
      return true;
    }
    return false;
  }

  public synchronized int limit() {
    return limit;
  }

  public int max() {
    return max;
  }
}
