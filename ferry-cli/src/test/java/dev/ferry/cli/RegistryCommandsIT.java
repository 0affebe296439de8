package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Index;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import dev.ferry.testing.DistributionRegistry;
import dev.ferry.testing.Peers;
import dev.ferry.testing.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry verbs of the CLI against a real CNCF distribution ({@code docker-registry}). */
class RegistryCommandsIT {
  @TempDir Path tmp;
  DistributionRegistry registry;
  Cli cli;
  String host;

  @BeforeEach
  void setUp() throws IOException {
    Peers.require("docker-registry");
    registry = DistributionRegistry.start();
    host = registry.host();
    cli = new Cli(tmp.resolve("store"));
  }

  @AfterEach
  void tearDown() {
    if (registry != null) {
      registry.close();
    }
  }

  private String image(String name, String platform, String content) throws IOException {
    Path root = Files.createDirectories(tmp.resolve("rootfs-" + content));
    Files.writeString(root.resolve("content.txt"), content);
    return cli.ok("image", "from-rootfs", root.toString(), "-t", name, "--platform", platform).lastLine();
  }

  @Test
  void pushTagsCatalogPullDelete_roundTripKeepsTheDigest() throws IOException {
    String digest = image("app:1", "linux/amd64", "one");

    assertThat(cli.ok("push", "app:1", host + "/team/app:1").lastLine()).isEqualTo(digest);
    cli.ok("push", "app:1", host + "/team/app:latest");
    assertThat(cli.ok("tags", host + "/team/app").outLines()).containsExactlyInAnyOrder("1", "latest");
    assertThat(cli.ok("catalog", host).outLines()).contains("team/app");

    Cli other = new Cli(tmp.resolve("other"));
    assertThat(other.ok("pull", host + "/team/app:1").lastLine()).isEqualTo(digest);
    assertThat(other.ok("fsck").out()).startsWith("clean");
    assertThat(other.ok("-q", "images").outLines()).containsExactly(host + "/team/app:1");

    cli.ok("delete", host + "/team/app:1");
    assertThat(cli.ok("tags", host + "/team/app").outLines()).isEmpty();
    Cli.Run gone = other.run("pull", host + "/team/app:1");
    assertThat(gone.exitCode()).isEqualTo(1);
    assertThat(gone.err()).contains("MANIFEST_UNKNOWN").hasLineCount(1);
  }

  @Test
  void copy_betweenRegistryLayoutAndArchives_keepsDigests() throws IOException, InterruptedException {
    String digest = image("app:1", "linux/amd64", "copy");
    cli.ok("push", "app:1", host + "/src/app:1");
    Path layout = tmp.resolve("layout");

    assertThat(cli.ok("copy", "docker://" + host + "/src/app:1", "oci:" + layout + ":app-1").lastLine()).isEqualTo(digest);
    Processes.run("skopeo", "inspect", "--raw", "oci:" + layout + ":app-1").ok();
    assertThat(cli.ok("copy", "oci:" + layout + ":app-1", "docker://" + host + "/dst/app:2").lastLine()).isEqualTo(digest);
    assertThat(cli.ok("--json", "inspect", "--raw", "app:1").out()).isNotEmpty();

    Path archive = tmp.resolve("app.tar");
    cli.ok("copy", "docker://" + host + "/dst/app:2", "docker-archive:" + archive + ":shipped/app:2");
    Cli fresh = new Cli(tmp.resolve("fresh"));
    fresh.ok("import", archive.toString());
    assertThat(fresh.ok("-q", "images").outLines()).containsExactly("docker.io/shipped/app:2");

    Cli.Run bad = cli.run("copy", "ftp://x", "store:y:1");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("'ftp://x'").hasLineCount(1);
  }

  @Test
  void sync_destinationIndexForOtherPlatforms_isMergedNotOverwritten() throws IOException {
    // The destination already has an index with an arm64 image under mirror/team/app:1.
    image("arm:1", "linux/arm64", "arm");
    OciStore store = OciStore.open(tmp.resolve("store"));
    Descriptor arm = Images.require(store, "arm:1");
    Descriptor armIndex = store.put(Index.of(MediaType.OCI_INDEX, List.of(arm.withAnnotation(Descriptor.REF_NAME, null).withPlatform(Platform.LINUX_ARM64)), Map.of()));
    store.tag(Images.storeName("arm-index:1"), armIndex);
    cli.ok("push", "arm-index:1", host + "/mirror/team/app:1");
    // Upstream has the amd64 image under team/app:1.
    image("amd:1", "linux/amd64", "amd");
    cli.ok("push", "amd:1", host + "/team/app:1");
    Path list = Files.writeString(tmp.resolve("images.txt"), "# dependencies\n" + host + "/team/app:1\n\n");

    Cli.Run sync = cli.ok("sync", "-f", list.toString(), "--to", host + "/mirror");

    assertThat(sync.out()).contains(host + "/mirror/team/app:1@sha256:");
    assertThat(sync.err()).contains("merged");
    Cli fresh = new Cli(tmp.resolve("check"));
    fresh.ok("pull", "--all-platforms", host + "/mirror/team/app:1");
    OciStore check = OciStore.open(tmp.resolve("check"));
    Descriptor top = Images.require(check, host + "/mirror/team/app:1");
    assertThat(top.isIndex()).isTrue();
    assertThat(check.readIndex(top).platforms().stream().map(Platform::toString))
        .containsExactlyInAnyOrder("linux/amd64", "linux/arm64");
    assertThat(Images.resolve(check, top, Optional.of(Platform.LINUX_ARM64)).manifestDescriptor().digest()).isEqualTo(arm.digest());
  }

  @Test
  void sync_dryRun_printsKeepPathDestinations() throws IOException {
    Path list = Files.writeString(tmp.resolve("images.txt"), "busybox:1\nquay.io/prometheus/node-exporter:v1 # comment\n");
    Cli.Run r = cli.ok("sync", "-n", "-f", list.toString(), "--to", "harbor.corp/deps");
    assertThat(r.outLines())
        .containsExactly(
            "docker.io/library/busybox:1 -> harbor.corp/deps/library/busybox:1",
            "quay.io/prometheus/node-exporter:v1 -> harbor.corp/deps/prometheus/node-exporter:v1");
    Path bad = Files.writeString(tmp.resolve("bad.txt"), "ok:1\nNot/Valid::x\n");
    Cli.Run err = cli.run("sync", "-n", "-f", bad.toString(), "--to", "harbor.corp/deps");
    assertThat(err.exitCode()).isEqualTo(2);
    assertThat(err.err()).contains("bad.txt:2:");
  }
}
