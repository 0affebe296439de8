package dev.ferry.registry.client.internal;

import dev.ferry.registry.ErrorCode;
import dev.ferry.registry.RegistryException;
import dev.ferry.registry.client.Credentials;
import dev.ferry.registry.client.internal.json.RegistryJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * The HTTP side of one registry: its base URL ({@code https://HOST/v2/}, plain HTTP only where allowed), one shared
 * {@link HttpClient} (HTTP/1.1, pooled connections), authentication, retries with backoff, redirects, and error
 * bodies turned into {@link RegistryException}s. Thread-safe.
 */
public final class Transport {
  /** Error bodies are short JSON; anything longer is not worth reading. */
  private static final int MAX_ERROR_BODY = 64 * 1024;
  private static final int MAX_REDIRECTS = 5;
  /** Time to the response headers; bodies stream without a limit. */
  private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(120);

  private final String registry;
  private final String apiHost;
  private final boolean plainAllowed;
  private final HttpClient http;
  private final Authenticator auth;
  private final RetryPolicy retry;
  private final Counters counters;
  private final AdaptiveLimiter limiter;
  private final String userAgent;
  private final Sleeper sleeper;
  private volatile String scheme;
  /**
   * A loopback registry is tried over plain HTTP first (most are, and a JVM's first TLS handshake costs ~0.3 s of
   * CPU for nothing); the first request that fails the way a TLS port answers plain HTTP moves it to HTTPS.
   */
  private final boolean plainFirst;
  /** Whether a response has shown the scheme to be right; until then a loopback registry may still move to HTTPS. */
  private volatile boolean schemeSettled;

  /** Waits between attempts; tests replace it. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  /**
   * @param registry the registry as in references ({@code docker.io}, {@code 127.0.0.1:5000})
   * @param apiHost where its API lives ({@code registry-1.docker.io} for {@code docker.io})
   * @param plainAllowed whether plain HTTP may be used (loopback or marked insecure); HTTPS is tried first and
   *     plain HTTP used when the registry does not speak TLS, except on loopback, where it is the other way round
   */
  public Transport(
      String registry,
      String apiHost,
      boolean plainAllowed,
      HttpClient http,
      CredentialSource credentials,
      RetryPolicy retry,
      Counters counters,
      AdaptiveLimiter limiter,
      String userAgent,
      Sleeper sleeper) {
    this.registry = registry;
    this.apiHost = apiHost;
    this.plainAllowed = plainAllowed;
    this.http = http;
    this.retry = retry;
    this.counters = counters;
    this.limiter = limiter;
    this.userAgent = userAgent;
    this.sleeper = sleeper;
    this.auth = new Authenticator(registry, http, credentials, userAgent, counters);
    this.plainFirst = plainAllowed && isLoopback(apiHost);
    this.scheme = plainFirst ? "http" : "https";
  }

  public String registry() {
    return registry;
  }

  /** {@code localhost}, {@code 127.x.x.x} or {@code [::1]}, with or without a port. */
  static boolean isLoopback(String host) {
    String h = host.toLowerCase(java.util.Locale.ROOT);
    if (h.startsWith("[")) {
      return h.startsWith("[::1]");
    }
    int colon = h.indexOf(':');
    if (colon >= 0) {
      h = h.substring(0, colon);
    }
    return h.equals("localhost") || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }

  /** Moves the registry to {@code to} for this and later requests; answers {@code uri} with that scheme. */
  private URI switchScheme(URI uri, String to) {
    scheme = to;
    String s = uri.toString();
    return URI.create(to + s.substring(s.indexOf(':')));
  }

  public AdaptiveLimiter limiter() {
    return limiter;
  }

  public Counters counters() {
    return counters;
  }

  public RetryPolicy retryPolicy() {
    return retry;
  }

  public Sleeper sleeper() {
    return sleeper;
  }

  /** {@code scheme://apiHost/v2/}. */
  public URI base() {
    return URI.create(scheme + "://" + apiHost + "/v2/");
  }

  /** Starts describing a request; {@code target} is a path under {@code /v2/} or an absolute URL. */
  public Call call(String method, String target, String what) {
    return new Call(method, target, what);
  }

  /** A request being described. Not thread-safe; cheap; one per request. */
  public final class Call {
    final String method;
    final String target;
    final String what;
    final Map<String, String> headers = new LinkedHashMap<>();
    List<String> scopes = List.of();
    IoSupplier<HttpRequest.BodyPublisher> body;
    boolean retries = true;
    boolean redirects;
    Duration timeout = RESPONSE_TIMEOUT;

    private Call(String method, String target, String what) {
      this.method = method;
      this.target = target;
      this.what = what;
    }

    public Call header(String name, String value) {
      headers.put(name, value);
      return this;
    }

    /** Token scopes the request needs, e.g. {@code repository:library/busybox:pull}. */
    public Call scopes(String... s) {
      this.scopes = List.of(s);
      return this;
    }

    /** A body; the supplier is called again for every attempt, so it must start the content over. */
    public Call body(IoSupplier<HttpRequest.BodyPublisher> b) {
      this.body = b;
      return this;
    }

    /** Sends once: the caller handles failures itself (uploads resume instead of resending). */
    public Call noRetry() {
      this.retries = false;
      return this;
    }

    /** Follows 301/302/303/307/308, dropping {@code Authorization} when the target is another host. */
    public Call followRedirects() {
      this.redirects = true;
      return this;
    }

    public Response send() throws IOException {
      return Transport.this.send(this);
    }

    /** Sends and fails with a {@link RegistryException} unless the status is one of {@code ok}. */
    public Response expect(int... ok) throws IOException {
      Response r = send();
      for (int s : ok) {
        if (r.status() == s) {
          return r;
        }
      }
      throw failure(this, r);
    }
  }

  /** A body supplier that may fail. */
  @FunctionalInterface
  public interface IoSupplier<T> {
    T get() throws IOException;
  }

  private URI resolve(String target) {
    if (target.startsWith("http://") || target.startsWith("https://")) {
      return URI.create(target);
    }
    if (target.startsWith("/")) {
      return base().resolve(target);
    }
    return base().resolve(target);
  }

  private boolean sameAuthority(URI uri) {
    return Objects.equals(uri.getRawAuthority(), apiHost);
  }

  Response send(Call call) throws IOException {
    URI uri = resolve(call.target);
    boolean ours = sameAuthority(uri);
    Optional<String> authorization = ours ? auth.header(call.scopes) : Optional.empty();
    boolean authAnswered = false;
    boolean switched = false;
    int failures = 0;
    int redirects = 0;
    while (true) {
      HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(call.timeout).header("User-Agent", userAgent);
      call.headers.forEach(b::header);
      authorization.ifPresent(a -> b.header("Authorization", a));
      HttpRequest.BodyPublisher publisher =
          call.body == null ? HttpRequest.BodyPublishers.noBody() : call.body.get();
      b.method(call.method, publisher);
      HttpResponse<InputStream> r;
      counters.requests.increment();
      try {
        r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException(call.what + " on " + registry + " was interrupted");
      } catch (SSLException e) {
        if (plainAllowed && ours && !switched && uri.getScheme().equals("https")
            && !(e instanceof javax.net.ssl.SSLHandshakeException && isCertificateProblem(e))) {
          // The registry does not speak TLS: loopback or marked insecure, so plain HTTP is allowed.
          switched = true;
          uri = switchScheme(uri, "http");
          continue;
        }
        throw new RegistryException(
            call.what + " on " + registry + ": TLS failed (" + e.getMessage() + ")"
                + (plainAllowed ? "" : "; for a registry with a private CA use --ca-cert, for one without TLS mark it insecure"),
            0, Optional.empty(), false, e);
      } catch (IOException e) {
        if (mayBeTlsPort(ours, switched, uri) && !(e instanceof java.net.ConnectException)
            && !(e instanceof java.net.http.HttpConnectTimeoutException)) {
          // A TLS port closes a connection that speaks plain HTTP to it (after an alert, which is no HTTP status).
          switched = true;
          uri = switchScheme(uri, "https");
          continue;
        }
        failures++;
        if (!call.retries || !RetryPolicy.retryable(e) || failures >= retry.maxAttempts()) {
          throw new RegistryException(
              call.what + " on " + registry + " failed: " + describe(e)
                  + (failures > 1 ? " (after " + failures + " attempts)" : ""),
              0, Optional.empty(), RetryPolicy.retryable(e), e);
        }
        pause(call, failures, Optional.empty(), describe(e));
        continue;
      }
      Response resp = new Response(r);
      int s = r.statusCode();
      if (ours && !schemeSettled) {
        if (s == 400 && r.headers().firstValue("Content-Type").isEmpty() && mayBeTlsPort(ours, switched, uri)) {
          // Go's TLS servers (distribution, Harbor) answer plain HTTP with a bare "HTTP/1.0 400 Bad Request" (no
          // headers; the body says "HTTP request to an HTTPS server"); a registry's own 400 carries a JSON error.
          resp.discard();
          switched = true;
          uri = switchScheme(uri, "https");
          continue;
        }
        schemeSettled = true;
      }
      if (s == 401 && ours && !authAnswered) {
        List<Challenge> challenges = Challenge.parse(r.headers().allValues("WWW-Authenticate"));
        resp.discard();
        authAnswered = true;
        Optional<String> next = auth.answer(challenges, call.scopes, authorization);
        if (next.isPresent()) {
          authorization = next;
          continue;
        }
        throw unauthorized(call, 401, authorization.isPresent());
      }
      if (s == 401 && ours) {
        resp.discard();
        throw unauthorized(call, 401, authorization.isPresent());
      }
      if (call.retries && RetryPolicy.retryableStatus(s) && failures + 1 < retry.maxAttempts()) {
        Optional<Duration> d = retry.delay(failures + 1, r.headers().firstValue("Retry-After"), Instant.now());
        if (d.isPresent()) {
          resp.discard();
          failures++;
          sleepFor(call, d.get(), failures, "status " + s);
          continue;
        }
      }
      if (call.redirects && isRedirect(s) && r.headers().firstValue("Location").isPresent()) {
        resp.discard();
        if (++redirects > MAX_REDIRECTS) {
          throw new RegistryException(
              call.what + " on " + registry + ": more than " + MAX_REDIRECTS + " redirects", s, Optional.empty(), false);
        }
        uri = uri.resolve(r.headers().firstValue("Location").get());
        ours = sameAuthority(uri);
        // Storage back ends (S3, GCS) sign the URL themselves and reject a second credential.
        authorization = ours ? auth.header(call.scopes) : Optional.empty();
        continue;
      }
      return resp;
    }
  }

  /** Whether a failure of {@code uri} may mean it spoke plain HTTP to a loopback registry's TLS port. */
  private boolean mayBeTlsPort(boolean ours, boolean switched, URI uri) {
    return plainFirst && ours && !switched && !schemeSettled && uri.getScheme().equals("http");
  }

  private static boolean isCertificateProblem(SSLException e) {
    String m = String.valueOf(e.getMessage());
    return m.contains("PKIX") || m.contains("certificate") || m.contains("No subject alternative");
  }

  private static boolean isRedirect(int s) {
    return s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
  }

  private void pause(Call call, int failures, Optional<String> retryAfter, String why) throws IOException {
    Duration d = retry.delay(failures, retryAfter, Instant.now()).orElse(Duration.ZERO);
    sleepFor(call, d, failures, why);
  }

  private void sleepFor(Call call, Duration d, int failures, String why) throws IOException {
    counters.retries.increment();
    limiter.failure();
    try {
      sleeper.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(call.what + " on " + registry + " was interrupted while waiting to retry (" + why + ")");
    }
  }

  /** Waits before another attempt of a transfer that handles its own resumption, counting the failure. */
  public void backoff(String what, int failures) throws IOException {
    Duration d = retry.delay(failures, Optional.empty(), Instant.now()).orElse(Duration.ZERO);
    counters.retries.increment();
    limiter.failure();
    try {
      sleeper.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(what + " on " + registry + " was interrupted while waiting to retry");
    }
  }

  static String describe(IOException e) {
    String m = e.getMessage();
    String name = e.getClass().getSimpleName();
    return m == null || m.isBlank() ? name : name.equals("IOException") ? m : name + ": " + m;
  }

  private RegistryException unauthorized(Call call, int status, boolean sentSomething) throws IOException {
    Optional<Credentials> c = auth.credentials();
    String msg;
    if (c.isPresent() && sentSomething) {
      msg = "credentials for " + registry + " from " + c.get().source() + " were rejected (" + status + ") while trying to " + call.what;
    } else {
      msg = registry + " requires authentication to " + call.what + "; no credentials found (looked in " + auth.searched()
          + "); log in with 'ferry login " + registry + "' or pass --creds";
    }
    return new RegistryException(msg, status, Optional.of(ErrorCode.UNAUTHORIZED), false);
  }

  /** The failure a response with an unexpected status stands for: status, spec error code, message, retry hint. */
  public RegistryException failure(Call call, Response r) throws IOException {
    byte[] body = r.readUpTo(MAX_ERROR_BODY);
    r.close();
    int s = r.status();
    List<RegistryJson.ErrorEntry> errors = call.method.equals("HEAD") ? List.of() : RegistryJson.errors(body);
    Optional<ErrorCode> code = errors.isEmpty() ? Optional.empty() : ErrorCode.find(errors.get(0).code());
    StringBuilder m = new StringBuilder(call.what).append(" on ").append(registry).append(": ").append(s);
    if (!errors.isEmpty()) {
      RegistryJson.ErrorEntry e = errors.get(0);
      m.append(' ').append(e.code());
      if (!e.message().isEmpty()) {
        m.append(" (").append(e.message()).append(')');
      }
      if (!e.detail().isEmpty() && e.detail().length() < 200) {
        m.append(": ").append(e.detail());
      }
    } else {
      m.append(' ').append(reason(s));
    }
    boolean retryable = RetryPolicy.retryableStatus(s) || s >= 500;
    if (s == 403) {
      m.append(auth.credentials().map(c -> "; credentials from " + c.source() + " do not grant this").orElse("; no credentials were sent"));
    }
    if (retryable) {
      m.append(call.retries ? "; gave up after " + retry.maxAttempts() + " attempts, retrying later may help" : "; retrying may help");
    }
    return new RegistryException(m.toString(), s, code, retryable);
  }

  private static String reason(int s) {
    return switch (s) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed (the registry does not allow this operation)";
      case 409 -> "Conflict";
      case 413 -> "Payload Too Large";
      case 416 -> "Range Not Satisfiable";
      case 429 -> "Too Many Requests";
      case 500 -> "Internal Server Error";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> "";
    };
  }

  /** A response whose body the caller reads or discards; closing discards. Not thread-safe. */
  public static final class Response implements AutoCloseable {
    private final HttpResponse<InputStream> r;

    Response(HttpResponse<InputStream> r) {
      this.r = r;
    }

    public int status() {
      return r.statusCode();
    }

    public HttpHeaders headers() {
      return r.headers();
    }

    public Optional<String> header(String name) {
      return r.headers().firstValue(name);
    }

    public URI uri() {
      return r.uri();
    }

    public InputStream body() {
      return r.body();
    }

    /**
     * Reads the body, failing when it is longer than {@code limit}.
     *
     * @param what names the body in the error
     */
    public byte[] readAll(int limit, String what) throws IOException {
      long declared = r.headers().firstValueAsLong("Content-Length").orElse(-1);
      if (declared > limit) {
        close();
        throw new IOException(what + " is " + declared + " bytes, more than the limit of " + limit);
      }
      try (InputStream in = r.body()) {
        byte[] b = in.readNBytes(limit + 1);
        if (b.length > limit) {
          throw new IOException(what + " is more than the limit of " + limit + " bytes");
        }
        return b;
      }
    }

    byte[] readUpTo(int limit) {
      try (InputStream in = r.body()) {
        return in.readNBytes(limit);
      } catch (IOException e) {
        return new byte[0];
      }
    }

    /** Reads a short body to its end so the connection can be reused, then closes it. */
    void discard() {
      try (InputStream in = r.body()) {
        in.skipNBytes(0);
        byte[] buf = new byte[8192];
        long total = 0;
        int n;
        // Bounded: a long body is cheaper to drop with its connection than to read.
        while (total < MAX_ERROR_BODY && (n = in.read(buf)) >= 0) {
          total += n;
        }
      } catch (IOException ignored) {
        // the connection is dropped instead
      }
    }

    @Override
    public void close() {
      discard();
    }
  }

  /** Scopes of a repository for the token flow. */
  public static String pullScope(String repository) {
    return "repository:" + repository + ":pull";
  }

  public static String pushScope(String repository) {
    return "repository:" + repository + ":pull,push";
  }

  public static String deleteScope(String repository) {
    return "repository:" + repository + ":delete";
  }

  public static final String CATALOG_SCOPE = "registry:catalog:*";

  /** Header values, for tests and diagnostics. */
  static List<String> values(HttpHeaders h, String name) {
    return new ArrayList<>(h.allValues(name));
  }
}
