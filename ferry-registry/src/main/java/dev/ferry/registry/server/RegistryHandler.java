package dev.ferry.registry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.DigestMismatchException;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Nullable;
import dev.ferry.oci.store.BlobNotFoundException;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.io.Content;

/**
 * The distribution API over a store: routes each request, checks name, auth and read-only mode, and answers with
 * the spec's status codes, headers and error bodies. Thread-safe; one instance serves all requests.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md">distribution spec 1.1</a>
 */
final class RegistryHandler implements HttpHandler {
  private static final System.Logger LOG = System.getLogger(RegistryHandler.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The spec's manifest limit: registries SHOULD accept at least 4 MiB and MAY refuse more. */
  static final int MAX_MANIFEST = 4 * 1024 * 1024;
  /** Largest page of tags or repositories one request gets. */
  static final int MAX_PAGE = 10_000;

  private static final int COPY_BUFFER = 256 * 1024;
  private static final Pattern TAGS = Pattern.compile("^/v2/(.+)/tags/list$");
  private static final Pattern MANIFESTS = Pattern.compile("^/v2/(.+)/manifests/([^/]+)$");
  private static final Pattern UPLOADS = Pattern.compile("^/v2/(.+)/blobs/uploads/?([^/]*)$");
  private static final Pattern BLOBS = Pattern.compile("^/v2/(.+)/blobs/([^/]+)$");
  private static final Pattern REFERRERS = Pattern.compile("^/v2/(.+)/referrers/([^/]+)$");
  private static final Pattern RANGE = Pattern.compile("^(?:bytes[ =])?(\\d+)-(\\d+)$");
  private static final Pattern BYTES = Pattern.compile("^bytes=(\\d*)-(\\d*)$");

  private final OciStore store;
  private final BlobReads reads;
  private final RegistryState state;
  private final Uploads uploads;
  private final Authorizer auth;
  private final boolean readOnly;
  private final boolean tls;
  private final long maxBlobSize;
  private final Map<String, Walk> walks = new ConcurrentHashMap<>();

  /** What a repository's tags reach, for the tags it was computed from. */
  private record Walk(List<Descriptor> tagged, Set<Digest> reached) {}

  RegistryHandler(
      OciStore store, RegistryState state, Uploads uploads, Authorizer auth, boolean readOnly, boolean tls, long maxBlobSize) {
    this.store = store;
    this.reads = new BlobReads(store);
    this.state = state;
    this.uploads = uploads;
    this.auth = auth;
    this.readOnly = readOnly;
    this.tls = tls;
    this.maxBlobSize = maxBlobSize;
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    ex.getResponseHeaders().set("Docker-Distribution-API-Version", "registry/2.0");
    // Not try-with-resources: the exchange must stay open while a catch block writes the error.
    try {
      route(ex);
    } catch (HttpError e) {
      sendError(ex, e);
    } catch (IOException e) {
      // Mostly a client that went away mid-transfer; nothing more can be sent on this exchange.
      LOG.log(System.Logger.Level.DEBUG, () -> ex.getRequestMethod() + " " + ex.getRequestURI() + ": " + e);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, ex.getRequestMethod() + " " + ex.getRequestURI() + " failed", e);
      sendError(ex, new HttpError(ErrorCode.UNSUPPORTED, "internal error: " + e).status(500));
    } finally {
      ex.close();
    }
  }

