package dev.ferry.registry.client.internal;

import dev.ferry.registry.ErrorCode;
import dev.ferry.registry.RegistryException;
import dev.ferry.registry.client.Credentials;
import dev.ferry.registry.client.internal.json.RegistryJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The authorization state of one registry: which scheme it asked for, the credentials found for it (looked up once,
 * on the first challenge), and bearer tokens cached per scope set until they expire. Thread-safe.
 *
 * @see <a href="https://distribution.github.io/distribution/spec/auth/token/">token authentication</a>
 */
final class Authenticator {
  /** Tokens are renewed this long before they expire, so a request never leaves with a token about to lapse. */
  private static final Duration EXPIRY_MARGIN = Duration.ofSeconds(10);
  private static final int MAX_TOKEN_RESPONSE = 1 << 20;

  private record Token(String value, Instant expires) {}

  private final String registry;
  private final HttpClient http;
  private final CredentialSource credentialSource;
  private final String userAgent;
  private final Counters counters;
  private final ConcurrentHashMap<String, Token> tokens = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Object> tokenLocks = new ConcurrentHashMap<>();
  private volatile Challenge bearer;
  private volatile boolean basic;
  private volatile Optional<Credentials> credentials;

  Authenticator(String registry, HttpClient http, CredentialSource source, String userAgent, Counters counters) {
    this.registry = registry;
    this.http = http;
    this.credentialSource = source;
    this.userAgent = userAgent;
    this.counters = counters;
  }

  /** The credentials for this registry, looked up on first use. */
  Optional<Credentials> credentials() throws IOException {
    Optional<Credentials> c = credentials;
    if (c == null) {
      synchronized (this) {
        c = credentials;
        if (c == null) {
          c = credentialSource.lookup(registry);
          credentials = c;
        }
      }
    }
    return c;
  }

  String searched() {
    return credentialSource.searched();
  }

  /** The {@code Authorization} value to send with a request needing {@code scopes}, if one is known up front. */
  Optional<String> header(List<String> scopes) throws IOException {
    Challenge b = bearer;
    if (b != null) {
      return Optional.of("Bearer " + token(b, scopes, false));
    }
    if (basic) {
      Optional<Credentials> c = credentials();
      if (c.isPresent()) {
        return Optional.of(basicHeader(c.get()));
      }
    }
    return Optional.empty();
  }

  /**
   * The {@code Authorization} value to retry with after a 401 carrying {@code challenges}, or empty when retrying
   * cannot help (no credentials for a Basic challenge, or those already sent).
   *
   * @param sent what the failed request carried, if anything
   */
  Optional<String> answer(List<Challenge> challenges, List<String> scopes, Optional<String> sent) throws IOException {
    for (Challenge c : challenges) {
      if (c.scheme().equals("bearer") && c.param("realm").isPresent()) {
        bearer = c;
        List<String> wanted = new ArrayList<>(scopes);
        c.param("scope").ifPresent(s -> {
          for (String one : s.split(" ")) {
            if (!one.isBlank() && !wanted.contains(one)) {
              wanted.add(one);
            }
          }
        });
        // A token that was sent and refused is renewed once (it may have been revoked or expired early).
        boolean refresh = sent.filter(h -> h.startsWith("Bearer ")).isPresent();
        return Optional.of("Bearer " + token(c, wanted, refresh));
      }
    }
    for (Challenge c : challenges) {
      if (c.scheme().equals("basic")) {
        basic = true;
        Optional<Credentials> creds = credentials();
        if (creds.isEmpty() || creds.get().identityToken() || sent.filter(h -> h.startsWith("Basic ")).isPresent()) {
          return Optional.empty();
        }
        return Optional.of(basicHeader(creds.get()));
      }
    }
    return Optional.empty();
  }

  private static String basicHeader(Credentials c) {
    String pair = c.username() + ":" + c.secret();
    return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }

  private String token(Challenge c, List<String> scopes, boolean refresh) throws IOException {
    String key = String.join(" ", new TreeSet<>(scopes));
    Token t = tokens.get(key);
    if (!refresh && t != null && Instant.now().isBefore(t.expires())) {
      return t.value();
    }
    synchronized (tokenLocks.computeIfAbsent(key, k -> new Object())) {
      Token again = tokens.get(key);
      if (again != null && again != t && Instant.now().isBefore(again.expires())) {
        return again.value();
      }
      Token fresh = fetchToken(c, new TreeSet<>(scopes));
      tokens.put(key, fresh);
      return fresh.value();
    }
  }

  private Token fetchToken(Challenge c, TreeSet<String> scopes) throws IOException {
    String realm = c.param("realm").orElseThrow();
    Optional<Credentials> creds = credentials();
    StringBuilder q = new StringBuilder();
    c.param("service").ifPresent(s -> q.append("service=").append(enc(s)));
    for (String s : scopes) {
      q.append(q.isEmpty() ? "" : "&").append("scope=").append(enc(s));
    }
    HttpRequest.Builder b;
    URI uri;
    try {
      if (creds.isPresent() && creds.get().identityToken()) {
        // OAuth2 refresh-token grant, as the Docker CLI does for identity tokens.
        uri = URI.create(realm);
        String form = q + (q.isEmpty() ? "" : "&") + "grant_type=refresh_token&client_id=ferry&refresh_token="
            + enc(creds.get().secret());
        b = HttpRequest.newBuilder(uri)
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .header("Content-Type", "application/x-www-form-urlencoded");
      } else {
        uri = URI.create(realm + (q.isEmpty() ? "" : (realm.contains("?") ? "&" : "?") + q));
        b = HttpRequest.newBuilder(uri).GET();
        creds.ifPresent(cr -> b.header("Authorization", basicHeader(cr)));
      }
    } catch (IllegalArgumentException bad) {
      throw new RegistryException(
          registry + " sent a token realm that is not a URL: " + realm, 401, Optional.of(ErrorCode.UNAUTHORIZED), false);
    }
    b.header("User-Agent", userAgent).timeout(Duration.ofSeconds(60));
    HttpResponse<InputStream> r;
    counters.requests.increment();
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while fetching a token for " + registry);
    } catch (IOException e) {
      throw new RegistryException(
          "cannot reach the token service " + uri.getHost() + " of " + registry + ": " + e, 0, Optional.empty(), true, e);
    }
    byte[] body;
    try (InputStream in = r.body()) {
      body = in.readNBytes(MAX_TOKEN_RESPONSE);
    }
    int s = r.statusCode();
    if (s == 401 || s == 403) {
      String who = creds.map(cr -> "credentials for " + registry + " from " + cr.source() + " were rejected by the token service " + uri.getHost())
          .orElse("the token service " + uri.getHost() + " of " + registry + " refused an anonymous token; log in with 'ferry login " + registry + "'");
      throw new RegistryException(who + " (" + s + ")", s, Optional.of(s == 401 ? ErrorCode.UNAUTHORIZED : ErrorCode.DENIED), false);
    }
    if (s != 200) {
      throw new RegistryException(
          "the token service " + uri.getHost() + " of " + registry + " answered " + s, s, Optional.empty(), RetryPolicy.retryableStatus(s));
    }
    RegistryJson.TokenAnswer a = RegistryJson.token(body, uri.getHost());
    Duration life = Duration.ofSeconds(a.expiresInSeconds()).minus(EXPIRY_MARGIN);
    if (life.isNegative()) {
      life = Duration.ZERO;
    }
    return new Token(a.token(), Instant.now().plus(life));
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
