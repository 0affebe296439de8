package dev.ferry.registry.server;

import static org.assertj.core.api.Assertions.assertThat;

import at.favre.lib.crypto.bcrypt.BCrypt;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Index;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import dev.ferry.oci.store.GarbageCollector;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every endpoint and error path of the server, over real HTTP with the JDK client. */
class RegistryServerTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String OCTETS = "application/octet-stream";

  @TempDir Path dir;
  OciStore store;
  RegistryServer server;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  final List<RegistryServer> servers = new ArrayList<>();

  @AfterEach
  void stop() {
    servers.forEach(RegistryServer::close);
  }

  RegistryServer start(RegistryServer.Builder b) throws IOException {
    if (store == null) {
      store = OciStore.open(dir.resolve("store"));
    }
    RegistryServer s = b.store(store).listen(new InetSocketAddress("127.0.0.1", 0)).build().start();
    servers.add(s);
    server = s;
    return s;
  }

  RegistryServer start() throws IOException {
    return start(RegistryServer.builder());
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  HttpResponse<byte[]> send(String method, String path, byte[] body, String... headers) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  HttpResponse<byte[]> get(String path, String... headers) throws IOException, InterruptedException {
    return send("GET", path, null, headers);
  }

  static String errorCode(HttpResponse<byte[]> r) throws IOException {
    return JSON.readTree(r.body()).path("errors").path(0).path("code").asText();
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Pushes a blob monolithically; returns its digest. */
  Digest pushBlob(String repo, byte[] content) throws Exception {
    Digest d = Digest.sha256(content);
    var r = send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + d, content, "Content-Type", OCTETS);
    assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(201);
    return d;
  }

  /** A manifest of a config and one layer, both pushed to {@code repo}. */
  Manifest pushImageBlobs(String repo, String seed) throws Exception {
    byte[] config = utf8("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"seed\":\"" + seed + "\"}");
    byte[] layer = random(1000, seed.hashCode());
    Digest c = pushBlob(repo, config);
    Digest l = pushBlob(repo, layer);
    return Manifest.of(Descriptor.of(MediaType.OCI_CONFIG, c, config.length), List.of(Descriptor.of(MediaType.OCI_LAYER_GZIP, l, layer.length)));
  }

  HttpResponse<byte[]> putManifest(String repo, String ref, byte[] bytes, String type) throws Exception {
    return send("PUT", "/v2/" + repo + "/manifests/" + ref, bytes, "Content-Type", type);
  }

  // ---------------------------------------------------------------- base

  @Test
  void base_get_returns200WithApiVersion() throws Exception {
    start();
    var r = get("/v2/");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Docker-Distribution-API-Version")).contains("registry/2.0");
  }

  @Test
  void unknownEndpoint_returns404() throws Exception {
    start();
    assertThat(get("/v2/x/nothing/here").statusCode()).isEqualTo(404);
  }

  // ---------------------------------------------------------------- manifests

  @Test
  void putManifest_byTag_storesExactBytesUnderStoreNameAndServesThem() throws Exception {
    start();
    Manifest m = pushImageBlobs("library/busybox", "a");
    var put = putManifest("library/busybox", "1", m.bytes(), MediaType.OCI_MANIFEST.value());
    assertThat(put.statusCode()).isEqualTo(201);
    assertThat(put.headers().firstValue("Docker-Content-Digest")).contains(m.digest().toString());
    assertThat(put.headers().firstValue("Location")).contains("/v2/library/busybox/manifests/" + m.digest());
    assertThat(store.resolve("docker.io/library/busybox:1")).get().extracting(Descriptor::digest).isEqualTo(m.digest());

    for (String ref : List.of("1", m.digest().toString())) {
      var g = get("/v2/busybox/manifests/" + ref);
      assertThat(g.statusCode()).isEqualTo(200);
      assertThat(g.body()).isEqualTo(m.bytes());
      assertThat(g.headers().firstValue("Content-Type")).contains(MediaType.OCI_MANIFEST.value());
      assertThat(g.headers().firstValue("Docker-Content-Digest")).contains(m.digest().toString());
      var h = send("HEAD", "/v2/library/busybox/manifests/" + ref, null);
      assertThat(h.statusCode()).isEqualTo(200);
      assertThat(h.headers().firstValue("Content-Length")).contains(Integer.toString(m.bytes().length));
      assertThat(h.body()).isEmpty();
    }
  }

  @Test
  void putManifest_otherRegistryName_keepsItsRegistry() throws Exception {
    start();
    Manifest m = pushImageBlobs("harbor.corp/x/y", "h");
    assertThat(putManifest("harbor.corp/x/y", "1", m.bytes(), MediaType.OCI_MANIFEST.value()).statusCode()).isEqualTo(201);
    assertThat(store.resolve("harbor.corp/x/y:1")).isPresent();
    Manifest m2 = pushImageBlobs("myteam/app", "t");
    assertThat(putManifest("myteam/app", "1", m2.bytes(), MediaType.OCI_MANIFEST.value()).statusCode()).isEqualTo(201);
    assertThat(store.resolve("docker.io/myteam/app:1")).isPresent();
  }

  @Test
  void getManifest_unknownTagOrDigest_manifestUnknown() throws Exception {
    start();
    var r = get("/v2/a/manifests/nope");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(errorCode(r)).isEqualTo("MANIFEST_UNKNOWN");
    r = get("/v2/a/manifests/" + Digest.sha256(utf8("x")));
    assertThat(errorCode(r)).isEqualTo("MANIFEST_UNKNOWN");
  }

  @Test
  void putManifest_missingBlob_manifestBlobUnknown() throws Exception {
    start();
    Manifest m = Manifest.of(Descriptor.of(MediaType.OCI_CONFIG, Digest.sha256(utf8("c")), 1), List.of());
    var r = putManifest("a", "1", m.bytes(), MediaType.OCI_MANIFEST.value());
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(errorCode(r)).isEqualTo("MANIFEST_BLOB_UNKNOWN");
    assertThat(store.resolve("docker.io/library/a:1")).isEmpty();
  }

  @Test
  void putManifest_blobOnlyInOtherRepository_manifestBlobUnknown() throws Exception {
    start();
    Manifest m = pushImageBlobs("a", "scoped");
    var r = putManifest("b", "1", m.bytes(), MediaType.OCI_MANIFEST.value());
    assertThat(errorCode(r)).isEqualTo("MANIFEST_BLOB_UNKNOWN");
  }

  @Test
  void putManifest_wrongDigestRef_digestInvalid() throws Exception {
    start();
    Manifest m = pushImageBlobs("a", "d");
    var r = putManifest("a", Digest.sha256(utf8("other")).toString(), m.bytes(), MediaType.OCI_MANIFEST.value());
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(errorCode(r)).isEqualTo("DIGEST_INVALID");
    assertThat(store.exists(m.digest())).isFalse();
  }

  @Test
  void putManifest_over4MiB_rejected() throws Exception {
    start();
    byte[] huge = new byte[5 * 1024 * 1024];
    java.util.Arrays.fill(huge, (byte) ' ');
    byte[] head = utf8("{\"schemaVersion\":2,");
    System.arraycopy(head, 0, huge, 0, head.length);
    var r = putManifest("a", "1", huge, MediaType.OCI_MANIFEST.value());
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(errorCode(r)).isEqualTo("MANIFEST_INVALID");
  }

  @Test
  void putManifest_malformedJson_manifestInvalid400() throws Exception {
    start();
    for (String bad :
        List.of("{", "[]", "not json", "{\"schemaVersion\":2,\"schemaVersion\":2}", "{\"schemaVersion\":2,\"mediaType\":\"text/plain\"}", "[".repeat(5000), "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"digest\":\"nope\"}}")) {
      var r = putManifest("a", "1", utf8(bad), MediaType.OCI_MANIFEST.value());
      assertThat(r.statusCode()).as(bad.length() > 50 ? bad.substring(0, 50) : bad).isEqualTo(400);
      assertThat(errorCode(r)).isEqualTo("MANIFEST_INVALID");
    }
    assertThat(get("/v2/").statusCode()).isEqualTo(200);
  }

  @Test
  void putManifest_contentTypeDiffersFromMediaType_manifestInvalid() throws Exception {
    start();
    Manifest m = pushImageBlobs("a", "ct");
    var r = putManifest("a", "1", m.bytes(), MediaType.DOCKER_MANIFEST.value());
    assertThat(errorCode(r)).isEqualTo("MANIFEST_INVALID");
  }

  @Test
  void putIndex_childrenPushedByDigest_servedAsStored() throws Exception {
    start();
    Manifest amd = pushImageBlobs("multi", "amd");
    Manifest arm = pushImageBlobs("multi", "arm");
    assertThat(putManifest("multi", amd.digest().toString(), amd.bytes(), MediaType.OCI_MANIFEST.value()).statusCode()).isEqualTo(201);
    Index idx = Index.of(List.of(amd.descriptor().withPlatform(Platform.LINUX_AMD64), arm.descriptor().withPlatform(Platform.parse("linux/arm64"))));
    var missing = putManifest("multi", "1", idx.bytes(), MediaType.OCI_INDEX.value());
    assertThat(errorCode(missing)).isEqualTo("MANIFEST_BLOB_UNKNOWN");
    assertThat(putManifest("multi", arm.digest().toString(), arm.bytes(), MediaType.OCI_MANIFEST.value()).statusCode()).isEqualTo(201);
    assertThat(putManifest("multi", "1", idx.bytes(), MediaType.OCI_INDEX.value()).statusCode()).isEqualTo(201);
    var g = get("/v2/multi/manifests/1");
    assertThat(g.body()).isEqualTo(idx.bytes());
    assertThat(g.headers().firstValue("Content-Type")).contains(MediaType.OCI_INDEX.value());
    assertThat(get("/v2/multi/manifests/" + arm.digest()).body()).isEqualTo(arm.bytes());
  }

  @Test
  void deleteManifest_byTagThenByDigest_removesTagsAndLink() throws Exception {
    start();
    Manifest m = pushImageBlobs("a", "del");
    putManifest("a", "1", m.bytes(), MediaType.OCI_MANIFEST.value());
    putManifest("a", "2", m.bytes(), MediaType.OCI_MANIFEST.value());
    assertThat(send("DELETE", "/v2/a/manifests/1", null).statusCode()).isEqualTo(202);
    assertThat(get("/v2/a/manifests/1").statusCode()).isEqualTo(404);
    assertThat(get("/v2/a/manifests/2").statusCode()).isEqualTo(200);
    assertThat(send("DELETE", "/v2/a/manifests/" + m.digest(), null).statusCode()).isEqualTo(202);
    assertThat(get("/v2/a/manifests/2").statusCode()).isEqualTo(404);
    assertThat(get("/v2/a/manifests/" + m.digest()).statusCode()).isEqualTo(404);
    assertThat(errorCode(send("DELETE", "/v2/a/manifests/" + m.digest(), null))).isEqualTo("MANIFEST_UNKNOWN");
  }

  // ---------------------------------------------------------------- blobs

  @Test
  void getBlob_rangeRequests_partialContent() throws Exception {
    start();
    byte[] content = random(100_000, 1);
    Digest d = pushBlob("a", content);
    var full = get("/v2/a/blobs/" + d);
    assertThat(full.statusCode()).isEqualTo(200);
    assertThat(full.body()).isEqualTo(content);
    var part = get("/v2/a/blobs/" + d, "Range", "bytes=10-19");
    assertThat(part.statusCode()).isEqualTo(206);
    assertThat(part.body()).isEqualTo(java.util.Arrays.copyOfRange(content, 10, 20));
    assertThat(part.headers().firstValue("Content-Range")).contains("bytes 10-19/100000");
    var tail = get("/v2/a/blobs/" + d, "Range", "bytes=99990-");
    assertThat(tail.body()).isEqualTo(java.util.Arrays.copyOfRange(content, 99990, 100000));
    var suffix = get("/v2/a/blobs/" + d, "Range", "bytes=-5");
    assertThat(suffix.body()).isEqualTo(java.util.Arrays.copyOfRange(content, 99995, 100000));
    var bad = get("/v2/a/blobs/" + d, "Range", "bytes=200000-");
    assertThat(bad.statusCode()).isEqualTo(416);
    var head = send("HEAD", "/v2/a/blobs/" + d, null);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("Content-Length")).contains("100000");
    assertThat(head.headers().firstValue("Docker-Content-Digest")).contains(d.toString());
  }

  @Test
  void getBlob_concurrentWholeReads_allGetTheBlob() throws Exception {
    start();
    // Over two pieces of BlobReads, and not a multiple of one.
    byte[] content = random(2 * BlobReads.PIECE + 12_345, 7);
    Digest d = pushBlob("a", content);
    List<java.util.concurrent.CompletableFuture<HttpResponse<byte[]>>> inFlight = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      inFlight.add(http.sendAsync(HttpRequest.newBuilder(uri("/v2/a/blobs/" + d)).build(), HttpResponse.BodyHandlers.ofByteArray()));
    }
    for (var f : inFlight) {
      HttpResponse<byte[]> r = f.get();
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(Digest.sha256(r.body())).isEqualTo(d);
    }
  }

  @Test
  void getBlob_corruptFileInStore_neverSentWhole() throws Exception {
    start();
    for (int size : new int[] {1000, BlobReads.PIECE + 5}) {
      byte[] content = random(size, size);
      Digest d = pushBlob("a", content);
      Path file = store.root().resolve("blobs/sha256/" + d.hex());
      byte[] bad = content.clone();
      bad[size / 2] ^= 1;
      file.toFile().setWritable(true);
      Files.write(file, bad);
      for (int attempt = 0; attempt < 2; attempt++) {
        try {
          HttpResponse<byte[]> r = get("/v2/a/blobs/" + d);
          // Headers went out before the verdict: the body must then end short of Content-Length.
          assertThat(r.body().length).as("body of a corrupt blob of " + size + " bytes").isLessThan(size);
        } catch (IOException expected) {
          // the connection closed before the declared length: what a client sees of a cut body
        }
      }
    }
  }

  @Test
  void getBlob_unknown_blobUnknown() throws Exception {
    start();
    var r = get("/v2/a/blobs/" + Digest.sha256(utf8("none")));
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(errorCode(r)).isEqualTo("BLOB_UNKNOWN");
    assertThat(errorCode(get("/v2/a/blobs/sha256:xyz"))).isEqualTo("DIGEST_INVALID");
  }

  @Test
  void blob_pushedInOneRepository_invisibleInAnotherUntilMounted() throws Exception {
    start();
    Digest d = pushBlob("a", utf8("scoped blob"));
    assertThat(send("HEAD", "/v2/b/blobs/" + d, null).statusCode()).isEqualTo(404);
    // Mount from a repository that does not have it: falls back to an upload.
    var noMount = send("POST", "/v2/b/blobs/uploads/?mount=" + d + "&from=c", null);
    assertThat(noMount.statusCode()).isEqualTo(202);
    assertThat(noMount.headers().firstValue("Location")).get().asString().startsWith("/v2/b/blobs/uploads/");
    var mount = send("POST", "/v2/b/blobs/uploads/?mount=" + d + "&from=a", null);
    assertThat(mount.statusCode()).isEqualTo(201);
    assertThat(mount.headers().firstValue("Docker-Content-Digest")).contains(d.toString());
    assertThat(send("HEAD", "/v2/b/blobs/" + d, null).statusCode()).isEqualTo(200);
  }

  @Test
  void blob_referencedByImageInStore_visibleInThatRepositoryOnly() throws Exception {
    store = OciStore.open(dir.resolve("store"));
    Descriptor layer = store.put(MediaType.OCI_LAYER.value(), utf8("from ferry"));
    Descriptor config = store.put(MediaType.OCI_CONFIG.value(), utf8("{}"));
    Manifest m = Manifest.of(config, List.of(layer));
    store.tag("docker.io/library/stored:1", store.put(m));
    start();
    assertThat(get("/v2/stored/blobs/" + layer.digest()).body()).isEqualTo(utf8("from ferry"));
    assertThat(get("/v2/library/stored/manifests/1").body()).isEqualTo(m.bytes());
    assertThat(send("HEAD", "/v2/other/blobs/" + layer.digest(), null).statusCode()).isEqualTo(404);
  }

  @Test
  void deleteBlob_linked_unlinksFromRepository() throws Exception {
    start();
    Digest d = pushBlob("a", utf8("to delete"));
    assertThat(send("DELETE", "/v2/a/blobs/" + d, null).statusCode()).isEqualTo(202);
    assertThat(send("HEAD", "/v2/a/blobs/" + d, null).statusCode()).isEqualTo(404);
    assertThat(errorCode(send("DELETE", "/v2/a/blobs/" + d, null))).isEqualTo("BLOB_UNKNOWN");
  }

  // ---------------------------------------------------------------- uploads

  @Test
  void upload_chunkedWithContentRange_commitsAndReportsProgress() throws Exception {
    start();
    byte[] content = random(300_000, 2);
    Digest d = Digest.sha256(content);
    var post = send("POST", "/v2/a/blobs/uploads/", null);
    assertThat(post.statusCode()).isEqualTo(202);
    assertThat(post.headers().firstValue("Range")).contains("0-0");
    assertThat(post.headers().firstValue("Docker-Upload-UUID")).isPresent();
    String loc = post.headers().firstValue("Location").orElseThrow();
    var p1 = send("PATCH", loc, java.util.Arrays.copyOfRange(content, 0, 100_000), "Content-Range", "0-99999", "Content-Type", OCTETS);
    assertThat(p1.statusCode()).isEqualTo(202);
    assertThat(p1.headers().firstValue("Range")).contains("0-99999");
    var status = get(loc);
    assertThat(status.statusCode()).isEqualTo(204);
    assertThat(status.headers().firstValue("Range")).contains("0-99999");
    // Out of order: 416 with the current range.
    var ooo = send("PATCH", loc, java.util.Arrays.copyOfRange(content, 200_000, 300_000), "Content-Range", "200000-299999");
    assertThat(ooo.statusCode()).isEqualTo(416);
    assertThat(ooo.headers().firstValue("Range")).contains("0-99999");
    // Without Content-Range: appended (streamed PATCH).
    var p2 = send("PATCH", loc, java.util.Arrays.copyOfRange(content, 100_000, 200_000));
    assertThat(p2.headers().firstValue("Range")).contains("0-199999");
    var put = send("PUT", loc + "?digest=" + d, java.util.Arrays.copyOfRange(content, 200_000, 300_000));
    assertThat(put.statusCode()).isEqualTo(201);
    assertThat(put.headers().firstValue("Docker-Content-Digest")).contains(d.toString());
    assertThat(get("/v2/a/blobs/" + d).body()).isEqualTo(content);
    assertThat(errorCode(get(loc))).isEqualTo("BLOB_UPLOAD_UNKNOWN");
  }

  @Test
  void upload_wrongDigestOnPut_digestInvalidAndNothingKept() throws Exception {
    start();
    byte[] content = utf8("some content");
    Digest wrong = Digest.sha256(utf8("other content"));
    String loc = send("POST", "/v2/a/blobs/uploads/", null).headers().firstValue("Location").orElseThrow();
    var put = send("PUT", loc + "?digest=" + wrong, content);
    assertThat(put.statusCode()).isEqualTo(400);
    assertThat(errorCode(put)).isEqualTo("DIGEST_INVALID");
    assertThat(store.exists(wrong)).isFalse();
    assertThat(store.exists(Digest.sha256(content))).isFalse();
    var mono = send("POST", "/v2/a/blobs/uploads/?digest=" + wrong, content);
    assertThat(errorCode(mono)).isEqualTo("DIGEST_INVALID");
    assertThat(store.exists(Digest.sha256(content))).isFalse();
    try (var s = Files.list(store.root().resolve(".ferry/registry/uploads"))) {
      assertThat(s.toList()).isEmpty();
    }
  }

  @Test
  void upload_serverRestartedMidway_resumesOnNewServer() throws Exception {
    start();
    byte[] content = random(500_000, 3);
    Digest d = Digest.sha256(content);
    String loc = send("POST", "/v2/a/blobs/uploads/", null).headers().firstValue("Location").orElseThrow();
    send("PATCH", loc, java.util.Arrays.copyOfRange(content, 0, 250_000), "Content-Range", "0-249999");
    server.close();
    start();
    var status = get(loc);
    assertThat(status.statusCode()).isEqualTo(204);
    assertThat(status.headers().firstValue("Range")).contains("0-249999");
    var p = send("PATCH", loc, java.util.Arrays.copyOfRange(content, 250_000, 500_000), "Content-Range", "250000-499999");
    assertThat(p.statusCode()).isEqualTo(202);
    assertThat(send("PUT", loc + "?digest=" + d, null).statusCode()).isEqualTo(201);
    assertThat(get("/v2/a/blobs/" + d).body()).isEqualTo(content);
  }

  @Test
  void upload_cancelled_isGone() throws Exception {
    start();
    String loc = send("POST", "/v2/a/blobs/uploads/", null).headers().firstValue("Location").orElseThrow();
    send("PATCH", loc, utf8("partial"));
    assertThat(send("DELETE", loc, null).statusCode()).isEqualTo(204);
    assertThat(get(loc).statusCode()).isEqualTo(404);
    assertThat(errorCode(send("PATCH", loc, utf8("more")))).isEqualTo("BLOB_UPLOAD_UNKNOWN");
  }

  @Test
  void upload_ofAnotherRepository_unknown() throws Exception {
    start();
    String loc = send("POST", "/v2/a/blobs/uploads/", null).headers().firstValue("Location").orElseThrow();
    String other = loc.replace("/v2/a/", "/v2/b/");
    assertThat(errorCode(get(other))).isEqualTo("BLOB_UPLOAD_UNKNOWN");
    assertThat(errorCode(get("/v2/a/blobs/uploads/../../x"))).isIn("BLOB_UPLOAD_UNKNOWN", "NAME_INVALID", "UNSUPPORTED");
  }

  @Test
  void upload_overSizeLimit_rejected() throws Exception {
    start(RegistryServer.builder().maxBlobSize(1000));
    var r = send("POST", "/v2/a/blobs/uploads/?digest=" + Digest.sha256(new byte[2000]), new byte[2000]);
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(errorCode(r)).isEqualTo("SIZE_INVALID");
  }

  // ---------------------------------------------------------------- names

  @Test
  void badNames_nameInvalid() throws Exception {
    start();
    for (String bad : List.of("Upper/case", "a/../b", "a//b", "-a", "a-", "a/.b", "a..b", "a%2F..%2Fb", "a" + "b".repeat(300))) {
      var r = get("/v2/" + bad + "/tags/list");
      assertThat(r.statusCode()).as(bad).isEqualTo(400);
      assertThat(errorCode(r)).as(bad).isEqualTo("NAME_INVALID");
    }
  }

  // ---------------------------------------------------------------- listings

  @Test
  void tagsAndCatalog_paginateWithLinkHeader() throws Exception {
    start();
    Manifest m = pushImageBlobs("p/q", "page");
    for (String t : List.of("c", "a", "b", "d")) {
      putManifest("p/q", t, m.bytes(), MediaType.OCI_MANIFEST.value());
    }
    Manifest m2 = pushImageBlobs("harbor.corp/z", "page2");
    putManifest("harbor.corp/z", "1", m2.bytes(), MediaType.OCI_MANIFEST.value());
    store.tag("not a reference", m.descriptor());

    var all = get("/v2/p/q/tags/list");
    assertThat(JSON.readTree(all.body()).path("tags").toString()).isEqualTo("[\"a\",\"b\",\"c\",\"d\"]");
    var page1 = get("/v2/p/q/tags/list?n=2");
    assertThat(JSON.readTree(page1.body()).path("tags").toString()).isEqualTo("[\"a\",\"b\"]");
    String link = page1.headers().firstValue("Link").orElseThrow();
    assertThat(link).isEqualTo("</v2/p/q/tags/list?n=2&last=b>; rel=\"next\"");
    var page2 = get(link.substring(1, link.indexOf('>')));
    assertThat(JSON.readTree(page2.body()).path("tags").toString()).isEqualTo("[\"c\",\"d\"]");
    assertThat(page2.headers().firstValue("Link")).isEmpty();

    var cat = get("/v2/_catalog");
    assertThat(JSON.readTree(cat.body()).path("repositories").toString()).isEqualTo("[\"harbor.corp/z\",\"p/q\"]");
    var cat1 = get("/v2/_catalog?n=1");
    assertThat(JSON.readTree(cat1.body()).path("repositories").toString()).isEqualTo("[\"harbor.corp/z\"]");
    assertThat(cat1.headers().firstValue("Link")).contains("</v2/_catalog?n=1&last=harbor.corp%2Fz>; rel=\"next\"");
    var cat2 = get("/v2/_catalog?n=1&last=harbor.corp%2Fz");
    assertThat(JSON.readTree(cat2.body()).path("repositories").toString()).isEqualTo("[\"p/q\"]");
    assertThat(errorCode(get("/v2/unknown/tags/list"))).isEqualTo("NAME_UNKNOWN");
  }

  // ---------------------------------------------------------------- referrers

  @Test
  void referrers_manifestsWithSubject_listedAndFilteredByArtifactType() throws Exception {
    start();
    Manifest subject = pushImageBlobs("r", "subject");
    putManifest("r", "1", subject.bytes(), MediaType.OCI_MANIFEST.value());
    byte[] empty = utf8("{}");
    Digest emptyDigest = pushBlob("r", empty);
    Descriptor emptyConfig = Descriptor.of(MediaType.OCI_EMPTY, emptyDigest, 2);
    List<Manifest> refs = new ArrayList<>();
    for (String type : List.of("application/vnd.example.sbom", "application/vnd.example.sig")) {
      Manifest a = Manifest.of(MediaType.OCI_MANIFEST, emptyConfig, List.of(), Map.of("k", type), Optional.of(subject.descriptor()), Optional.of(type));
      var put = putManifest("r", a.digest().toString(), a.bytes(), MediaType.OCI_MANIFEST.value());
      assertThat(put.statusCode()).isEqualTo(201);
      assertThat(put.headers().firstValue("OCI-Subject")).contains(subject.digest().toString());
      refs.add(a);
    }
    var all = get("/v2/r/referrers/" + subject.digest());
    assertThat(all.statusCode()).isEqualTo(200);
    assertThat(all.headers().firstValue("Content-Type")).contains(MediaType.OCI_INDEX.value());
    JsonNode idx = JSON.readTree(all.body());
    assertThat(idx.path("manifests")).hasSize(2);
    assertThat(all.headers().firstValue("OCI-Filters-Applied")).isEmpty();
    var sig = get("/v2/r/referrers/" + subject.digest() + "?artifactType=application/vnd.example.sig");
    JsonNode sigs = JSON.readTree(sig.body()).path("manifests");
    assertThat(sigs).hasSize(1);
    assertThat(sigs.get(0).path("digest").asText()).isEqualTo(refs.get(1).digest().toString());
    assertThat(sigs.get(0).path("annotations").path("k").asText()).isEqualTo("application/vnd.example.sig");
    assertThat(sig.headers().firstValue("OCI-Filters-Applied")).contains("artifactType");
    // Deleting a referrer removes it from the list.
    send("DELETE", "/v2/r/manifests/" + refs.get(0).digest(), null);
    assertThat(JSON.readTree(get("/v2/r/referrers/" + subject.digest()).body()).path("manifests")).hasSize(1);
    assertThat(JSON.readTree(get("/v2/r/referrers/" + Digest.sha256(utf8("none"))).body()).path("manifests")).isEmpty();
  }

  // ---------------------------------------------------------------- modes

  @Test
  void readOnly_writesRefusedReadsServed() throws Exception {
    store = OciStore.open(dir.resolve("store"));
    Descriptor blob = store.put(OCTETS, utf8("ro"));
    Descriptor config = store.put(MediaType.OCI_CONFIG.value(), utf8("{}"));
    store.tag("docker.io/library/ro:1", store.put(Manifest.of(config, List.of(blob))));
    start(RegistryServer.builder().readOnly(true));
    var post = send("POST", "/v2/ro/blobs/uploads/", null);
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(errorCode(post)).isEqualTo("UNSUPPORTED");
    assertThat(send("DELETE", "/v2/ro/manifests/1", null).statusCode()).isEqualTo(405);
    assertThat(get("/v2/ro/manifests/1").statusCode()).isEqualTo(200);
    assertThat(get("/v2/ro/blobs/" + blob.digest()).body()).isEqualTo(utf8("ro"));
  }

  static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString(utf8(user + ":" + password));
  }

  Path htpasswd() throws IOException {
    String hash = new String(BCrypt.with(BCrypt.Version.VERSION_2Y).hash(4, "secret".toCharArray()), StandardCharsets.UTF_8);
    Path f = dir.resolve("htpasswd");
    Files.writeString(f, "alice:" + hash + "\n");
    return f;
  }

  @Test
  void basicAuth_bcryptHtpasswd_challengesAndAccepts() throws Exception {
    start(RegistryServer.builder().htpasswd(htpasswd()));
    var anon = get("/v2/");
    assertThat(anon.statusCode()).isEqualTo(401);
    assertThat(errorCode(anon)).isEqualTo("UNAUTHORIZED");
    assertThat(anon.headers().firstValue("WWW-Authenticate")).contains("Basic realm=\"ferry\"");
    assertThat(get("/v2/", "Authorization", basic("alice", "wrong")).statusCode()).isEqualTo(401);
    assertThat(get("/v2/", "Authorization", basic("bob", "secret")).statusCode()).isEqualTo(401);
    assertThat(get("/v2/", "Authorization", basic("alice", "secret")).statusCode()).isEqualTo(200);
    var post = send("POST", "/v2/a/blobs/uploads/", null, "Authorization", basic("alice", "secret"));
    assertThat(post.statusCode()).isEqualTo(202);
    assertThat(send("POST", "/v2/a/blobs/uploads/", null).statusCode()).isEqualTo(401);
  }

  @Test
  void basicAuth_aclWithPullOnly_pushDenied() throws Exception {
    Path acl = dir.resolve("acl");
    Files.writeString(acl, "# readers\nalice  team/*  pull\nanonymous pub pull\n");
    start(RegistryServer.builder().htpasswd(htpasswd()).acl(acl));
    String a = basic("alice", "secret");
    assertThat(get("/v2/team/x/tags/list", "Authorization", a).statusCode()).isEqualTo(404);
    var push = send("POST", "/v2/team/x/blobs/uploads/", null, "Authorization", a);
    assertThat(push.statusCode()).isEqualTo(403);
    assertThat(errorCode(push)).isEqualTo("DENIED");
    assertThat(get("/v2/pub/tags/list").statusCode()).isEqualTo(404);
    assertThat(get("/v2/other/tags/list", "Authorization", a).statusCode()).isEqualTo(403);
  }

  HttpResponse<byte[]> token(String scope, String... headers) throws Exception {
    return get("/token?service=ferry&scope=" + java.net.URLEncoder.encode(scope, StandardCharsets.UTF_8), headers);
  }

  @Test
  void tokenAuth_scopesCheckedOnEveryRequest() throws Exception {
    Path key = dir.resolve("token.key");
    Files.write(key, random(32, 9));
    Path acl = dir.resolve("acl");
    Files.writeString(acl, "alice * pull,push\nbob * pull\n");
    Path htpasswd = htpasswd();
    Files.writeString(htpasswd, Files.readString(htpasswd).replace("alice:", "bob:"), java.nio.file.StandardOpenOption.APPEND);
    start(RegistryServer.builder().htpasswd(htpasswd).tokenKey(key).acl(acl));

    var challenge = send("POST", "/v2/team/app/blobs/uploads/", null);
    assertThat(challenge.statusCode()).isEqualTo(401);
    String www = challenge.headers().firstValue("WWW-Authenticate").orElseThrow();
    assertThat(www)
        .isEqualTo("Bearer realm=\"http://127.0.0.1:" + server.port() + "/token\",service=\"ferry\",scope=\"repository:team/app:push\"");

    assertThat(token("repository:team/app:pull,push", "Authorization", basic("alice", "wrong")).statusCode()).isEqualTo(401);
    String aliceToken = JSON.readTree(token("repository:team/app:pull,push", "Authorization", basic("alice", "secret")).body()).path("token").asText();
    String bobToken = JSON.readTree(token("repository:team/app:pull,push", "Authorization", basic("bob", "secret")).body()).path("token").asText();

    assertThat(send("POST", "/v2/team/app/blobs/uploads/", null, "Authorization", "Bearer " + aliceToken).statusCode()).isEqualTo(202);
    var bobPush = send("POST", "/v2/team/app/blobs/uploads/", null, "Authorization", "Bearer " + bobToken);
    assertThat(bobPush.statusCode()).isEqualTo(401);
    assertThat(bobPush.headers().firstValue("WWW-Authenticate")).get().asString().contains("insufficient_scope");
    assertThat(get("/v2/team/app/tags/list", "Authorization", "Bearer " + bobToken).statusCode()).isEqualTo(404);
    // A token for one repository does not open another.
    assertThat(get("/v2/team/other/tags/list", "Authorization", "Bearer " + aliceToken).statusCode()).isEqualTo(401);
    // Tampered tokens are refused.
    String tampered = aliceToken.substring(0, aliceToken.length() - 2) + (aliceToken.endsWith("A") ? "BB" : "AA");
    assertThat(get("/v2/", "Authorization", "Bearer " + tampered).statusCode()).isEqualTo(401);
    assertThat(get("/v2/", "Authorization", "Bearer " + bobToken).statusCode()).isEqualTo(200);
  }

  @Test
  void tls_rsaAndEcKeys_serveHttps() throws Exception {
    for (String alg : List.of("rsa:2048", "ec")) {
      Path cert = dir.resolve(alg.replace(':', '-') + ".crt");
      Path key = dir.resolve(alg.replace(':', '-') + ".key");
      List<String> cmd = new ArrayList<>(List.of("openssl", "req", "-x509", "-newkey", alg));
      if (alg.equals("ec")) {
        cmd.addAll(List.of("-pkeyopt", "ec_paramgen_curve:P-256"));
      }
      cmd.addAll(List.of("-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"));
      dev.ferry.testing.Peers.require("openssl");
      dev.ferry.testing.Processes.run(cmd).ok();
      RegistryServer s = start(RegistryServer.builder().tls(cert, key));
      java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      try (var in = Files.newInputStream(cert)) {
        trust.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
      }
      var tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      var ctx = javax.net.ssl.SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      HttpClient https = HttpClient.newBuilder().sslContext(ctx).build();
      var r = https.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + s.port() + "/v2/")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(alg).isEqualTo(200);
      s.close();
    }
  }

  /**
   * Clients told not to verify TLS (skopeo, podman, Docker's insecure registries) try https first and fall back to
   * http only when the handshake fails; a server that leaves the ClientHello unanswered costs them their 10 s
   * handshake timeout on every invocation.
   */
  @Test
  void tlsClientHello_onPlainPort_refusedWithinOneSecond() throws Exception {
    start();
    var trustAll =
        new javax.net.ssl.X509TrustManager() {
          @Override
          public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

          @Override
          public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

          @Override
          public java.security.cert.X509Certificate[] getAcceptedIssuers() {
            return new java.security.cert.X509Certificate[0];
          }
        };
    var ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(null, new javax.net.ssl.TrustManager[] {trustAll}, null);
    try (var socket = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", server.port())) {
      socket.setSoTimeout(10_000);
      long t0 = System.nanoTime();
      org.assertj.core.api.Assertions.assertThatThrownBy(socket::startHandshake).isInstanceOf(IOException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
    }
    // The port still serves plain http afterwards.
    assertThat(get("/v2/").statusCode()).isEqualTo(200);
  }

  // ---------------------------------------------------------------- gc

  @Test
  void gcRoots_keepPushedButUnreferencedBlobsAndUntaggedManifests() throws Exception {
    start();
    Digest loose = pushBlob("a", utf8("pushed, no manifest yet"));
    Manifest m = pushImageBlobs("a", "gc");
    putManifest("a", m.digest().toString(), m.bytes(), MediaType.OCI_MANIFEST.value());
    Descriptor garbage = store.put(OCTETS, utf8("nobody's"));

    GarbageCollector.collect(store, () -> RegistryState.gcRoots(store, Duration.ofHours(1)), false);

    assertThat(store.exists(loose)).isTrue();
    assertThat(store.exists(m.digest())).isTrue();
    assertThat(store.exists(m.config().digest())).isTrue();
    assertThat(store.exists(garbage.digest())).isFalse();
    // Once old, a pushed blob no manifest references is no longer a root.
    assertThat(RegistryState.gcRoots(store, Duration.ZERO)).doesNotContain(loose).contains(m.digest(), m.layers().get(0).digest());
  }
}