  private void route(HttpExchange ex) throws IOException {
    String path = URLDecoder.decode(ex.getRequestURI().getRawPath().replace("+", "%2B"), StandardCharsets.UTF_8);
    String method = ex.getRequestMethod();
    Map<String, List<String>> query = query(ex.getRequestURI().getRawQuery());
    if (path.equals("/v2") || path.equals("/v2/")) {
      authorize(ex, Authorizer.Need.login());
      sendJson(ex, 200, JSON.createObjectNode());
      return;
    }
    if (path.equals("/token") && auth.issuesTokens()) {
      token(ex, query);
      return;
    }
    if (path.equals("/v2/_catalog")) {
      requireMethod(method, "GET");
      authorize(ex, Authorizer.Need.catalog());
      catalog(ex, query);
      return;
    }
    Matcher m;
    if ((m = TAGS.matcher(path)).matches()) {
      String name = name(m.group(1));
      requireMethod(method, "GET");
      authorize(ex, Authorizer.Need.repository(name, "pull"));
      tags(ex, name, query);
    } else if ((m = MANIFESTS.matcher(path)).matches()) {
      String name = name(m.group(1));
      String ref = m.group(2);
      switch (method) {
        case "GET", "HEAD" -> {
          authorize(ex, Authorizer.Need.repository(name, "pull"));
          getManifest(ex, name, ref, method.equals("HEAD"));
        }
        case "PUT" -> {
          write(ex, name);
          putManifest(ex, name, ref);
        }
        case "DELETE" -> {
          write(ex, name);
          deleteManifest(ex, name, ref);
        }
        default -> throw notAllowed(method);
      }
    } else if ((m = UPLOADS.matcher(path)).matches()) {
      String name = name(m.group(1));
      String id = m.group(2);
      if (id.isEmpty()) {
        requireMethod(method, "POST");
        write(ex, name);
        startUpload(ex, name, query);
        return;
      }
      switch (method) {
        case "GET" -> {
          authorize(ex, Authorizer.Need.repository(name, "push"));
          uploadStatus(ex, name, id);
        }
        case "PATCH" -> {
          write(ex, name);
          patchUpload(ex, name, id);
        }
        case "PUT" -> {
          write(ex, name);
          finishUpload(ex, name, id, query);
        }
        case "DELETE" -> {
          write(ex, name);
          cancelUpload(ex, name, id);
        }
        default -> throw notAllowed(method);
      }
    } else if ((m = BLOBS.matcher(path)).matches()) {
      String name = name(m.group(1));
      Digest digest = digest(m.group(2));
      switch (method) {
        case "GET", "HEAD" -> {
          authorize(ex, Authorizer.Need.repository(name, "pull"));
          getBlob(ex, name, digest, method.equals("HEAD"));
        }
        case "DELETE" -> {
          write(ex, name);
          deleteBlob(ex, name, digest);
        }
        default -> throw notAllowed(method);
      }
    } else if ((m = REFERRERS.matcher(path)).matches()) {
      String name = name(m.group(1));
      requireMethod(method, "GET");
      authorize(ex, Authorizer.Need.repository(name, "pull"));
      referrers(ex, name, digest(m.group(2)), query);
    } else {
      throw new HttpError(ErrorCode.UNSUPPORTED, "no endpoint " + method + " " + path).status(404);
    }
  }

  // ------------------------------------------------------------------ checks

  private static String name(String name) {
    if (!RepositoryNames.isValid(name)) {
      throw new HttpError(
          ErrorCode.NAME_INVALID,
          "invalid repository name '"
              + name
              + "': lowercase letters and digits in components separated by '/', joined by '.', '_', '__' or '-', at most "
              + RepositoryNames.MAX_NAME
              + " characters");
    }
    return name;
  }

  private static Digest digest(String value) {
    if (!Digest.isDigest(value)) {
      throw new HttpError(ErrorCode.DIGEST_INVALID, "'" + value + "' is not a digest (sha256:<64 hex>)");
    }
    return Digest.parse(value);
  }

  private static void requireMethod(String method, String allowed) {
    if (!method.equals(allowed)) {
      throw notAllowed(method);
    }
  }

  private static HttpError notAllowed(String method) {
    return new HttpError(ErrorCode.UNSUPPORTED, "method " + method + " is not allowed here").status(405);
  }

  private void authorize(HttpExchange ex, Authorizer.Need need) {
    auth.check(ex.getRequestHeaders().getFirst("Authorization"), need, () -> realm(ex));
  }

  /** A write: refused on a read-only server (405, as distribution does in read-only mode), else needs push. */
  private void write(HttpExchange ex, String name) {
    if (readOnly) {
      throw new HttpError(ErrorCode.UNSUPPORTED, "this registry is read-only").status(405);
    }
    authorize(ex, Authorizer.Need.repository(name, "push"));
  }

