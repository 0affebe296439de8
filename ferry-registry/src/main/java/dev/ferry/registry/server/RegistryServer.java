package dev.ferry.registry.server;

import com.sun.net.httpserver.HttpServer;
import dev.ferry.oci.Nullable;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.http.spi.JettyHttpServer;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * An OCI distribution-spec 1.1 registry serving a Ferry store: pull, push (monolithic, chunked, resumable across
 * restarts), mount, tags, catalog, referrers and delete, with optional Basic or bearer-token auth and TLS. The handler
 * is written against the JDK's {@code com.sun.net.httpserver} API and runs on Jetty's implementation of it
 * ({@code jetty-http-spi}), with one virtual thread per request. Thread-safe.
 *
 * <p>Why Jetty and not the JDK's own server: a client that tries https first (skopeo, podman, Docker with an
 * insecure registry) sends a TLS ClientHello, which the JDK server reads as the start of a request line and never
 * answers, so the client waits out its 10 s TLS handshake timeout before falling back to http. Jetty's parser
 * rejects the first byte (0x16) at once and closes the connection. Measurements in {@code docs/benchmarks.md}.
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
  /**
   * A connection with no bytes moving for this long is closed: an idle keep-alive connection, or a stalled client
   * (headers or body). It bounds inactivity, not the length of a request, so long uploads are fine.
   */
  private static final Duration IDLE_CONNECTION = Duration.ofSeconds(60);
  /**
   * Response buffer per request: blob bodies leave in 256 KiB writes (the size RegistryHandler copies in) rather than
   * Jetty's default 32 KiB. Allocated per response, from Jetty's buffer pool.
   */
  private static final int OUTPUT_BUFFER = 256 * 1024;
  /**
   * Read buffer per connection. Jetty's default (8 KiB) means a read call per 8 KiB of an upload: a 512 MiB skopeo
   * push took ~3.9 s with it and ~2.5 s with 128 KiB; 512 KiB was no faster.
   */
  private static final int INPUT_BUFFER = 128 * 1024;
  /**
   * Jetty logs through slf4j to java.util.logging, and at INFO it announces every start and stop on stderr. Held here
   * because java.util.logging keeps only weak references to loggers (a level set on a collected one is lost).
   */
  private static final java.util.logging.Logger JETTY_LOG = java.util.logging.Logger.getLogger("org.eclipse.jetty");

  static {
    if (JETTY_LOG.getLevel() == null) { // unless a logging configuration chose a level
      JETTY_LOG.setLevel(java.util.logging.Level.WARNING);
    }
  }

  private final Builder config;
  private final HttpServer http;
  private final ServerConnector connector;
  private final Uploads uploads;
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
    SSLContext ssl = tls ? Pem.serverContext(b.tlsCert, Objects.requireNonNull(b.tlsKey, "tls key")) : null;
    Server server = new Server(threadPool(b.threads), null, bufferPool());
    server.setHandler(new ExposeSink(new ContextHandlerCollection()));
    server.setStopTimeout(TimeUnit.SECONDS.toMillis(STOP_DELAY));
    this.connector = connector(server, b, ssl);
    server.addConnector(connector);
    // Bind now, as the JDK server did in create(): a port in use fails build() with a BindException.
    connector.open();
    // Not shared: start() and stop() of the SPI server start and stop the Jetty server.
    this.http = new JettyHttpServer(server, false);
    // Finds our connector (same port) and adds none of its own; the SPI's start() needs the address set here.
    http.bind(b.listen, b.backlog);
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

  /**
   * The request attribute under which a handler finds the Jetty response as a {@link Content.Sink}: the SPI's
   * {@code OutputStream} takes only byte arrays, and {@link RegistryHandler} sends blobs from mapped (direct) buffers.
   */
  static final String SINK_ATTRIBUTE = "dev.ferry.registry.server.sink";
  /** The attribute under which a handler finds the Jetty request as a {@link Content.Source}; see {@link Body}. */
  static final String SOURCE_ATTRIBUTE = "dev.ferry.registry.server.source";

  /** Sets {@link #SINK_ATTRIBUTE} and {@link #SOURCE_ATTRIBUTE} on every request before the SPI turns it into an {@code HttpExchange}. */
  private static final class ExposeSink extends Handler.Wrapper {
    ExposeSink(Handler next) {
      super(next);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      request.setAttribute(SINK_ATTRIBUTE, response);
      request.setAttribute(SOURCE_ATTRIBUTE, request);
      return super.handle(request, response, callback);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Jetty's default pool keeps no buffer over 64 KiB, so each of our 128 KiB request and 256 KiB response buffers
   * was a fresh direct allocation (malloc, zeroing, page faults, a Cleaner): a third of the server's CPU while
   * skopeo pushed 512 MiB. Buckets at powers of two up to 1 MiB keep them for reuse.
   */
  private static ArrayByteBufferPool bufferPool() {
    return new ArrayByteBufferPool.Quadratic(0, 1 << 20, Integer.MAX_VALUE);
  }

  private static QueuedThreadPool threadPool(int threads) {
    QueuedThreadPool pool;
    if (threads <= 0) {
      // Platform threads for Jetty's own acceptor and selector; handlers, which block on the store, on virtual threads.
      pool = new QueuedThreadPool(16, 2);
      pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
    } else {
      // n for requests, plus the acceptor and the selector (Jetty refuses to start with fewer threads than it needs).
      pool = new QueuedThreadPool(threads + 2, Math.min(threads + 2, 4));
    }
    pool.setName("ferry-registry");
    pool.setDaemon(true);
    return pool;
  }

  private static ServerConnector connector(Server server, Builder b, @Nullable SSLContext ssl) {
    HttpConfiguration conf = new HttpConfiguration();
    conf.setSendServerVersion(false);
    conf.setSendXPoweredBy(false);
    conf.setOutputBufferSize(OUTPUT_BUFFER);
    // Paths reach RegistryHandler as sent: it refuses bad repository names ("a/../b", "a%2F..%2Fb", "a//b") with
    // the spec's NAME_INVALID, where Jetty's default would answer an HTML 400 of its own.
    conf.setUriCompliance(UriCompliance.UNSAFE);
    HttpConnectionFactory http = new HttpConnectionFactory(conf);
    http.setInputBufferSize(INPUT_BUFFER);
    ConnectionFactory[] factories;
    if (ssl == null) {
      // A TLS ClientHello on this plain port is a bad request line to Jetty's parser: 400 and close, at once.
      factories = new ConnectionFactory[] {http};
    } else {
      SslContextFactory.Server tls = new SslContextFactory.Server();
      tls.setSslContext(ssl);
      factories = new ConnectionFactory[] {new SslConnectionFactory(tls, http.getProtocol()), http};
    }
    // One acceptor; selectors: Jetty's default for the core count.
    ServerConnector c = new ServerConnector(server, 1, -1, factories);
    c.setHost(b.listen.getHostString());
    c.setPort(b.listen.getPort());
    c.setAcceptQueueSize(b.backlog);
    c.setIdleTimeout(IDLE_CONNECTION.toMillis());
    return c;
  }

  /** A plain-HTTP server started by {@link #serveHandler}: its bound port, and {@code close()} to stop it. */
  public interface Served extends AutoCloseable {
    int port();

    @Override
    void close();
  }

  /**
   * Serves another {@code com.sun.net.httpserver} handler on the same HTTP layer as the registry (Jetty, with its
   * thread and buffer settings; plain HTTP): for read-only registry views that are not a store, such as a bundle
   * file. Port 0 picks a free one.
   */
  public static Served serveHandler(InetSocketAddress listen, com.sun.net.httpserver.HttpHandler handler) throws IOException {
    Builder b = builder().listen(listen);
    Server server = new Server(threadPool(0), null, bufferPool());
    server.setHandler(new ContextHandlerCollection());
    server.setStopTimeout(TimeUnit.SECONDS.toMillis(STOP_DELAY));
    ServerConnector c = connector(server, b, null);
    server.addConnector(c);
    c.open();
    JettyHttpServer http = new JettyHttpServer(server, false);
    http.bind(listen, b.backlog);
    http.createContext("/", handler);
    http.start();
    return new Served() {
      @Override
      public int port() {
        return c.getLocalPort();
      }

      @Override
      public void close() {
        try {
          http.stop(STOP_DELAY);
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.DEBUG, "server stopped after " + STOP_DELAY + " s grace: " + e);
        }
      }
    };
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
    int p = connector.getLocalPort();
    return p > 0 ? p : config.listen.getPort();
  }

  /** The bound address. */
  public InetSocketAddress address() {
    return new InetSocketAddress(config.listen.getAddress(), port());
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
      try {
        http.stop(STOP_DELAY);
      } catch (RuntimeException e) {
        // Jetty stops everything and then reports that the graceful wait ran out (idle keep-alive connections of
        // clients count as open); the server is stopped either way.
        LOG.log(System.Logger.Level.DEBUG, "registry server stopped after " + STOP_DELAY + " s grace: " + e);
      }
    }
    sweeper.shutdownNow();
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

    /** Request threads: 0 (default) is one virtual thread per request, n a pool of n platform threads. */
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
