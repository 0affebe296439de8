package dev.ferry.registry.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import dev.ferry.oci.store.Fsck;
import dev.ferry.oci.store.OciStore;
import dev.ferry.testing.DistributionRegistry;
import dev.ferry.testing.Peers;
import dev.ferry.testing.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** skopeo reads what Ferry pushed to distribution, and Ferry pulls what skopeo copied there. */
class SkopeoIT {
  @TempDir Path tmp;

  @Test
  void skopeo_inspectsAndCopiesWhatFerryPushed_andFerryPullsWhatSkopeoPushed() throws Exception {
    Path skopeo = Peers.require("skopeo");
    try (DistributionRegistry registry = DistributionRegistry.start();
        RegistryClient c = RegistryClient.builder().ignoreDockerConfig().build()) {
      OciStore src = OciStore.open(tmp.resolve("src"));
      Descriptor index = TestImages.index(src, "multi:1", 3, List.of(Platform.LINUX_AMD64, Platform.LINUX_ARM64), 4096, 2 * 1024 * 1024);
      c.push(src, "multi:1", Reference.parse(registry.host() + "/interop/app:1"), ProgressListener.NONE);

      String image = "docker://" + registry.host() + "/interop/app:1";
      String raw = Processes.run(skopeo.toString(), "inspect", "--tls-verify=false", "--raw", image).ok().stdout();
      assertThat(Digest.sha256(raw.getBytes(java.nio.charset.StandardCharsets.UTF_8))).isEqualTo(index.digest());
      String inspect = Processes.run(skopeo.toString(), "inspect", "--tls-verify=false", "--override-arch", "arm64", image).ok().stdout();
      assertThat(inspect).contains("\"Architecture\": \"arm64\"");

      Path layout = tmp.resolve("layout");
      Processes.run(skopeo.toString(), "copy", "--all", "--preserve-digests", "--src-tls-verify=false", image, "oci:" + layout + ":copied").ok();
      assertThat(Files.readString(layout.resolve("index.json"))).contains(index.digest().toString());

      // And back: skopeo pushes the layout to another repository; Ferry pulls it with the same digest.
      Processes.run(skopeo.toString(), "copy", "--all", "--preserve-digests", "--dest-tls-verify=false",
          "oci:" + layout + ":copied", "docker://" + registry.host() + "/interop/back:1").ok();
      OciStore dst = OciStore.open(tmp.resolve("dst"));
      PullResult p = c.pull(dst, Reference.parse(registry.host() + "/interop/back:1"), PlatformSelection.all(), ProgressListener.NONE);
      assertThat(p.descriptor().digest()).isEqualTo(index.digest());
      assertThat(Fsck.check(dst, n -> {}).problems()).isEmpty();
    }
  }
}
