package dev.ferry.registry.client;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Index;
import dev.ferry.oci.Reference;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.RegistryException;
import dev.ferry.registry.client.internal.AdaptiveLimiter;
import dev.ferry.registry.client.internal.BlobUpload;
import dev.ferry.registry.client.internal.CredentialSource;
import dev.ferry.registry.client.internal.Counters;
import dev.ferry.registry.client.internal.LinkHeader;
import dev.ferry.registry.client.internal.Locations;
import dev.ferry.registry.client.internal.Manifests;
import dev.ferry.registry.client.internal.Puller;
import dev.ferry.registry.client.internal.Pusher;
import dev.ferry.registry.client.internal.RetryPolicy;
import dev.ferry.registry.client.internal.Tls;
import dev.ferry.registry.client.internal.Transport;
import dev.ferry.registry.client.internal.json.RegistryJson;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;

/**
 * A client of OCI distribution-spec registries (Docker Hub, Harbor, CNCF distribution, Ferry's own server): pull
 * into and push from an {@link OciStore}, tags, catalog, referrers, delete, login. Thread-safe: one client serves
 * many concurrent operations and shares, per registry, one HTTP client (HTTP/1.1, pooled connections), the
 * credentials and the token cache.
 *
 * <pre>{@code
 * try (RegistryClient client = RegistryClient.builder().mirrors(MirrorsConfig.loadDefault()).build()) {
 *   PullResult r = client.pull(store, Reference.parse("busybox:1"), PlatformSelection.host(), ProgressListener.NONE);
 * }
 * }</pre>
 *
 * <p>Every manifest is checked against the digest it was asked by (or the registry's {@code Docker-Content-Digest})
 * and every blob against its descriptor before it is stored; blobs stream through temp files, never memory.
 * Failures are {@link RegistryException}s saying what was attempted on which registry and repository, the HTTP
 * status, the spec error code and whether a retry can help.
 */
public final class RegistryClient implements AutoCloseable {
  static {
    // java.net.http moves response bodies in buffers of this size (default 16 KiB). With 1 MiB a 1 GiB pull took
    // 4.6 s of CPU instead of 7 s here (bench/registry-client.sh); read once, when the HTTP client first loads,
    // and left alone when the user set it.
    if (System.getProperty("jdk.httpclient.bufsize") == null) {
      System.setProperty("jdk.httpclient.bufsize", Integer.toString(1 << 20));
    }
  }

  /** Default blob transfers in flight per registry. */
  public static final int DEFAULT_PARALLELISM = 6;
  /** Blobs up to this size are uploaded in one {@code PUT}; larger ones in {@code PATCH} chunks. */
  public static final long DEFAULT_MONOLITHIC_LIMIT = 16L * 1024 * 1024;
  /**
   * The largest {@code PATCH}. Large on purpose: distribution 2.8 pays per request (it reopens the upload and
   * restores the hash state), so 16 MiB chunks halve push throughput to it (36 vs 96 MiB/s for a 256 MiB layer on
   * loopback), and it cannot resume a cut chunk anyway; a registry that can resume one keeps what arrived of a
   * large chunk as well. The limit remains for proxies that cap request bodies.
   */
  public static final long DEFAULT_CHUNK_SIZE = 512L * 1024 * 1024;
  /** Page size asked of tag and catalog listings. */
  public static final int DEFAULT_PAGE_SIZE = 1000;
  /** Pages followed at most; a registry whose Link headers loop must not hang the client. */
  private static final int MAX_PAGES = 100_000;

  private final Builder config;
  private final CredentialSource credentials;
  private final Counters counters = new Counters();
  private final Locations locations = new Locations();
  private final Map<String, Transport> transports = new ConcurrentHashMap<>();
  private final Map<String, HttpClient> httpClients = new ConcurrentHashMap<>();
  private final SSLContext ssl;
  private final Set<String> insecure;

