package dev.ferry.registry.server;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.ferry.oci.Nullable;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * An OCI distribution-spec 1.1 registry serving a Ferry store: pull, push (monolithic, chunked, resumable across
 * restarts), mount, tags, catalog, referrers and delete, with optional Basic or bearer-token auth and TLS. Built on
 * the JDK's {@code com.sun.net.httpserver} with one virtual thread per request. Thread-safe.
 *
 * <pre>{@code
 * try (RegistryServer server = RegistryServer.builder().store(store).listen(new InetSocketAddress("127.0.0.1", 5000)).build()) {
 *   server.start();
 *   ...
 * }
 * }</pre>
 *
 * <p>See {@code docs/registries.md} ("Ferry's registry server") for the mapping of repositories onto store names,
 * scoping, auth and limits, and {@link RegistryState#gcRoots} for running {@code ferry gc} beside a server.
 */
public final class RegistryServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RegistryServer.class.getName());
  /** Upload writers idle this long are closed (their bytes stay on disk); bounds memory held by stalled clients. */
  private static final Duration IDLE_UPLOAD = Duration.ofMinutes(5);
  /** Upload sessions untouched this long are deleted at start-up: the client gave up. */
  private static final Duration ABANDONED_UPLOAD = Duration.ofDays(7);
  /** Seconds {@link #close()} waits for requests in flight. */
  private static final int STOP_DELAY = 1;

  private final Builder config;
  private final HttpServer http;
  private final Uploads uploads;
  private final ExecutorService executor;
  private final ScheduledExecutorService sweeper;
  private boolean started;

  private RegistryServer(Builder b) throws IOException {
    this.config = b;
    Clock clock = Clock.systemUTC();
    OciStore store = Objects.requireNonNull(b.store, "store");
    RegistryState state = RegistryState.of(store, clock);
    this.uploads = new Uploads(store, clock, b.maxBlobSize);
    int purged = uploads.purge(ABANDONED_UPLOAD);
    if (purged > 0) {
      LOG.log(System.Logger.Level.INFO, "removed " + purged + " upload sessions abandoned for over " + ABANDONED_UPLOAD.toDays() + " days");
    }
    Htpasswd htpasswd = b.htpasswd == null ? null : Htpasswd.load(b.htpasswd);
    Tokens tokens = b.tokenKey == null ? null : Tokens.load(b.tokenKey, clock);
    Acl acl = b.acl == null ? Acl.authenticatedUsers() : Acl.load(b.acl);
    boolean tls = b.tlsCert != null;
    if (tls) {
      SSLContext ctx = Pem.serverContext(b.tlsCert, Objects.requireNonNull(b.tlsKey, "tls key"));
      HttpsServer s = HttpsServer.create(b.listen, b.backlog);
      s.setHttpsConfigurator(new HttpsConfigurator(ctx));
      this.http = s;
    } else {
      this.http = HttpServer.create(b.listen, b.backlog);
    }
    this.executor = b.threads <= 0 ? Executors.newVirtualThreadPerTaskExecutor() : Executors.newFixedThreadPool(b.threads);
    http.setExecutor(executor);
    http.createContext(
        "/", new RegistryHandler(store, state, uploads, new Authorizer(htpasswd, tokens, acl), b.readOnly, tls, b.maxBlobSize));
    this.sweeper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "ferry-registry-sweeper");
              t.setDaemon(true);
              return t;
            });
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Starts serving; returns at once. */
  public synchronized RegistryServer start() {
    if (started) {
      throw new IllegalStateException("registry server already started");
    }
    started = true;
    http.start();
    sweeper.scheduleWithFixedDelay(() -> uploads.closeIdle(IDLE_UPLOAD), 1, 1, TimeUnit.MINUTES);
    return this;
  }

  /** The port the server listens on (the bound one when {@code listen} asked for port 0). */
  public int port() {
    return http.getAddress().getPort();
  }

  /** The bound address. */
  public InetSocketAddress address() {
    return http.getAddress();
  }

  /** Whether clients must use https. */
  public boolean tls() {
    return config.tlsCert != null;
  }

  /**
   * Stops accepting requests, waits briefly for those in flight, and closes upload writers; uploads in progress
   * stay on disk and continue on the next server started on the same store.
   */
  @Override
  public synchronized void close() {
    if (started) {
      http.stop(STOP_DELAY);
    }
    sweeper.shutdownNow();
    executor.shutdownNow();
    uploads.close();
  }

  /** Configures a {@link RegistryServer}. Not thread-safe. */
  public static final class Builder {
    private @Nullable OciStore store;
    private InetSocketAddress listen = new InetSocketAddress("127.0.0.1", 5000);
    private boolean readOnly;
    private @Nullable Path htpasswd;
    private @Nullable Path tokenKey;
    private @Nullable Path acl;
    private @Nullable Path tlsCert;
    private @Nullable Path tlsKey;
    private long maxBlobSize = Long.MAX_VALUE;
    private int threads;
    /** Pending connections the kernel queues; many clients open several connections at once. */
    private int backlog = 256;

    private Builder() {}

    /** The store to serve (required). */
    public Builder store(OciStore value) {
      this.store = Objects.requireNonNull(value, "store");
      return this;
    }

    /** Where to listen; port 0 picks a free port (see {@link RegistryServer#port()}). Default 127.0.0.1:5000. */
    public Builder listen(InetSocketAddress value) {
      this.listen = Objects.requireNonNull(value, "listen");
      return this;
    }

    /** Refuses every write with 405 {@code UNSUPPORTED}. */
    public Builder readOnly(boolean value) {
      this.readOnly = value;
      return this;
    }

    /** Requires Basic auth against this htpasswd file (bcrypt entries, {@code htpasswd -B}). */
    public Builder htpasswd(@Nullable Path file) {
      this.htpasswd = file;
      return this;
    }

    /**
     * Requires bearer tokens, issued at {@code /token} and signed (HS256) with the secret in this file (at least
     * 32 bytes). Combine with {@link #htpasswd} to require a login for a token.
     */
    public Builder tokenKey(@Nullable Path file) {
      this.tokenKey = file;
      return this;
    }

    /** Who may pull or push where; without it every authenticated user may do both. Format in {@code docs/registries.md}. */
    public Builder acl(@Nullable Path file) {
      this.acl = file;
      return this;
    }

    /** Serves https with a PEM certificate chain and an unencrypted PKCS#8 PEM key (RSA, EC or Ed25519). */
    public Builder tls(Path certificate, Path key) {
      this.tlsCert = Objects.requireNonNull(certificate, "certificate");
      this.tlsKey = Objects.requireNonNull(key, "key");
      return this;
    }

    /** Refuses blobs larger than this (413 {@code SIZE_INVALID}); default unlimited. */
    public Builder maxBlobSize(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("max blob size must be > 0, got " + bytes);
      }
      this.maxBlobSize = bytes;
      return this;
    }

    /** Request threads: 0 (default) is one virtual thread per request, n a fixed pool of n platform threads. */
    public Builder threads(int value) {
      if (value < 0) {
        throw new IllegalArgumentException("threads must be >= 0, got " + value);
      }
      this.threads = value;
      return this;
    }

    public RegistryServer build() throws IOException {
      if (store == null) {
        throw new IllegalStateException("a registry server needs a store");
      }
      return new RegistryServer(this);
    }
  }
}
