package dev.ferry.registry.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import dev.ferry.oci.store.Fsck;
import dev.ferry.oci.store.OciStore;
import dev.ferry.testing.DistributionRegistry;
import dev.ferry.testing.FlakyProxy;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dropped connections half-way through a large download and a large upload, made by a TCP proxy between the
 * client and a real distribution.
 */
class ResumeIT {
  private static final int MIB = 1024 * 1024;
  private static final int LAYER = 48 * MIB;
  private static DistributionRegistry registry;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws IOException {
    registry = DistributionRegistry.start();
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  private static RegistryClient client() throws IOException {
    return RegistryClient.builder().ignoreDockerConfig().retryBaseDelay(Duration.ofMillis(10)).build();
  }

  @Test
  void pull_connectionCutHalfWay_resumesWithRangeWithoutRefetching() throws IOException {
    OciStore src = OciStore.open(tmp.resolve("src"));
    Descriptor image = TestImages.image(src, "big:1", 7, Platform.LINUX_AMD64, LAYER);
    Descriptor layer = src.readManifest(image).layers().get(0);
    try (RegistryClient c = client()) {
      c.push(src, "big:1", Reference.parse(registry.host() + "/resume/down:1"), ProgressListener.NONE);
    }
    try (FlakyProxy proxy = FlakyProxy.start("127.0.0.1", registry.port()); RegistryClient c = client()) {
      Reference via = Reference.parse(proxy.host() + "/resume/down:1");
      // Manifest and config are a few KiB; the cut lands half-way through the layer.
      proxy.cutAfter(FlakyProxy.Direction.DOWNSTREAM, layer.size() / 2);
      OciStore dst = OciStore.open(tmp.resolve("dst"));
      PullResult r = c.pull(dst, via, PlatformSelection.host(), ProgressListener.NONE);

      assertThat(proxy.cuts()).isEqualTo(1);
      assertThat(c.stats().downloadResumes()).isEqualTo(1);
      assertThat(proxy.bytes(FlakyProxy.Direction.DOWNSTREAM)).isLessThan((long) (layer.size() * 1.2));
      assertThat(c.stats().bytesDownloaded()).isLessThan((long) (layer.size() * 1.05));
      assertThat(r.descriptor().digest()).isEqualTo(image.digest());
      assertThat(Fsck.check(dst, n -> {}).problems()).isEmpty();
    }
  }

  @Test
  void push_connectionCutHalfWay_finishesIntactAndSaysWhatWasResent() throws IOException {
    OciStore src = OciStore.open(tmp.resolve("src"));
    Descriptor image = TestImages.image(src, "big:2", 8, Platform.LINUX_AMD64, LAYER);
    Descriptor layer = src.readManifest(image).layers().get(0);
    try (FlakyProxy proxy = FlakyProxy.start("127.0.0.1", registry.port());
        RegistryClient c = RegistryClient.builder().ignoreDockerConfig().retryBaseDelay(Duration.ofMillis(10))
            .chunkSize(8 * MIB).monolithicLimit(8 * MIB).build()) {
      proxy.cutAfter(FlakyProxy.Direction.UPSTREAM, layer.size() / 2);
      PushResult r = c.push(src, "big:2", Reference.parse(proxy.host() + "/resume/up:1"), ProgressListener.NONE);
      assertThat(proxy.cuts()).isEqualTo(1);
      assertThat(r.descriptor().digest()).isEqualTo(image.digest());
      TransferStats s = c.stats();
      long upstream = proxy.bytes(FlakyProxy.Direction.UPSTREAM);
      System.out.printf("upload cut at %d of %d: upstream %d bytes (%.2fx), resumes %d, restarts %d%n",
          layer.size() / 2, layer.size(), upstream, upstream / (double) layer.size(), s.uploadResumes(), s.uploadRestarts());
      if (s.uploadRestarts() == 0) {
        assertThat(s.uploadResumes()).isEqualTo(1);
        assertThat(upstream).isLessThan((long) (layer.size() * 1.2));
      } else {
        // distribution 2.8 cancels an upload whose session token is older than what it holds (see docs/registries.md).
        assertThat(s.uploadRestarts()).isEqualTo(1);
        assertThat(upstream).isLessThan((long) (layer.size() * 1.6));
      }
    }
    // The blob arrived intact: pull it back directly and check every digest.
    try (RegistryClient c = client()) {
      OciStore back = OciStore.open(tmp.resolve("back"));
      PullResult p = c.pull(back, Reference.parse(registry.host() + "/resume/up:1"), PlatformSelection.host(), ProgressListener.NONE);
      assertThat(p.descriptor().digest()).isEqualTo(image.digest());
      assertThat(Fsck.check(back, n -> {}).problems()).isEmpty();
    }
  }
}