  private String realm(HttpExchange ex) {
    String host = Optional.ofNullable(ex.getRequestHeaders().getFirst("Host")).orElse("localhost");
    return (tls ? "https" : "http") + "://" + host + "/token";
  }

  // ------------------------------------------------------------------ visibility

  private Set<Digest> reachedByTags(String key) throws IOException {
    List<Descriptor> tagged = new ArrayList<>();
    for (Descriptor d : store.entries()) {
      d.refName().flatMap(RepositoryNames::fromStoreName).filter(s -> s.key().equals(key)).ifPresent(s -> tagged.add(d));
    }
    Walk w = walks.get(key);
    if (w == null || !w.tagged.equals(tagged)) {
      w = new Walk(tagged, RegistryState.reachable(store, tagged));
      walks.put(key, w);
    }
    return w.reached;
  }

  private boolean blobVisible(String key, Digest d) throws IOException {
    if (!store.exists(d)) {
      return false;
    }
    return state.isBlobLinked(key, d) || state.linkedManifest(key, d).isPresent() || reachedByTags(key).contains(d);
  }

  private boolean manifestVisible(String key, Digest d) throws IOException {
    return store.exists(d) && (state.linkedManifest(key, d).isPresent() || reachedByTags(key).contains(d));
  }

  // ------------------------------------------------------------------ manifests

  private void getManifest(HttpExchange ex, String name, String ref, boolean head) throws IOException {
    String key = RepositoryNames.key(name);
    Digest digest;
    String mediaType;
    byte[] bytes;
    try {
      if (Digest.isDigest(ref)) {
        digest = Digest.parse(ref);
        if (!manifestVisible(key, digest)) {
          throw new HttpError(ErrorCode.MANIFEST_UNKNOWN, "manifest " + ref + " is not in " + name);
        }
        bytes = store.read(digest);
        mediaType = RegistryState.mediaTypeOf(bytes, state.linkedManifest(key, digest));
      } else if (RepositoryNames.isTag(ref)) {
        Descriptor d =
            store
                .resolve(RepositoryNames.storeName(name, ref))
                .orElseThrow(() -> new HttpError(ErrorCode.MANIFEST_UNKNOWN, "tag " + ref + " is not in " + name));
        digest = d.digest();
        bytes = store.read(digest);
        mediaType = d.mediaType();
      } else {
        throw new HttpError(ErrorCode.MANIFEST_INVALID, "'" + ref + "' is neither a tag nor a digest");
      }
    } catch (BlobNotFoundException e) {
      throw new HttpError(ErrorCode.MANIFEST_UNKNOWN, "manifest " + ref + " of " + name + " is missing from the store");
    }
    ex.getResponseHeaders().set("Content-Type", mediaType);
    ex.getResponseHeaders().set("Docker-Content-Digest", digest.toString());
    ex.getResponseHeaders().set("ETag", "\"" + digest + "\"");
    sendBytes(ex, 200, bytes, head);
  }

