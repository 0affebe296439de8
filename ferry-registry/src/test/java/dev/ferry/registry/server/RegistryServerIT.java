package dev.ferry.registry.server;

import static org.assertj.core.api.Assertions.assertThat;

import at.favre.lib.crypto.bcrypt.BCrypt;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.ImageConfig;
import dev.ferry.oci.Index;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import dev.ferry.oci.layer.LayerWriter;
import dev.ferry.oci.layer.WrittenLayer;
import dev.ferry.oci.store.OciStore;
import dev.ferry.testing.Peers;
import dev.ferry.testing.Processes;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real clients (skopeo, buildah) against Ferry's registry server. */
class RegistryServerIT {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  OciStore store;
  RegistryServer server;
  Path policy;
  Map<String, String> env;

  @BeforeEach
  void setUp() throws IOException {
    store = OciStore.open(dir.resolve("store"));
    policy = dir.resolve("policy.json");
    Files.writeString(policy, "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
    Path registries = dir.resolve("registries.conf");
    Files.writeString(registries, "unqualified-search-registries = []\n");
    env = Map.of("REGISTRIES_CONFIG_PATH", registries.toString(), "TMPDIR", dir.toString());
  }

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
  }

  void start(RegistryServer.Builder b) throws IOException {
    server = b.store(store).listen(new InetSocketAddress("127.0.0.1", 0)).build().start();
  }

  String registry() {
    return "127.0.0.1:" + server.port();
  }

  Processes.Result run(String... cmd) throws Exception {
    return Processes.run(List.of(cmd), dir, env, 300);
  }

