package dev.ferry.bundle;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.MediaType;
import dev.ferry.registry.server.RegistryServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code ferry bundle serve}: a read-only OCI distribution registry straight from a verified plain bundle, without
 * unpacking it: {@code /v2/}, catalog, tag lists, manifests by tag or digest and blobs (GET and HEAD). Each image
 * is served under its bundle name ({@code demo/service:1.0}). Blobs are read in place and their digests checked
 * again as they are sent. Anything that would write is answered 405. Thread-safe.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pull">distribution spec: pull</a>
 */
public final class BundleServer implements AutoCloseable {
  private RegistryServer.Served served;
  private final BundleBlobs blobs;
  private final BundleLock lock;
  /** repository → tag → top descriptor */
  private final Map<String, Map<String, Descriptor>> tags = new TreeMap<>();

  private BundleServer(BundleBlobs blobs, BundleVerifier.Report verified) {
    this.blobs = blobs;
    this.lock = verified.lock();
    for (Descriptor d : verified.index().manifests()) {
      String name = d.annotations().getOrDefault(BundleFormat.DELIVERY_NAME, d.refName().orElse(""));
      int colon = name.lastIndexOf(':');
      if (colon > 0) {
        tags.computeIfAbsent(name.substring(0, colon), k -> new TreeMap<>())
            .put(name.substring(colon + 1), Descriptor.of(d.mediaType(), d.digest(), d.size()));
      }
    }
  }

  /** Verifies {@code bundle} and starts serving it on {@code address} (port 0 picks one). */
  public static BundleServer start(BundleFile bundle, BundleVerifier.Report verified, InetSocketAddress address) throws IOException {
    BundleBlobs blobs = new BundleBlobs(bundle, verified);
    BundleServer s = new BundleServer(blobs, verified);
    s.served = RegistryServer.serveHandler(address, s::handle);
    return s;
  }

  public int port() {
    return served.port();
  }

  /** Repository names served. */
  public java.util.Set<String> repositories() {
    return tags.keySet();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      ex.getResponseHeaders().set("Docker-Distribution-API-Version", "registry/2.0");
      String method = ex.getRequestMethod();
      String path = URI.create(ex.getRequestURI().getRawPath()).getPath();
      boolean head = method.equals("HEAD");
      if (!head && !method.equals("GET")) {
        error(ex, 405, "UNSUPPORTED", "this registry serves a bundle and is read-only");
        return;
      }
      if (path.equals("/v2/") || path.equals("/v2")) {
        send(ex, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8), head);
        return;
      }
      if (path.equals("/v2/_catalog")) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        ArrayNode a = o.putArray("repositories");
        tags.keySet().forEach(a::add);
        send(ex, 200, "application/json", Json.MAPPER.writeValueAsBytes(o), head);
        return;
      }
      if (!path.startsWith("/v2/")) {
        error(ex, 404, "NOT_FOUND", "not a registry path");
        return;
      }
      String rest = path.substring(4);
      for (String kind : new String[] {"/manifests/", "/blobs/", "/tags/list"}) {
        int i = rest.lastIndexOf(kind);
        if (i <= 0) {
          continue;
        }
        String repo = rest.substring(0, i);
        String ref = rest.substring(i + kind.length());
        Map<String, Descriptor> repoTags = tags.get(repo);
        if (repoTags == null) {
          error(ex, 404, "NAME_UNKNOWN", "repository " + repo + " is not in this bundle");
          return;
        }
        switch (kind) {
          case "/tags/list" -> {
            ObjectNode o = Json.MAPPER.createObjectNode().put("name", repo);
            ArrayNode a = o.putArray("tags");
            new TreeSet<>(repoTags.keySet()).forEach(a::add);
            send(ex, 200, "application/json", Json.MAPPER.writeValueAsBytes(o), head);
          }
          case "/manifests/" -> manifest(ex, repoTags, ref, head);
          default -> blob(ex, ref, head);
        }
        return;
      }
      error(ex, 404, "NOT_FOUND", "unknown path " + path);
    }
  }

  private void manifest(HttpExchange ex, Map<String, Descriptor> repoTags, String ref, boolean head) throws IOException {
    Optional<Descriptor> d = Optional.ofNullable(repoTags.get(ref));
    if (d.isEmpty() && Digest.isDigest(ref)) {
      Digest dg = Digest.parse(ref);
      d = lock.blobs().stream().filter(b -> b.digest().equals(dg))
          .filter(b -> MediaType.find(b.mediaType()).map(t -> t.isManifest() || t.isIndex()).orElse(false))
          .map(b -> Descriptor.of(b.mediaType(), b.digest(), b.size())).findFirst();
    }
    if (d.isEmpty()) {
      error(ex, 404, "MANIFEST_UNKNOWN", "manifest " + ref + " is not in this bundle");
      return;
    }
    ex.getResponseHeaders().set("Docker-Content-Digest", d.get().digest().toString());
    send(ex, 200, d.get().mediaType(), blobs.read(d.get().digest()), head);
  }

  private void blob(HttpExchange ex, String ref, boolean head) throws IOException {
    if (!Digest.isDigest(ref) || !blobs.has(Digest.parse(ref))) {
      error(ex, 404, "BLOB_UNKNOWN", "blob " + ref + " is not in this bundle");
      return;
    }
    Digest d = Digest.parse(ref);
    long size = blobs.size(d);
    ex.getResponseHeaders().set("Docker-Content-Digest", d.toString());
    ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
    if (head) {
      ex.getResponseHeaders().set("Content-Length", Long.toString(size));
      ex.sendResponseHeaders(200, -1);
      return;
    }
    ex.sendResponseHeaders(200, size == 0 ? -1 : size);
    try (InputStream in = blobs.open(d); OutputStream out = ex.getResponseBody()) {
      in.transferTo(out);
    }
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body, boolean head) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    if (head) {
      ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.putArray("errors").addObject().put("code", code).put("message", message);
    send(ex, status, "application/json", Json.MAPPER.writeValueAsBytes(o), ex.getRequestMethod().equals("HEAD"));
  }

  @Override
  public void close() {
    served.close();
  }
}