  private void putManifest(HttpExchange ex, String name, String ref) throws IOException {
    String key = RepositoryNames.key(name);
    boolean byDigest = Digest.isDigest(ref);
    if (!byDigest && !RepositoryNames.isTag(ref)) {
      throw new HttpError(ErrorCode.MANIFEST_INVALID, "'" + ref + "' is neither a tag nor a digest");
    }
    byte[] bytes = readLimited(ex, MAX_MANIFEST, "manifest");
    Documents.Parsed doc;
    try {
      doc = Documents.parse(bytes, Optional.ofNullable(ex.getRequestHeaders().getFirst("Content-Type")));
    } catch (IllegalArgumentException e) {
      throw new HttpError(ErrorCode.MANIFEST_INVALID, e.getMessage());
    }
    if (byDigest) {
      Digest wanted = Digest.parse(ref);
      if (wanted.algorithm() != Digest.Algorithm.SHA256) {
        throw new HttpError(ErrorCode.UNSUPPORTED, "this registry stores sha256 digests only, got " + wanted).status(400);
      }
      if (!wanted.equals(doc.digest())) {
        throw new HttpError(ErrorCode.DIGEST_INVALID, "manifest hashes to " + doc.digest() + ", not " + wanted)
            .withDetail(Map.of("expected", wanted.toString(), "actual", doc.digest().toString()));
      }
    }
    for (Descriptor r : doc.references()) {
      boolean there = doc.isIndex() ? manifestVisible(key, r.digest()) : blobVisible(key, r.digest());
      if (!there) {
        throw new HttpError(
                ErrorCode.MANIFEST_BLOB_UNKNOWN,
                (doc.isIndex() ? "manifest " : "blob ") + r.digest() + " referenced by the manifest is not in " + name)
            .withDetail(Map.of("digest", r.digest().toString()));
      }
    }
    Descriptor stored = Descriptor.of(doc.mediaType(), doc.digest(), bytes.length);
    try (OciStore.Session s = store.session()) {
      store.put(doc.digest(), bytes);
      state.linkManifest(key, doc.digest(), doc.mediaType());
      if (doc.subject().isPresent()) {
        state.addReferrer(key, doc.subject().get().digest(), doc.asReferrer(bytes.length));
      }
      if (!byDigest) {
        store.tag(RepositoryNames.storeName(name, ref), stored);
      }
    }
    ex.getResponseHeaders().set("Location", "/v2/" + name + "/manifests/" + doc.digest());
    ex.getResponseHeaders().set("Docker-Content-Digest", doc.digest().toString());
    doc.subject().ifPresent(sub -> ex.getResponseHeaders().set("OCI-Subject", sub.digest().toString()));
    send(ex, 201);
  }

  private void deleteManifest(HttpExchange ex, String name, String ref) throws IOException {
    String key = RepositoryNames.key(name);
    if (RepositoryNames.isTag(ref) && !Digest.isDigest(ref)) {
      if (!store.untag(RepositoryNames.storeName(name, ref))) {
        throw new HttpError(ErrorCode.MANIFEST_UNKNOWN, "tag " + ref + " is not in " + name);
      }
      send(ex, 202);
      return;
    }
    Digest digest = digest(ref);
    boolean[] untagged = {false};
    store.updateEntries(
        list -> {
          untagged[0] =
              list.removeIf(
                  d ->
                      d.digest().equals(digest)
                          && d.refName().flatMap(RepositoryNames::fromStoreName).filter(s -> s.key().equals(key)).isPresent());
          return list;
        });
    boolean unlinked = state.unlinkManifest(key, digest);
    if (!untagged[0] && !unlinked) {
      throw new HttpError(ErrorCode.MANIFEST_UNKNOWN, "manifest " + digest + " is not in " + name);
    }
    if (store.exists(digest)) {
      try {
        Documents.parse(store.read(digest), Optional.empty())
            .subject()
            .ifPresent(
                sub -> {
                  try {
                    state.removeReferrer(key, sub.digest(), digest);
                  } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                });
      } catch (IllegalArgumentException e) {
        // Not a document: no referrer record to remove.
      }
    }
    send(ex, 202);
  }

  // ------------------------------------------------------------------ blobs

