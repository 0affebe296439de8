package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.testing.Busybox;
import dev.ferry.testing.DistributionRegistry;
import dev.ferry.testing.Peers;
import dev.ferry.testing.Processes;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A delivery from {@code ferry init} to a pushed, verified bundle against real peers: CNCF distribution with htpasswd
 * as the customer registry, skopeo pulling what {@code bundle push} wrote, runc running an image loaded from a bundle.
 */
class BundleIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  DistributionRegistry registry;
  Cli ferry;
  Path project;
  String creds;

  @BeforeEach
  void setUp() throws Exception {
    Peers.require("docker-registry");
    registry = DistributionRegistry.start("site", "s3cret");
    creds = registry.username() + ":" + registry.password();
    ferry = new Cli(tmp.resolve("store"));
    Path rootfs = Busybox.rootfs(tmp.resolve("rootfs"));
    ferry.ok("image", "from-rootfs", rootfs.toString(), "-t", "demo/busybox:1", "--root-owner", "--cmd", "/bin/sh");
    project = Files.createDirectories(tmp.resolve("shop"));
    Files.createDirectories(project.resolve("api"));
    Files.writeString(project.resolve("api/hello.txt"), "hello from the delivered api\n");
    Files.writeString(project.resolve("api/Dockerfile"), "FROM demo/busybox:1\nCOPY hello.txt /srv/hello.txt\nCMD [\"/bin/cat\", \"/srv/hello.txt\"]\n");
    Files.createDirectories(project.resolve("worker"));
    Files.writeString(project.resolve("worker/Dockerfile"), "FROM demo/busybox:1\nCMD [\"/bin/echo\", \"worker\"]\n");
  }

  @AfterEach
  void tearDown() {
    if (registry != null) {
      registry.close();
    }
  }

  private Path pack(String... extra) throws IOException {
    List<String> args = new java.util.ArrayList<>(List.of("pack", "-f", project.resolve("ferry.yaml").toString()));
    args.addAll(List.of(extra));
    return Path.of(ferry.ok(args.toArray(String[]::new)).lastLine());
  }

  private JsonNode lock(Path bundle) throws IOException {
    return JSON.readTree(ferry.ok("--json", "bundle", "inspect", bundle.toString()).out());
  }

  @Test
  void initPackVerifyPush_skopeoPullsTheSameDigestAndTheLoadedImageRunsInRunc() throws Exception {
    Path skopeo = Peers.require("skopeo");
    ferry.ok("init", project.toString());
    ferry.ok("keygen", "-o", tmp.resolve("vendor").toString());
    Path bundle = pack("--key", tmp.resolve("vendor.pem").toString());
    assertThat(bundle.getFileName().toString()).isEqualTo("shop-0.1.0.ferry");

    assertThat(ferry.ok("bundle", "verify", bundle.toString(), "--key", tmp.resolve("vendor.pub.pem").toString()).out())
        .contains("ok", "signature valid");
    JsonNode lock = lock(bundle);
    String apiDigest = lock.path("images").get(0).path("digest").asText();

    Cli.Run push = ferry.ok("--json", "bundle", "push", bundle.toString(), "--to", registry.host() + "/prod", "--creds", creds,
        "--key", tmp.resolve("vendor.pub.pem").toString());
    JsonNode report = JSON.readTree(push.out());
    assertThat(report.path("pushed")).extracting(n -> n.path("destination").asText())
        .containsExactly(registry.host() + "/prod/shop/api:0.1.0", registry.host() + "/prod/shop/worker:0.1.0");
    assertThat(report.path("pushed").get(0).path("source").asText()).isEqualTo("build:api");
    assertThat(report.path("blobsMounted").asInt()).as("the busybox layer and the SBOM referrers' empty config: uploaded once, then mounted")
        .isEqualTo(2);

    Processes.Result inspected = Processes.run(skopeo.toString(), "inspect", "--tls-verify=false", "--creds", creds,
        "docker://" + registry.host() + "/prod/shop/api:0.1.0");
    assertThat(inspected.exitCode()).as(inspected.stderr()).isZero();
    assertThat(JSON.readTree(inspected.stdout()).path("Digest").asText()).isEqualTo(apiDigest);
    Processes.Result copied = Processes.run(skopeo.toString(), "copy", "--src-tls-verify=false", "--src-creds", creds,
        "docker://" + registry.host() + "/prod/shop/api:0.1.0", "oci:" + tmp.resolve("pulled") + ":api");
    assertThat(copied.exitCode()).as(copied.stderr()).isZero();

    // A second push finds everything there.
    JsonNode again = JSON.readTree(ferry.ok("--json", "bundle", "push", bundle.toString(), "--to", registry.host() + "/prod", "--creds", creds).out());
    assertThat(again.path("blobsUploaded").asInt()).isZero();

    // At the site: load into another store, unpack, run.
    assumeTrue(Peers.isRoot(), "runc needs root here");
    Path runc = Peers.require("runc");
    Cli site = new Cli(tmp.resolve("site-store"));
    assertThat(site.ok("bundle", "load", bundle.toString()).out()).contains("docker.io/shop/api:0.1.0 " + apiDigest);
    Path runtime = tmp.resolve("runtime");
    site.ok("unpack", "--bundle", "shop/api:0.1.0", runtime.toString());
    Path state = Files.createDirectories(tmp.resolve("runc-state"));
    String id = "ferry-bundle-it-" + UUID.randomUUID().toString().substring(0, 8);
    try {
      Processes.Result r = Processes.run(List.of(runc.toString(), "--root", state.toString(), "run", "--bundle", runtime.toString(), id),
          null, Map.of(), 60);
      assertThat(r.exitCode()).as(r.stderr()).isZero();
      assertThat(r.stdout()).isEqualTo("hello from the delivered api\n");
    } finally {
      Processes.run(runc.toString(), "--root", state.toString(), "delete", "-f", id);
    }
  }

  @Test
  void flippedByte_verifyNamesTheEntry_loadAndPushWriteNothing() throws Exception {
    ferry.ok("init", project.toString());
    Path bundle = pack("--no-sbom");
    String entry;
    long offset;
    try (TarFile tar = new TarFile(bundle.toFile())) {
      TarArchiveEntry biggest = tar.getEntries().stream().filter(TarArchiveEntry::isFile).max((a, b) -> Long.compare(a.getSize(), b.getSize())).orElseThrow();
      entry = biggest.getName();
      offset = biggest.getDataOffset() + biggest.getSize() / 3;
    }
    try (RandomAccessFile f = new RandomAccessFile(bundle.toFile(), "rw")) {
      f.seek(offset);
      int b = f.read();
      f.seek(offset);
      f.write(b ^ 0x40);
    }

    Cli.Run verify = ferry.run("bundle", "verify", bundle.toString());
    assertThat(verify.exitCode()).isEqualTo(1);
    assertThat(verify.err()).contains(entry).hasLineCount(1);

    Cli.Run push = ferry.run("bundle", "push", bundle.toString(), "--to", registry.host() + "/prod", "--creds", creds);
    assertThat(push.exitCode()).isEqualTo(1);
    assertThat(push.err()).contains(entry);
    assertThat(ferry.ok("catalog", registry.host(), "--creds", creds).out()).isBlank();

    Cli site = new Cli(tmp.resolve("site-store"));
    assertThat(site.run("bundle", "load", bundle.toString()).exitCode()).isEqualTo(1);
    assertThat(site.ok("images", "-q").out()).isBlank();
  }

  @Test
  void delta_againstTheSiteInventory_isSmallAndPushesOnlyWhereTheBaseIs() throws Exception {
    ferry.ok("init", project.toString());
    Path full = pack("--no-sbom");
    ferry.ok("bundle", "push", full.toString(), "--to", registry.host() + "/prod", "--creds", creds);
    ferry.ok("keygen", "-o", tmp.resolve("site").toString());
    Path inventory = tmp.resolve("inventory.json");
    ferry.ok("inventory", "--registry", registry.host() + "/prod", "-o", inventory.toString(), "--creds", creds,
        "--key", tmp.resolve("site.pem").toString());

    // Version 0.2.0: the api's own layer changes, nothing else.
    Files.writeString(project.resolve("api/hello.txt"), "hello from version two\n");
    Files.writeString(project.resolve("ferry.yaml"), Files.readString(project.resolve("ferry.yaml")).replace("version: 0.1.0", "version: 0.2.0"));
    Path delta = tmp.resolve("delta.ferry");
    ferry.ok("pack", "-f", project.resolve("ferry.yaml").toString(), "--no-sbom", "-o", delta.toString(),
        "--against", inventory.toString(), "--inventory-key", tmp.resolve("site.pub.pem").toString());
    JsonNode lock = lock(delta);
    assertThat(lock.path("base")).isNotEmpty();
    assertThat(Files.size(delta)).isLessThan(Files.size(full) / 10);

    Cli.Run refused = ferry.run("bundle", "push", delta.toString(), "--to", registry.host() + "/elsewhere", "--creds", creds);
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err()).contains("does not have", lock.path("base").get(0).path("digest").asText());
    assertThat(ferry.ok("catalog", registry.host(), "--creds", creds).out()).doesNotContain("elsewhere");

    ferry.ok("bundle", "push", delta.toString(), "--to", registry.host() + "/prod", "--creds", creds);
    assertThat(ferry.ok("tags", registry.host() + "/prod/shop/api", "--creds", creds).outLines()).containsExactlyInAnyOrder("0.1.0", "0.2.0");
    Path skopeo = Peers.require("skopeo");
    Processes.Result copied = Processes.run(skopeo.toString(), "copy", "--src-tls-verify=false", "--src-creds", creds,
        "docker://" + registry.host() + "/prod/shop/worker:0.2.0", "oci:" + tmp.resolve("pulled") + ":w");
    assertThat(copied.exitCode()).as(copied.stderr()).isZero();

    Files.writeString(inventory, Files.readString(inventory).replace("\"prod\"", "\"prod2\""));
    Cli.Run forged = ferry.run("pack", "-f", project.resolve("ferry.yaml").toString(), "-o", tmp.resolve("x.ferry").toString(),
        "--against", inventory.toString(), "--inventory-key", tmp.resolve("site.pub.pem").toString());
    assertThat(forged.exitCode()).isEqualTo(1);
    assertThat(forged.err()).contains("altered after signing");
  }

  @Test
  void specCheck_badContext_printsFileLineAndFieldPath() throws Exception {
    Path spec = Files.writeString(project.resolve("ferry.yaml"), """
        name: shop
        version: 1.0.0
        images:
          - name: shop/api
            build: {context: ./api}
          - name: shop/worker
            build: {context: ./worker}
          - name: shop/gone
            build:
              context: ./gone
        """);
    Cli.Run r = ferry.run("spec", "check", "-f", spec.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err().strip()).isEqualTo(spec + ":10: images[2].build.context: directory ./gone does not exist (relative paths start at " + project + ")");
  }
}
