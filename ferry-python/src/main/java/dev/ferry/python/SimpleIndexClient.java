package dev.ferry.python;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds a project's files in Python package sources: simple indexes over HTTP(S) — PEP 691 JSON when the server
 * offers it, PEP 503 HTML otherwise (devpi, Nexus, Artifactory, pypiserver, a static directory) — and
 * {@code --find-links} directories. Credentials come from the index URL's {@code user:password@} and are sent as
 * HTTP Basic auth to that host only; they never appear in messages. Thread-safe.
 *
 * @see <a href="https://peps.python.org/pep-0503/">PEP 503</a>
 * @see <a href="https://peps.python.org/pep-0691/">PEP 691</a>
 */
public final class SimpleIndexClient {
  static final String ACCEPT =
      "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";
  private static final Pattern ANCHOR = Pattern.compile("<a\\s+([^>]*)>([^<]*)</a>", Pattern.CASE_INSENSITIVE);
  private static final Pattern HREF = Pattern.compile("href\\s*=\\s*(\"([^\"]*)\"|'([^']*)')", Pattern.CASE_INSENSITIVE);
  private static final Pattern YANKED = Pattern.compile("data-yanked", Pattern.CASE_INSENSITIVE);

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration PAGE_TIMEOUT = Duration.ofSeconds(60);
  /** Between two reads of a file's bytes (not for the whole file: wheels can be gigabytes). */
  private static final Duration FILE_READ_TIMEOUT = Duration.ofMinutes(5);

  private final List<Index> indexes;
  private final List<Path> findLinks;
  private final java.util.Map<Path, List<Path>> listings = new java.util.concurrent.ConcurrentHashMap<>();

  /** One index: its URL without credentials, and the Basic auth header (empty without credentials). */
  private record Index(URI url, String host, Optional<String> authorization) {}

  /** A file a source offers: name, where to fetch it, and the sha256 the source declares (when it does). */
  public record IndexFile(String filename, URI url, Optional<String> sha256, boolean yanked) {
    /** The URL for messages and records: never with credentials. */
    public String displayUrl() {
      return WheelUnpacker.stripCredentials(url.toString());
    }
  }