  private void getBlob(HttpExchange ex, String name, Digest digest, boolean head) throws IOException {
    String key = RepositoryNames.key(name);
    if (!blobVisible(key, digest)) {
      throw new HttpError(ErrorCode.BLOB_UNKNOWN, "blob " + digest + " is not in " + name)
          .withDetail(Map.of("digest", digest.toString()));
    }
    long size;
    try {
      size = store.size(digest);
    } catch (BlobNotFoundException e) {
      throw new HttpError(ErrorCode.BLOB_UNKNOWN, "blob " + digest + " is not in " + name);
    }
    var h = ex.getResponseHeaders();
    h.set("Content-Type", "application/octet-stream");
    h.set("Docker-Content-Digest", digest.toString());
    h.set("ETag", "\"" + digest + "\"");
    h.set("Accept-Ranges", "bytes");
    String range = ex.getRequestHeaders().getFirst("Range");
    long start = 0;
    long length = size;
    int status = 200;
    if (range != null && !head) {
      Matcher m = BYTES.matcher(range.strip());
      long first;
      long last;
      if (m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
        if (m.group(1).isEmpty()) {
          long suffix = Long.parseLong(m.group(2));
          first = Math.max(0, size - suffix);
          last = size - 1;
        } else {
          first = Long.parseLong(m.group(1));
          last = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
        }
      } else {
        first = -1;
        last = -2;
      }
      if (first < 0 || first > last || first >= size) {
        throw new HttpError(ErrorCode.RANGE_INVALID, "range '" + range + "' is not inside blob " + digest + " of " + size + " bytes")
            .header("Content-Range", "bytes */" + size);
      }
      start = first;
      length = last - first + 1;
      status = 206;
      h.set("Content-Range", "bytes " + first + "-" + last + "/" + size);
    }
    if (head) {
      h.set("Content-Length", Long.toString(size));
      ex.sendResponseHeaders(200, -1);
      return;
    }
    if (status == 200 && size > 0 && ex.getAttribute(RegistryServer.SINK_ATTRIBUTE) instanceof Content.Sink sink) {
      sendVerified(ex, sink, digest, size);
      return;
    }
    // A whole blob is verified while it streams (a corrupt file aborts the response); a range cannot be.
    try (InputStream in = status == 200 ? store.open(digest) : store.openRange(digest, start, length)) {
      ex.sendResponseHeaders(status, length == 0 ? -1 : length);
      OutputStream out = ex.getResponseBody();
      copy(in, out);
      out.flush();
    }
  }

  /**
   * Sends a whole blob (see {@link BlobReads}), holding back the last piece until the
   * verification pass this read joined has passed; a corrupt blob's response ends short, with the connection.
   */
  private void sendVerified(HttpExchange ex, Content.Sink sink, Digest digest, long size) throws IOException {
    try (BlobReads.Read read = reads.open(digest)) {
      if (read.size() != size) {
        throw new IOException("blob " + digest + " changed size while it was opened");
      }
      ex.sendResponseHeaders(200, size);
      for (long at = 0; at < size; at += BlobReads.PIECE) {
        int n = (int) Math.min(BlobReads.PIECE, size - at);
        ByteBuffer piece = read.piece(at, n);
        if (at + n == size) {
          read.verified();
        }
        Content.Sink.write(sink, false, piece);
      }
    } catch (BlobNotFoundException e) {
      throw new HttpError(ErrorCode.BLOB_UNKNOWN, "blob " + digest + " is not in the store");
    }
  }

  private void deleteBlob(HttpExchange ex, String name, Digest digest) throws IOException {
    if (!state.unlinkBlob(RepositoryNames.key(name), digest)) {
      throw new HttpError(ErrorCode.BLOB_UNKNOWN, "blob " + digest + " is not linked in " + name);
    }
    send(ex, 202);
  }

  // ------------------------------------------------------------------ uploads

  private void startUpload(HttpExchange ex, String name, Map<String, List<String>> query) throws IOException {
    String key = RepositoryNames.key(name);
    Optional<String> mount = first(query, "mount");
    Optional<String> from = first(query, "from");
    if (mount.isPresent() && from.isPresent() && Digest.isDigest(mount.get()) && RepositoryNames.isValid(from.get())) {
      Digest d = Digest.parse(mount.get());
      String fromName = from.get();
      boolean mayPull;
      try {
        authorize(ex, Authorizer.Need.repository(fromName, "pull"));
        mayPull = true;
      } catch (HttpError e) {
        mayPull = false;
      }
      if (mayPull && blobVisible(RepositoryNames.key(fromName), d)) {
        try (OciStore.Session s = store.session()) {
          if (store.exists(d)) {
            state.linkBlob(key, d);
            blobCreated(ex, name, d);
            return;
          }
        }
      }
    }
    Optional<String> digestParam = first(query, "digest");
    if (digestParam.isPresent()) {
      Digest expected = digest(digestParam.get());
      try (OciStore.Session s = store.session();
          OciStore.BlobWriter w = store.newBlob()) {
        Body.of(ex).forEach(b -> {
          if (w.count() + b.remaining() > maxBlobSize) {
            throw new HttpError(ErrorCode.SIZE_INVALID, "blob is larger than this server's limit of " + maxBlobSize + " bytes")
                .status(413);
          }
          w.write(b);
        });
        try {
          w.commit(expected, -1);
        } catch (DigestMismatchException e) {
          throw digestInvalid(expected, e);
        }
        state.linkBlob(key, expected);
      }
      blobCreated(ex, name, expected);
      return;
    }
    Uploads.Session u = uploads.create(key);
    uploadAccepted(ex, name, u.id, 0, 202);
  }

