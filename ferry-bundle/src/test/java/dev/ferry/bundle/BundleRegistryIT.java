package dev.ferry.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.build.BuildProgress;
import dev.ferry.bundle.spec.SpecParser;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.client.Credentials;
import dev.ferry.registry.client.ProgressListener;
import dev.ferry.registry.client.RegistryClient;
import dev.ferry.testing.DistributionRegistry;
import dev.ferry.testing.Peers;
import dev.ferry.testing.Processes;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bundles against real peers: skopeo reading {@code bundle serve}, an index at the destination merged by a push. */
class BundleRegistryIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  OciStore store;

  @BeforeEach
  void images() throws Exception {
    store = OciStore.open(tmp.resolve("store"));
    Descriptor base = TestImages.layer(store, Map.of("etc/os-release", "ID=debian\n"));
    Descriptor amd = TestImages.image(store, Platform.LINUX_AMD64, List.of(base, TestImages.layer(store, Map.of("app", "amd64"))));
    Descriptor arm = TestImages.image(store, Platform.LINUX_ARM64, List.of(base, TestImages.layer(store, Map.of("app", "arm64"))));
    Map<Platform, Descriptor> both = new LinkedHashMap<>();
    both.put(Platform.LINUX_AMD64, amd);
    both.put(Platform.LINUX_ARM64, arm);
    store.tag("registry.example.com/team/app:1", TestImages.index(store, both));
    Files.writeString(tmp.resolve("ferry.yaml"), """
        name: demo
        version: 1.0.0
        targets: [x86_nvidia, arm_910b]
        images:
          - name: demo/app
            tag: "1"
            pull: registry.example.com/team/app:1
        """);
  }

  private Path pack(String target) throws Exception {
    return pack(target, false);
  }

  private Path pack(String target, boolean zstd) throws Exception {
    Path out = tmp.resolve(target + (zstd ? ".zst" : "") + ".ferry");
    new Packer(store, null, BuildProgress.NONE, l -> {}, WheelhouseProvider.NONE).pack(SpecParser.parse(tmp.resolve("ferry.yaml")),
        new Packer.Options(target.equals("all") ? List.of() : List.of(target), out, zstd, 0, Optional.empty(), DeltaBase.NONE, true, false, Instant.EPOCH));
    return out;
  }

  @Test
  void push_zstdBundle_streamsFrontToBackAndSkopeoCopiesIt() throws Exception {
    Path skopeo = Peers.require("skopeo");
    Peers.require("docker-registry");
    try (DistributionRegistry registry = DistributionRegistry.start();
        RegistryClient client = RegistryClient.builder().ignoreDockerConfig().build();
        BundleFile b = BundleFile.open(pack("all", true))) {
      assertThat(b.compressed()).isTrue();
      BundlePusher.Report r = BundlePusher.push(client, b, BundleVerifier.verify(b, Optional.empty(), x -> {}),
          new BundlePusher.Options(registry.host() + "/z", Optional.empty(), 4), ProgressListener.NONE);
      assertThat(r.pushed()).singleElement().satisfies(p -> assertThat(p.destination().toString()).isEqualTo(registry.host() + "/z/demo/app:1"));
      assertThat(r.uploaded()).as("the shared layer, two app layers, two configs, two SBOMs, the empty config of their referrers")
          .isEqualTo(8);
      Processes.Result copy = Processes.run(skopeo.toString(), "copy", "--all", "--src-tls-verify=false",
          "docker://" + registry.host() + "/z/demo/app:1", "oci:" + tmp.resolve("z") + ":app");
      assertThat(copy.exitCode()).as(copy.stderr()).isZero();
    }
  }

  @Test
  void serve_skopeoInspectsAndCopiesEveryPlatform_writesAreRefused() throws Exception {
    Path skopeo = Peers.require("skopeo");
    Path bundle = pack("all");
    try (BundleFile b = BundleFile.open(bundle)) {
      BundleVerifier.Report r = BundleVerifier.verify(b, Optional.empty(), x -> {});
      try (BundleServer server = BundleServer.start(b, r, new InetSocketAddress("127.0.0.1", 0))) {
        String host = "127.0.0.1:" + server.port();
        Processes.Result raw = Processes.run(skopeo.toString(), "inspect", "--raw", "--tls-verify=false", "docker://" + host + "/demo/app:1");
        assertThat(raw.exitCode()).as(raw.stderr()).isZero();
        assertThat(JSON.readTree(raw.stdout()).path("manifests")).hasSize(2);
        Processes.Result copy = Processes.run(skopeo.toString(), "copy", "--all", "--src-tls-verify=false",
            "docker://" + host + "/demo/app:1", "oci:" + tmp.resolve("copy") + ":app");
        assertThat(copy.exitCode()).as(copy.stderr()).isZero();
        // The image's blobs, not the SBOMs, their referrer manifests and the empty config those share.
        long sbomParts = 2L * r.lock().images().get(0).platforms().size() + 1;
        assertThat(Files.list(tmp.resolve("copy/blobs/sha256")).count()).isEqualTo(r.lock().blobs().size() - sbomParts);
        HttpResponse<String> put = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://" + host + "/v2/demo/app/blobs/uploads/")).POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).isEqualTo(405);
      }
    }
  }

  @Test
  void push_perTargetBundlesToOneTag_mergesTheIndexInsteadOfOverwriting() throws Exception {
    Peers.require("docker-registry");
    try (DistributionRegistry registry = DistributionRegistry.start("u", "p");
        RegistryClient client = RegistryClient.builder().ignoreDockerConfig().credentials(Credentials.basic("u", "p", "test")).build()) {
      String prefix = registry.host() + "/site";
      for (String target : List.of("arm_910b", "x86_nvidia")) {
        try (BundleFile b = BundleFile.open(pack(target))) {
          BundlePusher.Report r = BundlePusher.push(client, b, BundleVerifier.verify(b, Optional.empty(), x -> {}),
              new BundlePusher.Options(prefix, Optional.empty(), 4), ProgressListener.NONE);
          assertThat(r.pushed()).singleElement().satisfies(p -> assertThat(p.merged()).isEqualTo(target.equals("x86_nvidia")));
        }
      }
      JsonNode index = JSON.readTree(client.manifest(Reference.parse(prefix + "/demo/app:1")).bytes());
      assertThat(index.path("manifests")).extracting(m -> m.path("platform").path("architecture").asText())
          .containsExactlyInAnyOrder("amd64", "arm64");
      // Each platform's SBOM is listed as a referrer of its manifest (through the fallback tag on distribution 2.8).
      for (JsonNode m : index.path("manifests")) {
        List<Descriptor> refs = client.referrers(Reference.parse(prefix + "/demo/app@" + m.path("digest").asText()),
            Optional.of(BundleFormat.SBOM_MEDIA_TYPE));
        assertThat(refs).as(m.path("platform").toString()).hasSize(1);
        JsonNode sbomManifest = JSON.readTree(client.manifest(Reference.parse(prefix + "/demo/app@" + refs.get(0).digest())).bytes());
        assertThat(sbomManifest.path("subject").path("digest").asText()).isEqualTo(m.path("digest").asText());
      }
    }
  }
}