  private RegistryClient(Builder b) throws IOException {
    this.config = b;
    this.ssl = b.caCerts.isEmpty() ? null : Tls.withExtraCas(b.caCerts);
    Set<String> in = new LinkedHashSet<>(b.insecure);
    in.addAll(b.mirrors.insecure());
    this.insecure = Set.copyOf(in);
    this.credentials = new Lookup(Map.copyOf(b.perRegistry), Optional.ofNullable(b.everywhere), b.dockerConfig);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Where the API of {@code registry} lives: {@code registry-1.docker.io} for {@code docker.io}, else itself. */
  public static String apiHost(String registry) {
    return registry.equals(Reference.DEFAULT_REGISTRY) ? "registry-1.docker.io" : registry;
  }

  /** Whether {@code registry} may be reached over plain HTTP: loopback, or marked insecure. */
  public boolean plainHttpAllowed(String registry) {
    String host = registry.toLowerCase(Locale.ROOT);
    if (host.startsWith("[")) {
      host = host.substring(0, host.indexOf(']') + 1);
    } else if (host.contains(":")) {
      host = host.substring(0, host.indexOf(':'));
    }
    return host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]")
        || insecure.contains(registry) || insecure.contains(host);
  }

  private Transport transport(String registry) {
    return transports.computeIfAbsent(registry, r -> {
      HttpClient http = httpClients.computeIfAbsent(r, x -> {
        HttpClient.Builder hb = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            // Redirects are followed by the transport, which drops credentials when the host changes.
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(30));
        SSLContext tls = ssl;
        hb.sslContext(Tls.lazy(() -> tls != null ? tls : SSLContext.getDefault()));
        hb.sslParameters(new javax.net.ssl.SSLParameters());
        return hb.build();
      });
      RetryPolicy retry = RetryPolicy.defaults().withMaxAttempts(config.maxAttempts).withBase(config.retryBase);
      return new Transport(
          r, apiHost(r), plainHttpAllowed(r), http, credentials, retry, counters,
          new AdaptiveLimiter(config.parallelism), config.userAgent, d -> Thread.sleep(d));
    });
  }

  /**
   * Pulls {@code ref} into {@code store} and names it there with its full reference: from the first mirror of its
   * registry that has it, else from the registry itself (unless offline). For an index, the platforms chosen by
   * {@code platforms} are pulled; the index itself is stored whole (its digest preserved) and, when not all
   * entries were pulled, named with the {@link dev.ferry.oci.store.Images#PARTIAL} annotation.
   *
   * @throws RegistryException when no source could serve it (the message lists each attempt)
   * @throws dev.ferry.oci.store.ImageNotFoundException when the image has no entry for a platform asked for
   */
  public PullResult pull(OciStore store, Reference ref, PlatformSelection platforms, ProgressListener progress)
      throws IOException {
    return new Puller(this::transport, config.mirrors, config.offline, locations).pull(store, ref, platforms, progress);
  }

  /**
   * Pushes the image named {@code storeName} in {@code store} to {@code destination} (by its tag, or by digest when
   * it has none). Blobs the registry has are skipped, blobs known in another repository of the same registry are
   * mounted, the rest uploaded; manifests follow their blobs and the index its children.
   *
   * @throws dev.ferry.oci.store.ImageNotFoundException when the name is unknown or the image is incomplete in the
   *     store (a partially pulled index), naming what is missing
   */
  public PushResult push(OciStore store, String storeName, Reference destination, ProgressListener progress)
      throws IOException {
    return new Pusher(this::transport, locations, config.monolithicLimit, config.chunkSize).push(store, storeName, destination, progress);
  }

  /**
   * Makes one blob present in {@code repository} (its tag or digest is ignored), reading its bytes from {@code
   * source}: HEAD first (nothing sent when it is there), then a cross-repository mount from {@code mountFrom} when
   * given, else an upload (monolithic or chunked, resumed or restarted after a dropped connection). For pushing
   * from something other than a store, such as a bundle file.
   */
  public ProgressListener.Outcome pushBlob(
      Reference repository, Descriptor blob, BlobOpener source, Optional<String> mountFrom, ProgressListener progress)
      throws IOException {
    Transport t = transport(repository.registry());
    progress.started(blob);
    BlobUpload.Outcome o =
        BlobUpload.put(t, repository.repository(), blob, source, mountFrom, config.monolithicLimit, config.chunkSize, progress);
    ProgressListener.Outcome out = switch (o.result()) {
      case EXISTED -> ProgressListener.Outcome.EXISTED;
      case MOUNTED -> ProgressListener.Outcome.MOUNTED;
      case UPLOADED -> ProgressListener.Outcome.TRANSFERRED;
    };
    progress.finished(blob, out);
    return out;
  }

  /** Whether {@code repository} (its tag or digest is ignored) has the blob {@code digest}: a HEAD, nothing written. */
  public boolean hasBlob(Reference repository, Digest digest) throws IOException {
    return BlobUpload.exists(transport(repository.registry()), repository.repository(), digest);
  }

  /** The manifest or index {@code ref} names, verified; empty when the registry does not have it. */
  public Optional<Descriptor> head(Reference ref) throws IOException {
    return Manifests.head(transport(ref.registry()), ref.repository(), ref.tagOrDigest());
  }

  /** Fetches the manifest or index {@code ref} names (exact bytes, verified, at most 4 MiB). */
  public RemoteManifest manifest(Reference ref) throws IOException {
    Manifests.Fetched f = Manifests.get(transport(ref.registry()), ref.repository(), ref.tagOrDigest(), -1);
    return new RemoteManifest(f.descriptor(), f.bytes());
  }

  /**
   * Puts a manifest or index's exact bytes as {@code destination}'s tag (or digest when it has no tag). Everything
   * it refers to must already be in that repository; the registry checks that.
   */
  public void putManifest(Reference destination, Descriptor descriptor, byte[] bytes) throws IOException {
    Manifests.put(transport(destination.registry()), destination.repository(), destination.tagOrDigest(), descriptor, bytes);
  }

  /** Every tag of {@code repository} (its tag or digest is ignored), following {@code Link} pagination. */
  public List<String> tags(Reference repository) throws IOException {
    return tags(repository, DEFAULT_PAGE_SIZE);
  }

  /** Like {@link #tags(Reference)} asking for pages of {@code pageSize}. */
  public List<String> tags(Reference repository, int pageSize) throws IOException {
    String repo = repository.repository();
    return paged(repository.registry(), repo + "/tags/list?n=" + pageSize, "tags", "list tags of " + repo,
        Transport.pullScope(repo));
  }

  /** Every repository of {@code registry} ({@code host[:port]}), following {@code Link} pagination. */
  public List<String> catalog(String registry) throws IOException {
    return catalog(registry, DEFAULT_PAGE_SIZE);
  }

  public List<String> catalog(String registry, int pageSize) throws IOException {
    return paged(registry, "_catalog?n=" + pageSize, "repositories", "list the catalog", Transport.CATALOG_SCOPE);
  }

  private List<String> paged(String registry, String first, String field, String what, String scope) throws IOException {
    Transport t = transport(registry);
    List<String> out = new ArrayList<>();
    Set<String> seenPages = new HashSet<>();
    String next = first;
    for (int page = 0; next != null; page++) {
      if (page >= MAX_PAGES || !seenPages.add(next)) {
        throw new RegistryException(what + " on " + registry + ": the registry's Link headers loop", 200, Optional.empty(), false);
      }
      byte[] body;
      Optional<String> link;
      try (Transport.Response r = t.call("GET", next, what).scopes(scope).expect(200)) {
        body = r.readAll(64 * 1024 * 1024, what + " on " + registry);
        link = LinkHeader.next(r.headers().allValues("Link"));
        next = link.map(l -> r.uri().resolve(l).toString()).orElse(null);
      }
      out.addAll(RegistryJson.stringList(body, field, what + " on " + registry));
    }
    return out;
  }

  /**
   * The manifests that refer to {@code subject} (which must carry a digest) as their subject, optionally only
   * those of {@code artifactType}: the referrers API, or the tag schema ({@code sha256-<hex>}) where the registry
   * lacks it (404).
   *
   * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-referrers">listing referrers</a>
   */
  public List<Descriptor> referrers(Reference subject, Optional<String> artifactType) throws IOException {
    Digest digest = subject.digest().orElseThrow(
        () -> new IllegalArgumentException("referrers need a reference with a digest, got " + subject));
    Transport t = transport(subject.registry());
    String repo = subject.repository();
    String what = "list referrers of " + repo + "@" + digest;
    byte[] body = null;
    try (Transport.Response r = t.call("GET", repo + "/referrers/" + digest
            + artifactType.map(a -> "?artifactType=" + java.net.URLEncoder.encode(a, java.nio.charset.StandardCharsets.UTF_8)).orElse(""), what)
        .scopes(Transport.pullScope(repo))
        .header("Accept", "application/vnd.oci.image.index.v1+json")
        .expect(200, 404)) {
      if (r.status() == 200) {
        body = r.readAll(Manifests.MAX_MANIFEST, what);
      }
    }
    if (body == null) {
      String fallback = digest.algorithm().id() + "-" + digest.hex();
      try {
        body = Manifests.get(t, repo, fallback, -1).bytes();
      } catch (RegistryException e) {
        if (e.status() == 404) {
          return List.of();
        }
        throw e;
      }
    }
    Index index = Index.parse(body, Optional.of("application/vnd.oci.image.index.v1+json"));
    return index.manifests().stream()
        .filter(d -> artifactType.isEmpty() || d.artifactType().equals(artifactType))
        .toList();
  }

  /**
   * Deletes the manifest {@code ref} names (a tag is resolved to its digest first, and the manifest with every tag
   * pointing at it goes). Returns the digest deleted.
   */
  public Digest delete(Reference ref) throws IOException {
    Transport t = transport(ref.registry());
    String repo = ref.repository();
    Digest digest;
    if (ref.digest().isPresent()) {
      digest = ref.digest().get();
    } else {
      digest = head(ref).map(Descriptor::digest).orElseThrow(
          () -> new RegistryException("delete " + ref + ": no such manifest on " + ref.registry(), 404,
              Optional.of(dev.ferry.registry.ErrorCode.MANIFEST_UNKNOWN), false));
    }
    t.call("DELETE", repo + "/manifests/" + digest, "delete manifest " + repo + "@" + digest)
        .scopes(Transport.deleteScope(repo))
        .expect(202, 200, 204)
        .close();
    return digest;
  }

  /** Deletes blob {@code digest} from the repository of {@code repository}. */
  public void deleteBlob(Reference repository, Digest digest) throws IOException {
    String repo = repository.repository();
    transport(repository.registry())
        .call("DELETE", repo + "/blobs/" + digest, "delete blob " + digest + " of " + repo)
        .scopes(Transport.deleteScope(repo))
        .expect(202, 200, 204)
        .close();
  }

  /**
   * Checks that {@code registry} answers its API root ({@code GET /v2/}) with the client's credentials; fails with
   * a message naming the credential source when they are rejected.
   */
  public void ping(String registry) throws IOException {
    transport(registry).call("GET", "", "check access to the registry API").expect(200).close();
  }

  /**
   * Checks {@code credentials} against {@code registry} and, when accepted, stores them in {@code dockerConfig}
   * ({@code auths}, file mode 0600, written atomically).
   */
  public static void login(String registry, Credentials credentials, DockerConfig dockerConfig, Builder options)
      throws IOException {
    try (RegistryClient probe = options.copy().ignoreDockerConfig().credentials(registry, credentials).build()) {
      probe.ping(registry);
    }
    dockerConfig.login(registry, credentials);
  }

  /** Removes {@code registry}'s entry from {@code dockerConfig}; false when it had none. */
  public static boolean logout(String registry, DockerConfig dockerConfig) throws IOException {
    return dockerConfig.logout(registry);
  }

  /** What this client moved so far. */
  public TransferStats stats() {
    return counters.snapshot();
  }

  /** Releases pooled connections. */
  @Override
  public void close() {
    for (HttpClient c : httpClients.values()) {
      c.shutdownNow();
    }
  }

  /** Credentials in the configured order: per registry, then everywhere ({@code --creds}), then the docker config. */
  private record Lookup(Map<String, Credentials> perRegistry, Optional<Credentials> everywhere, Optional<DockerConfig> docker)
      implements CredentialSource {
    @Override
    public Optional<Credentials> lookup(String registry) throws IOException {
      Credentials c = perRegistry.get(registry);
      if (c != null) {
        return Optional.of(c);
      }
      if (everywhere.isPresent()) {
        return everywhere;
      }
      return docker.isPresent() ? docker.get().lookup(registry) : Optional.empty();
    }

    @Override
    public String searched() {
      List<String> where = new ArrayList<>();
      if (!perRegistry.isEmpty() || everywhere.isPresent()) {
        where.add("--creds");
      }
      docker.ifPresent(d -> where.add(d.displayName() + " and its credential helpers"));
      return where.isEmpty() ? "nowhere: no credential source configured" : String.join(", ", where);
    }
  }

  /** Options of a {@link RegistryClient}. Not thread-safe; {@link #build()} copies what it needs. */
  public static final class Builder {
    private final Map<String, Credentials> perRegistry = new LinkedHashMap<>();
    private Credentials everywhere;
    private Optional<DockerConfig> dockerConfig = Optional.of(DockerConfig.fromEnvironment());
    private final Set<String> insecure = new LinkedHashSet<>();
    private final List<Path> caCerts = new ArrayList<>();
    private MirrorsConfig mirrors = MirrorsConfig.empty();
    private boolean offline;
    private int parallelism = DEFAULT_PARALLELISM;
    private int maxAttempts = RetryPolicy.defaults().maxAttempts();
    private Duration retryBase = RetryPolicy.defaults().base();
    private long chunkSize = DEFAULT_CHUNK_SIZE;
    private long monolithicLimit = DEFAULT_MONOLITHIC_LIMIT;
    private String userAgent = "ferry/" + Optional.ofNullable(RegistryClient.class.getPackage().getImplementationVersion()).orElse("dev");

    private Builder() {}

    Builder copy() {
      Builder b = new Builder();
      b.perRegistry.putAll(perRegistry);
      b.everywhere = everywhere;
      b.dockerConfig = dockerConfig;
      b.insecure.addAll(insecure);
      b.caCerts.addAll(caCerts);
      b.mirrors = mirrors;
      b.offline = offline;
      b.parallelism = parallelism;
      b.maxAttempts = maxAttempts;
      b.retryBase = retryBase;
      b.chunkSize = chunkSize;
      b.monolithicLimit = monolithicLimit;
      b.userAgent = userAgent;
      return b;
    }

    /** Credentials for every registry this client talks to ({@code --creds USER:PASS}); wins over the docker config. */
    public Builder credentials(Credentials c) {
      this.everywhere = c;
      return this;
    }

    /** Credentials for one registry ({@code host[:port]}, {@code docker.io}); wins over everything else. */
    public Builder credentials(String registry, Credentials c) {
      perRegistry.put(registry, c);
      return this;
    }

    /** Where {@code auths}, {@code credHelpers} and {@code credsStore} are read; default {@link DockerConfig#fromEnvironment()}. */
    public Builder dockerConfig(DockerConfig c) {
      this.dockerConfig = Optional.of(c);
      return this;
    }

    /** Reads no docker config: only explicit credentials, else anonymous. */
    public Builder ignoreDockerConfig() {
      this.dockerConfig = Optional.empty();
      return this;
    }

    /** Registries ({@code host[:port]} or a bare host for every port) that may be reached over plain HTTP. */
    public Builder insecure(String... registries) {
      insecure.addAll(List.of(registries));
      return this;
    }

    /** A PEM file of CA certificates trusted in addition to the system's ({@code --ca-cert}). */
    public Builder caCert(Path pem) {
      caCerts.add(pem);
      return this;
    }

    /** Mirrors tried before their upstream on pull; the file's {@code insecure} list is added to {@link #insecure}. */
    public Builder mirrors(MirrorsConfig m) {
      this.mirrors = m;
      return this;
    }

    /** Pulls use mirrors only, never the upstream registry. */
    public Builder offline(boolean o) {
      this.offline = o;
      return this;
    }

    /** Blob transfers in flight per registry (default 6); drops to 1 after repeated failures. */
    public Builder parallelism(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("parallelism must be >= 1, got " + n);
      }
      this.parallelism = n;
      return this;
    }

    /** Attempts per request, the first included (default 5). */
    public Builder maxAttempts(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxAttempts must be >= 1, got " + n);
      }
      this.maxAttempts = n;
      return this;
    }

    /** The first backoff ceiling (default 250 ms); doubles per failure with full jitter. */
    public Builder retryBaseDelay(Duration d) {
      if (d.isNegative()) {
        throw new IllegalArgumentException("retry delay must be >= 0, got " + d);
      }
      this.retryBase = d;
      return this;
    }

    /** The largest {@code PATCH} of a chunked upload (default 512 MiB). */
    public Builder chunkSize(long bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("chunk size must be >= 1024 bytes, got " + bytes);
      }
      this.chunkSize = bytes;
      return this;
    }

    /** Blobs up to this size are uploaded in one {@code PUT} (default 16 MiB), larger ones in chunks. */
    public Builder monolithicLimit(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("monolithic limit must be >= 0, got " + bytes);
      }
      this.monolithicLimit = bytes;
      return this;
    }

    public Builder userAgent(String ua) {
      this.userAgent = ua;
      return this;
    }

    /**
     * Builds the client.
     *
     * @throws IOException when a {@code --ca-cert} file cannot be read
     */
    public RegistryClient build() throws IOException {
      return new RegistryClient(copy());
    }
  }
}