  private void uploadStatus(HttpExchange ex, String name, String id) throws IOException {
    Uploads.Session u = uploads.find(RepositoryNames.key(name), id);
    long offset;
    u.lock.lock();
    try {
      offset = uploads.offset(u);
    } finally {
      u.lock.unlock();
    }
    uploadAccepted(ex, name, id, offset, 204);
  }

  private void patchUpload(HttpExchange ex, String name, String id) throws IOException {
    Uploads.Session u = uploads.find(RepositoryNames.key(name), id);
    long start = contentRangeStart(ex);
    long offset;
    u.lock.lock();
    try {
      offset = uploads.append(u, Body.of(ex), start);
    } catch (HttpError e) {
      e.header("Location", location(name, id)).header("Docker-Upload-UUID", id);
      throw e;
    } finally {
      u.lock.unlock();
    }
    uploadAccepted(ex, name, id, offset, 202);
  }

  private void finishUpload(HttpExchange ex, String name, String id, Map<String, List<String>> query) throws IOException {
    String key = RepositoryNames.key(name);
    Digest expected =
        digest(first(query, "digest").orElseThrow(() -> new HttpError(ErrorCode.DIGEST_INVALID, "PUT needs ?digest=")));
    Uploads.Session u = uploads.find(key, id);
    long start = contentRangeStart(ex);
    u.lock.lock();
    try {
      uploads.append(u, Body.of(ex), start);
      try (OciStore.Session s = store.session()) {
        try {
          uploads.commit(u, expected);
        } catch (DigestMismatchException e) {
          throw digestInvalid(expected, e);
        }
        state.linkBlob(key, expected);
      }
    } finally {
      u.lock.unlock();
    }
    blobCreated(ex, name, expected);
  }

  private void cancelUpload(HttpExchange ex, String name, String id) throws IOException {
    Uploads.Session u = uploads.find(RepositoryNames.key(name), id);
    u.lock.lock();
    try {
      uploads.cancel(u);
    } finally {
      u.lock.unlock();
    }
    send(ex, 204);
  }

  private static HttpError digestInvalid(Digest expected, DigestMismatchException e) {
    return new HttpError(ErrorCode.DIGEST_INVALID, "uploaded content does not hash to " + expected + "; nothing was kept")
        .withDetail(Map.of("expected", expected.toString()));
  }

  /** The start of a request's Content-Range, or -1 when it has none. */
  private static long contentRangeStart(HttpExchange ex) {
    String cr = ex.getRequestHeaders().getFirst("Content-Range");
    if (cr == null) {
      return -1;
    }
    Matcher m = RANGE.matcher(cr.strip());
    if (!m.matches()) {
      throw new HttpError(ErrorCode.RANGE_INVALID, "Content-Range '" + cr + "' is not <start>-<end>");
    }
    long start = Long.parseLong(m.group(1));
    long end = Long.parseLong(m.group(2));
    String cl = ex.getRequestHeaders().getFirst("Content-Length");
    if (end < start || (cl != null && Long.parseLong(cl.strip()) != end - start + 1)) {
      throw new HttpError(ErrorCode.RANGE_INVALID, "Content-Range '" + cr + "' does not match Content-Length " + cl);
    }
    return start;
  }

  private static String location(String name, String id) {
    return "/v2/" + name + "/blobs/uploads/" + id;
  }

  private static void uploadAccepted(HttpExchange ex, String name, String id, long offset, int status) throws IOException {
    var h = ex.getResponseHeaders();
    h.set("Location", location(name, id));
    h.set("Docker-Upload-UUID", id);
    h.set("Range", Uploads.range(offset));
    // Chunks of any size are fine; the spec lets a registry state a minimum, Ferry has none.
    send(ex, status);
  }

