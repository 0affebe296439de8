package dev.ferry.registry.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import dev.ferry.oci.store.Fsck;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.server.RegistryServer;
import dev.ferry.testing.FlakyProxy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chunked upload cut half-way resumes from the offset Ferry's server reports, without resending what arrived
 * (distribution cannot do this: it cancels the session; see {@link ResumeIT}).
 */
class ResumeFerryServerIT {
  private static final int MIB = 1024 * 1024;
  private static final int LAYER = 48 * MIB;

  @TempDir Path tmp;

  @Test
  void push_connectionCutHalfWay_resumesFromTheServersOffset() throws IOException {
    OciStore src = OciStore.open(tmp.resolve("src"));
    Descriptor image = TestImages.image(src, "big:1", 11, Platform.LINUX_AMD64, LAYER);
    Descriptor layer = src.readManifest(image).layers().get(0);
    OciStore served = OciStore.open(tmp.resolve("served"));
    try (RegistryServer server =
            RegistryServer.builder().store(served).listen(new InetSocketAddress("127.0.0.1", 0)).build().start();
        FlakyProxy proxy = FlakyProxy.start("127.0.0.1", server.port());
        RegistryClient c =
            RegistryClient.builder().ignoreDockerConfig().retryBaseDelay(Duration.ofMillis(10))
                .chunkSize(8 * MIB).monolithicLimit(8 * MIB).build()) {
      proxy.cutAfter(FlakyProxy.Direction.UPSTREAM, layer.size() / 2);

      PushResult r = c.push(src, "big:1", Reference.parse(proxy.host() + "/resume/up:1"), ProgressListener.NONE);

      assertThat(proxy.cuts()).isEqualTo(1);
      assertThat(r.descriptor().digest()).isEqualTo(image.digest());
      assertThat(c.stats().uploadRestarts()).isZero();
      assertThat(c.stats().uploadResumes()).isEqualTo(1);
      assertThat(proxy.bytes(FlakyProxy.Direction.UPSTREAM)).isLessThan((long) (layer.size() * 1.2));
    }
    assertThat(served.exists(layer.digest())).isTrue();
    assertThat(Fsck.check(served, n -> {}).problems()).isEmpty();
  }
}