  public SimpleIndexClient(List<String> indexUrls, List<Path> findLinks) {
    List<Index> out = new ArrayList<>();
    for (String u : indexUrls) {
      URI uri = URI.create(u.endsWith("/") ? u : u + "/");
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
        throw new IllegalArgumentException("index URL must be http:// or https://, got " + WheelUnpacker.stripCredentials(u));
      }
      Optional<String> auth = Optional.empty();
      if (uri.getRawUserInfo() != null) {
        String info = URLDecoder.decode(uri.getRawUserInfo(), StandardCharsets.UTF_8);
        auth = Optional.of("Basic " + Base64.getEncoder().encodeToString(info.getBytes(StandardCharsets.UTF_8)));
        uri = URI.create(WheelUnpacker.stripCredentials(uri.toString()));
      }
      out.add(new Index(uri, uri.getHost(), auth));
    }
    this.indexes = List.copyOf(out);
    this.findLinks = List.copyOf(findLinks);
  }

  /** Every file of {@code project} (PEP 503 normalised) in every source, indexes first, in source order. */
  public List<IndexFile> files(String project) throws IOException, InterruptedException {
    String norm = Names.normalize(project);
    List<IndexFile> out = new ArrayList<>();
    for (Index ix : indexes) {
      out.addAll(fromIndex(ix, norm));
    }
    for (Path dir : findLinks) {
      for (Path f : listing(dir)) {
        String fn = f.getFileName().toString();
        if (matchesProject(fn, norm)) {
          out.add(new IndexFile(fn, f.toAbsolutePath().toUri(), Optional.empty(), false));
        }
      }
    }
    return out;
  }

  /** A find-links directory's files, listed once per client (a lock asks for every package). */
  private List<Path> listing(Path dir) throws IOException {
    List<Path> l = listings.get(dir);
    if (l == null) {
      try (Stream<Path> s = Files.list(dir)) {
        l = s.sorted().toList();
      }
      listings.put(dir, l);
    }
    return l;
  }

  /** Whether a file name (wheel or sdist) belongs to the project. */
  static boolean matchesProject(String fn, String norm) {
    if (WheelFilename.isWheel(fn)) {
      try {
        return WheelFilename.parse(fn).project().equals(norm);
      } catch (IllegalArgumentException e) {
        return false;
      }
    }
    String lower = fn.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".tar.gz") || lower.endsWith(".zip")) {
      int dash = fn.lastIndexOf('-');
      return dash > 0 && Names.normalize(fn.substring(0, dash)).equals(norm);
    }
    return false;
  }

  private List<IndexFile> fromIndex(Index ix, String project) throws IOException, InterruptedException {
    URI page = ix.url().resolve(project + "/");
    Response res;
    try {
      res = get(page, Map.of("Accept", ACCEPT), ix.authorization().map(a -> Map.entry(ix.host(), a)), PAGE_TIMEOUT);
    } catch (IOException e) {
      throw new IOException("cannot reach index " + ix.url() + " for " + project + ": " + e.getMessage(), e);
    }
    int status = res.status();
    byte[] body;
    try (InputStream in = res.body()) {
      body = in.readAllBytes();
    }
    if (status == 404) {
      return List.of();
    }
    if (status == 401 || status == 403) {
      throw new IOException("index " + ix.url() + " refused " + project + " (HTTP " + status + "); "
          + (ix.authorization().isPresent() ? "check the credentials in the index URL" : "give credentials as https://USER:PASSWORD@host/..."));
    }
    if (status / 100 != 2) {
      throw new IOException("index " + ix.url() + " answered HTTP " + status + " for " + project);
    }
    String type = res.contentType().toLowerCase(Locale.ROOT);
    URI base = res.uri();
    return type.contains("application/vnd.pypi.simple.v1+json") ? parseJson(base, body) : parseHtml(base, body);
  }

  static List<IndexFile> parseJson(URI base, byte[] body) throws IOException {
    JsonNode root = new ObjectMapper().readTree(body);
    List<IndexFile> out = new ArrayList<>();
    for (JsonNode f : root.path("files")) {
      String fn = f.path("filename").asText("");
      String url = f.path("url").asText("");
      if (fn.isEmpty() || url.isEmpty()) {
        continue;
      }
      String sha = f.path("hashes").path("sha256").asText("");
      JsonNode y = f.path("yanked");
      boolean yanked = y.isBoolean() ? y.asBoolean() : y.isTextual();
      out.add(new IndexFile(fn, base.resolve(url), sha.isEmpty() ? Optional.empty() : Optional.of(sha.toLowerCase(Locale.ROOT)), yanked));
    }
    return out;
  }

  static List<IndexFile> parseHtml(URI base, byte[] body) {
    String html = new String(body, StandardCharsets.UTF_8);
    Matcher base2 = Pattern.compile("<base\\s+href\\s*=\\s*\"([^\"]*)\"", Pattern.CASE_INSENSITIVE).matcher(html);
    URI b = base2.find() ? base.resolve(unescape(base2.group(1))) : base;
    List<IndexFile> out = new ArrayList<>();
    Matcher m = ANCHOR.matcher(html);
    while (m.find()) {
      Matcher h = HREF.matcher(m.group(1));
      if (!h.find()) {
        continue;
      }
      String href = unescape(h.group(2) != null ? h.group(2) : h.group(3));
      Optional<String> sha = Optional.empty();
      int hash = href.indexOf('#');
      if (hash >= 0) {
        String frag = href.substring(hash + 1);
        if (frag.startsWith("sha256=")) {
          sha = Optional.of(frag.substring(7).toLowerCase(Locale.ROOT));
        }
        href = href.substring(0, hash);
      }
      URI url = b.resolve(href);
      String path = url.getPath();
      String fn = URLDecoder.decode(path.substring(path.lastIndexOf('/') + 1), StandardCharsets.UTF_8);
      out.add(new IndexFile(fn, url, sha, YANKED.matcher(m.group(1)).find()));
    }
    return out;
  }

  private static String unescape(String s) {
    return s.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'");
  }

  /** Opens a file's bytes: a local file, or a GET with the index's credentials when the host is an index's. */
  public InputStream open(IndexFile f) throws IOException, InterruptedException {
    if ("file".equals(f.url().getScheme())) {
      return Files.newInputStream(Path.of(f.url()));
    }
    Optional<Map.Entry<String, String>> auth = Optional.empty();
    for (Index ix : indexes) {
      if (ix.authorization().isPresent() && ix.host().equalsIgnoreCase(f.url().getHost())) {
        auth = Optional.of(Map.entry(ix.host(), ix.authorization().get()));
        break;
      }
    }
    Response res = get(f.url(), Map.of(), auth, FILE_READ_TIMEOUT);
    if (res.status() / 100 != 2) {
      res.body().close();
      throw new IOException("GET " + f.displayUrl() + " answered HTTP " + res.status());
    }
    return res.body();
  }

  /** An answer: status, content type, the URL it came from (after redirects) and the body (to be closed). */
  private record Response(int status, String contentType, URI uri, InputStream body) {}

  /**
   * A GET with the JDK's {@link HttpURLConnection} (keep-alive connections, and far less start-up work than
   * {@code java.net.http.HttpClient}: ~0.3 s against ~1.3 s of CPU for 400 small requests in a fresh JVM). Redirects
   * are followed here (at most 5, never from https to http), sending the credentials only to their own host. A
   * connection that fails before an answer (a busy server that drops or resets connections, e.g. one with a short
   * listen backlog) is tried twice more; an HTTP status is an answer and is never retried.
   */
  private static Response get(URI url, Map<String, String> headers, Optional<Map.Entry<String, String>> auth,
      Duration readTimeout) throws IOException, InterruptedException {
    URI at = url;
    for (int hop = 0; ; hop++) {
      HttpURLConnection c = connect(at, headers, auth, readTimeout);
      int status = c.getResponseCode();
      if (status / 100 == 3 && c.getHeaderField("Location") != null) {
        URI next = at.resolve(c.getHeaderField("Location"));
        drain(c);
        if (hop >= 5 || "https".equals(at.getScheme()) && !"https".equals(next.getScheme())
            || !"http".equals(next.getScheme()) && !"https".equals(next.getScheme())) {
          throw new IOException("GET " + WheelUnpacker.stripCredentials(url.toString()) + ": too many or unsafe redirects");
        }
        at = next;
        continue;
      }
      InputStream body = status >= 400 ? c.getErrorStream() : c.getInputStream();
      return new Response(status, Optional.ofNullable(c.getContentType()).orElse("text/html"), at,
          body != null ? body : InputStream.nullInputStream());
    }
  }

  private static HttpURLConnection connect(URI url, Map<String, String> headers,
      Optional<Map.Entry<String, String>> auth, Duration readTimeout) throws IOException, InterruptedException {
    for (int attempt = 1; ; attempt++) {
      HttpURLConnection c = (HttpURLConnection) url.toURL().openConnection();
      c.setInstanceFollowRedirects(false);
      c.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
      c.setReadTimeout((int) readTimeout.toMillis());
      headers.forEach(c::setRequestProperty);
      if (auth.isPresent() && auth.get().getKey().equalsIgnoreCase(url.getHost())) {
        c.setRequestProperty("Authorization", auth.get().getValue());
      }
      try {
        c.getResponseCode();
        return c;
      } catch (java.net.SocketTimeoutException e) {
        throw e;
      } catch (IOException e) {
        c.disconnect();
        if (attempt >= 3) {
          throw e;
        }
        Thread.sleep(50L * attempt);
      }
    }
  }

  /** Reads and closes a body not needed, so the connection can be kept alive. */
  private static void drain(HttpURLConnection c) {
    try (InputStream in = c.getResponseCode() >= 400 ? c.getErrorStream() : c.getInputStream()) {
      if (in != null) {
        in.transferTo(java.io.OutputStream.nullOutputStream());
      }
    } catch (IOException e) {
      c.disconnect();
    }
  }
}