  private static void blobCreated(HttpExchange ex, String name, Digest d) throws IOException {
    ex.getResponseHeaders().set("Location", "/v2/" + name + "/blobs/" + d);
    ex.getResponseHeaders().set("Docker-Content-Digest", d.toString());
    send(ex, 201);
  }

  // ------------------------------------------------------------------ listings

  private void tags(HttpExchange ex, String name, Map<String, List<String>> query) throws IOException {
    String key = RepositoryNames.key(name);
    TreeSet<String> tags = new TreeSet<>();
    for (Descriptor d : store.entries()) {
      d.refName().flatMap(RepositoryNames::fromStoreName).filter(s -> s.key().equals(key)).ifPresent(s -> tags.add(s.tag()));
    }
    if (tags.isEmpty() && !state.known(key)) {
      throw new HttpError(ErrorCode.NAME_UNKNOWN, "repository " + name + " is not known to this registry");
    }
    ObjectNode body = JSON.createObjectNode();
    body.put("name", name);
    ArrayNode arr = body.putArray("tags");
    page(ex, tags, query, "/v2/" + name + "/tags/list").forEach(arr::add);
    sendJson(ex, 200, body);
  }

  private void catalog(HttpExchange ex, Map<String, List<String>> query) throws IOException {
    TreeSet<String> repos = new TreeSet<>();
    for (Descriptor d : store.entries()) {
      d.refName().flatMap(RepositoryNames::fromStoreName).ifPresent(s -> repos.add(s.repository()));
    }
    ObjectNode body = JSON.createObjectNode();
    ArrayNode arr = body.putArray("repositories");
    page(ex, repos, query, "/v2/_catalog").forEach(arr::add);
    sendJson(ex, 200, body);
  }

  /** One page of {@code all} after {@code last}, at most {@code n}; sets the {@code Link} header when more follow. */
  private static List<String> page(HttpExchange ex, TreeSet<String> all, Map<String, List<String>> query, String path) {
    int n = MAX_PAGE;
    Optional<String> nParam = first(query, "n");
    if (nParam.isPresent()) {
      try {
        n = Integer.parseInt(nParam.get());
      } catch (NumberFormatException e) {
        n = -1;
      }
      if (n < 0) {
        throw new HttpError(ErrorCode.UNSUPPORTED, "n must be a number >= 0, got '" + nParam.get() + "'").status(400);
      }
      n = Math.min(n, MAX_PAGE);
    }
    Optional<String> last = first(query, "last");
    List<String> out = new ArrayList<>();
    var rest = last.isPresent() ? all.tailSet(last.get(), false) : all;
    for (String s : rest) {
      if (out.size() == n) {
        break;
      }
      out.add(s);
    }
    if (!out.isEmpty() && rest.size() > out.size()) {
      String next = path + "?n=" + n + "&last=" + java.net.URLEncoder.encode(out.get(out.size() - 1), StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Link", "<" + next + ">; rel=\"next\"");
    }
    return out;
  }

  private void referrers(HttpExchange ex, String name, Digest subject, Map<String, List<String>> query) throws IOException {
    Optional<String> artifactType = first(query, "artifactType");
    ObjectNode body = JSON.createObjectNode();
    body.put("schemaVersion", 2);
    body.put("mediaType", MediaType.OCI_INDEX.value());
    ArrayNode ms = body.putArray("manifests");
    String key = RepositoryNames.key(name);
    for (JsonNode d : state.referrers(key, subject)) {
      Digest rd = Digest.isDigest(d.path("digest").asText()) ? Digest.parse(d.path("digest").asText()) : null;
      if (rd == null || !store.exists(rd)) {
        continue;
      }
      if (artifactType.isEmpty() || artifactType.get().equals(d.path("artifactType").asText())) {
        ms.add(d);
      }
    }
    if (artifactType.isPresent()) {
      ex.getResponseHeaders().set("OCI-Filters-Applied", "artifactType");
    }
    ex.getResponseHeaders().set("Content-Type", MediaType.OCI_INDEX.value());
    sendBytes(ex, 200, JSON.writeValueAsBytes(body), false);
  }