  Processes.Result skopeo(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Peers.require("skopeo").toString(), "--policy", policy.toString()));
    cmd.addAll(List.of(args));
    return Processes.run(cmd, dir, env, 300);
  }

  /** A two-platform image (index of two manifests, one gzip layer each) named {@code x} in an OCI layout. */
  Index multiArchLayout(Path layoutDir) throws IOException {
    OciStore layout = OciStore.open(layoutDir);
    List<Descriptor> children = new ArrayList<>();
    for (Platform p : List.of(Platform.LINUX_AMD64, Platform.parse("linux/arm64"))) {
      Path tree = dir.resolve("tree-" + p.architecture());
      Files.createDirectories(tree.resolve("etc"));
      Files.writeString(tree.resolve("etc/platform"), p.toString() + "\n");
      WrittenLayer l;
      try (OciStore.BlobWriter w = layout.newBlob()) {
        l = LayerWriter.builder().build().write(tree, w);
        w.commit(l.digest(), l.size());
      }
      Descriptor config = layout.put(ImageConfig.builder(p).addLayer(l.diffId(), ImageConfig.History.of(null, "platform file", false)).build());
      Manifest m = Manifest.of(config, List.of(Descriptor.of(l.mediaType(), l.digest(), l.size())));
      children.add(layout.put(m).withPlatform(p));
    }
    Index index = Index.of(children);
    layout.tag("x", layout.put(index));
    return index;
  }

  @Test
  void skopeo_copyAllMultiArch_inInspectListTagsOutDelete() throws Exception {
    start(RegistryServer.builder());
    Index index = multiArchLayout(dir.resolve("layout"));
    String dest = "docker://" + registry() + "/multi/x:1";

    skopeo("copy", "--all", "--dest-tls-verify=false", "oci:" + dir.resolve("layout") + ":x", dest).ok();

    Descriptor stored = store.resolve("docker.io/multi/x:1").orElseThrow();
    assertThat(stored.digest()).isEqualTo(index.digest());
    String raw = skopeo("inspect", "--raw", "--tls-verify=false", dest).ok().stdout();
    assertThat(raw.getBytes(StandardCharsets.UTF_8)).isEqualTo(index.bytes());
    JsonNode inspect = JSON.readTree(skopeo("inspect", "--tls-verify=false", "--override-arch", "arm64", dest).ok().stdout());
    assertThat(inspect.path("Architecture").asText()).isEqualTo("arm64");
    JsonNode tags = JSON.readTree(skopeo("list-tags", "--tls-verify=false", "docker://" + registry() + "/multi/x").ok().stdout());
    assertThat(tags.path("Tags").toString()).isEqualTo("[\"1\"]");

    Path out = dir.resolve("out");
    skopeo("copy", "--all", "--src-tls-verify=false", dest, "oci:" + out + ":y").ok();
    OciStore copied = OciStore.open(out);
    assertThat(copied.resolve("y").orElseThrow().digest()).isEqualTo(index.digest());

    skopeo("delete", "--tls-verify=false", "docker://" + registry() + "/multi/x@" + index.digest()).ok();
    assertThat(store.resolve("docker.io/multi/x:1")).isEmpty();
    assertThat(skopeo("inspect", "--raw", "--tls-verify=false", dest).exitCode()).isNotZero();
  }

  /**
   * With {@code --dest-tls-verify=false} skopeo tries https first; the plain-http server must refuse the ClientHello at
   * once (it used to leave it unanswered, and every copy waited out skopeo's 10 s TLS handshake timeout).
   */
  @Test
  void skopeo_tlsVerifyFalse_fallsBackToHttpWithoutWaiting() throws Exception {
    start(RegistryServer.builder());
    multiArchLayout(dir.resolve("layout"));
    long t0 = System.nanoTime();
    skopeo("copy", "--dest-tls-verify=false", "oci:" + dir.resolve("layout") + ":x", "docker://" + registry() + "/tiny/x:1").ok();
    assertThat(java.time.Duration.ofNanos(System.nanoTime() - t0)).isLessThan(java.time.Duration.ofSeconds(5));
  }

  @Test
  void skopeo_pullImageStoredByFerry_servedFromStore() throws Exception {
    Index index = multiArchLayout(dir.resolve("store"));
    store.tag("docker.io/library/busybox:1", index.descriptor());
    start(RegistryServer.builder().readOnly(true));
    Path out = dir.resolve("pulled");
    skopeo("copy", "--all", "--src-tls-verify=false", "docker://" + registry() + "/busybox:1", "oci:" + out + ":b").ok();
    assertThat(OciStore.open(out).resolve("b").orElseThrow().digest()).isEqualTo(index.digest());
  }

  Path htpasswd() throws IOException {
    Path f = dir.resolve("htpasswd");
    if (Peers.find("htpasswd").isPresent()) {
      try {
        Files.writeString(f, Processes.run("htpasswd", "-Bbn", "alice", "secret").ok().stdout());
        return f;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Files.writeString(f, "alice:" + new String(BCrypt.withDefaults().hash(6, "secret".toCharArray()), StandardCharsets.UTF_8) + "\n");
    return f;
  }

  @Test
  void skopeo_basicAuth_withCredsSucceedsWithoutFails() throws Exception {
    start(RegistryServer.builder().htpasswd(htpasswd()));
    multiArchLayout(dir.resolve("layout"));
    String src = "oci:" + dir.resolve("layout") + ":x";
    String dest = "docker://" + registry() + "/auth/x:1";
    assertThat(skopeo("copy", "--all", "--dest-tls-verify=false", src, dest).exitCode()).isNotZero();
    assertThat(skopeo("copy", "--all", "--dest-tls-verify=false", "--dest-creds", "alice:wrong", src, dest).exitCode()).isNotZero();
    skopeo("copy", "--all", "--dest-tls-verify=false", "--dest-creds", "alice:secret", src, dest).ok();
    assertThat(store.resolve("docker.io/auth/x:1")).isPresent();
  }

  @Test
  void skopeo_tokenAuth_pushAndPullThroughTokenEndpoint() throws Exception {
    Path key = dir.resolve("token.key");
    Files.write(key, new java.security.SecureRandom().generateSeed(32));
    start(RegistryServer.builder().htpasswd(htpasswd()).tokenKey(key));
    multiArchLayout(dir.resolve("layout"));
    String dest = "docker://" + registry() + "/tok/x:1";
    skopeo("copy", "--all", "--dest-tls-verify=false", "--dest-creds", "alice:secret", "oci:" + dir.resolve("layout") + ":x", dest).ok();
    skopeo("inspect", "--raw", "--tls-verify=false", "--creds", "alice:secret", dest).ok();
    assertThat(skopeo("inspect", "--raw", "--tls-verify=false", dest).exitCode()).isNotZero();
  }

  @Test
  void buildah_push_toFerry() throws Exception {
    Path buildah = Peers.require("buildah");
    start(RegistryServer.builder());
    List<String> base =
        List.of(buildah.toString(), "--storage-driver", "vfs", "--root", dir.resolve("root").toString(), "--runroot", dir.resolve("run").toString());
    String ctr = cmd(base, "from", "--signature-policy", policy.toString(), "scratch").trim();
    Path file = dir.resolve("hello.txt");
    Files.writeString(file, "hello from buildah\n");
    cmd(base, "copy", ctr, file.toString(), "/hello.txt");
    cmd(base, "commit", "--signature-policy", policy.toString(), ctr, "localhost/built:1");
    cmd(base, "push", "--signature-policy", policy.toString(), "--tls-verify=false", "localhost/built:1", "docker://" + registry() + "/built/app:1");
    Descriptor d = store.resolve("docker.io/built/app:1").orElseThrow();
    Manifest m = store.readManifest(d);
    assertThat(m.layers()).hasSize(1);
    assertThat(store.exists(m.layers().get(0).digest())).isTrue();
  }

  private String cmd(List<String> base, String... args) throws Exception {
    List<String> c = new ArrayList<>(base);
    c.addAll(List.of(args));
    return Processes.run(c, dir, env, 300).ok().stdout();
  }
}
