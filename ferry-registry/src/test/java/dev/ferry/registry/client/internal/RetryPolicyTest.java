package dev.ferry.registry.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.oci.Digest;
import dev.ferry.oci.DigestMismatchException;
import dev.ferry.registry.ErrorCode;
import dev.ferry.registry.RegistryException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");

  private static RetryPolicy withRandom(double r) {
    return new RetryPolicy(5, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(60), () -> r);
  }

  @Test
  void retryableStatus_only429AndGatewayErrors() {
    assertThat(RetryPolicy.retryableStatus(429)).isTrue();
    assertThat(RetryPolicy.retryableStatus(502)).isTrue();
    assertThat(RetryPolicy.retryableStatus(503)).isTrue();
    assertThat(RetryPolicy.retryableStatus(504)).isTrue();
    assertThat(RetryPolicy.retryableStatus(500)).isFalse();
    assertThat(RetryPolicy.retryableStatus(404)).isFalse();
    assertThat(RetryPolicy.retryableStatus(401)).isFalse();
  }

  @Test
  void retryable_resetsYes_integrityAndUnknownHostNo() {
    assertThat(RetryPolicy.retryable(new SocketException("Connection reset"))).isTrue();
    assertThat(RetryPolicy.retryable(new ConnectException("refused"))).isTrue();
    assertThat(RetryPolicy.retryable(new IOException("EOF reached while reading"))).isTrue();
    assertThat(RetryPolicy.retryable(new UnknownHostException("nope.invalid"))).isFalse();
    Digest a = Digest.sha256(new byte[] {1});
    Digest b = Digest.sha256(new byte[] {2});
    assertThat(RetryPolicy.retryable(new DigestMismatchException("blob", a, b))).isFalse();
    assertThat(RetryPolicy.retryable(new RegistryException("x", 400, Optional.of(ErrorCode.DIGEST_INVALID), false))).isFalse();
    assertThat(RetryPolicy.retryable(new RegistryException("x", 503, Optional.empty(), true))).isTrue();
  }

  @Test
  void delay_growsExponentiallyUpToCap() {
    RetryPolicy p = withRandom(0.999999);
    assertThat(p.delay(1, Optional.empty(), NOW).orElseThrow()).isBetween(Duration.ofMillis(99), Duration.ofMillis(100));
    assertThat(p.delay(2, Optional.empty(), NOW).orElseThrow()).isBetween(Duration.ofMillis(199), Duration.ofMillis(200));
    assertThat(p.delay(4, Optional.empty(), NOW).orElseThrow()).isBetween(Duration.ofMillis(799), Duration.ofMillis(800));
    assertThat(p.delay(30, Optional.empty(), NOW).orElseThrow()).isBetween(Duration.ofMillis(1999), Duration.ofSeconds(2));
  }

  @Test
  void delay_fullJitter_canBeZero() {
    assertThat(withRandom(0).delay(3, Optional.empty(), NOW)).contains(Duration.ZERO);
  }

  @Test
  void delay_retryAfterSeconds_wins() {
    assertThat(withRandom(0.5).delay(1, Optional.of("7"), NOW)).contains(Duration.ofSeconds(7));
  }

  @Test
  void delay_retryAfterHttpDate_isTimeUntilThen() {
    assertThat(withRandom(0.5).delay(1, Optional.of("Wed, 01 Jan 2025 00:00:30 GMT"), NOW)).contains(Duration.ofSeconds(30));
    assertThat(RetryPolicy.parseRetryAfter("Tue, 31 Dec 2024 23:00:00 GMT", NOW)).contains(Duration.ZERO);
  }

  @Test
  void delay_retryAfterTooLong_meansGiveUp() {
    assertThat(withRandom(0.5).delay(1, Optional.of("3600"), NOW)).isEmpty();
  }

  @Test
  void delay_retryAfterGarbage_fallsBackToBackoff() {
    assertThat(withRandom(0.5).delay(1, Optional.of("soon"), NOW)).contains(Duration.ofMillis(50));
  }

  @Test
  void limiter_repeatedFailures_dropToOne() {
    AdaptiveLimiter l = new AdaptiveLimiter(6);
    assertThat(l.limit()).isEqualTo(6);
    assertThat(l.failure()).isFalse();
    assertThat(l.failure()).isFalse();
    assertThat(l.failure()).isTrue();
    assertThat(l.limit()).isEqualTo(1);
  }
}