  // ------------------------------------------------------------------ token

  private void token(HttpExchange ex, Map<String, List<String>> query) throws IOException {
    requireMethod(ex.getRequestMethod(), "GET");
    String token = auth.issue(ex.getRequestHeaders().getFirst("Authorization"), query.getOrDefault("scope", List.of()));
    ObjectNode body = JSON.createObjectNode();
    body.put("token", token);
    body.put("access_token", token);
    body.put("expires_in", Tokens.LIFETIME.toSeconds());
    body.put("issued_at", java.time.Instant.now().toString());
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    sendJson(ex, 200, body);
  }

  // ------------------------------------------------------------------ plumbing

  private static Map<String, List<String>> query(@Nullable String raw) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
    return out;
  }

  private static Optional<String> first(Map<String, List<String>> query, String key) {
    List<String> v = query.get(key);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
  }

  /** Reads a request body of at most {@code limit} bytes; a larger one is refused with 413 before it is all read. */
  private static byte[] readLimited(HttpExchange ex, int limit, String what) throws IOException {
    String cl = ex.getRequestHeaders().getFirst("Content-Length");
    HttpError tooLarge =
        new HttpError(ErrorCode.MANIFEST_INVALID, what + " is larger than this registry's limit of " + limit + " bytes").status(413);
    if (cl != null) {
      try {
        if (Long.parseLong(cl.strip()) > limit) {
          throw tooLarge;
        }
      } catch (NumberFormatException e) {
        throw new HttpError(ErrorCode.SIZE_INVALID, "Content-Length '" + cl + "' is not a number");
      }
    }
    try (InputStream in = ex.getRequestBody()) {
      byte[] b = in.readNBytes(limit + 1);
      if (b.length > limit) {
        throw tooLarge;
      }
      return b;
    }
  }

  private static void copy(InputStream in, OutputStream out) throws IOException {
    byte[] buf = new byte[COPY_BUFFER];
    int n;
    while ((n = in.read(buf)) >= 0) {
      out.write(buf, 0, n);
    }
  }

  private static void send(HttpExchange ex, int status) throws IOException {
    ex.sendResponseHeaders(status, -1);
  }

  private static void sendJson(HttpExchange ex, int status, JsonNode body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/json");
    sendBytes(ex, status, JSON.writeValueAsBytes(body), false);
  }

  private static void sendBytes(HttpExchange ex, int status, byte[] body, boolean head) throws IOException {
    ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
    if (head || body.length == 0) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, body.length);
    ex.getResponseBody().write(body);
  }

  /** Request bodies up to this size are read and dropped before an error is sent, so the connection survives. */
  private static final long DRAIN_LIMIT = 4L * 1024 * 1024;

  private static void sendError(HttpExchange ex, HttpError e) {
    try {
      // A client still sending its body would otherwise see the connection reset instead of the error.
      try (InputStream body = ex.getRequestBody()) {
        byte[] buf = new byte[64 * 1024];
        long left = DRAIN_LIMIT;
        int n;
        while (left > 0 && (n = body.read(buf, 0, (int) Math.min(buf.length, left))) > 0) {
          left -= n;
        }
      } catch (IOException ignored) {
        // The body is gone or broken; the error is still worth sending.
      }
      e.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
      ObjectNode body = JSON.createObjectNode();
      ObjectNode err = body.putArray("errors").addObject();
      err.put("code", e.status() == 500 ? "UNKNOWN" : e.code().name());
      err.put("message", e.getMessage());
      if (e.detail() != null) {
        err.set("detail", JSON.valueToTree(e.detail()));
      }
      ex.getResponseHeaders().set("Content-Type", "application/json");
      // The server may close a connection whose request it refused early; say so, or a client that pooled the
      // connection sends its next request into a reset.
      ex.getResponseHeaders().set("Connection", "close");
      sendBytes(ex, e.status(), JSON.writeValueAsBytes(body), ex.getRequestMethod().equals("HEAD"));
    } catch (IOException | RuntimeException ignored) {
      // The response was already started (a failure mid-stream) or the client is gone.
    }
  }
}
