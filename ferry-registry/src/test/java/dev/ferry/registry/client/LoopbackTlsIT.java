package dev.ferry.registry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.server.RegistryServer;
import dev.ferry.testing.DistributionRegistry;
import dev.ferry.testing.Peers;
import dev.ferry.testing.Processes;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A loopback registry is tried over plain HTTP first; one that speaks only TLS must still work: distribution answers
 * plain HTTP with a 400, Ferry's own server (Jetty) closes the connection.
 */
class LoopbackTlsIT {
  @TempDir Path tmp;
  Path cert;
  Path key;

  @BeforeEach
  void certificate() throws Exception {
    cert = tmp.resolve("registry.crt");
    key = tmp.resolve("registry.key");
    Peers.require("openssl");
    Processes.run(
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key.toString(), "-out", cert.toString(), "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1")
        .ok();
  }

  private void pushThenPull(String host) throws Exception {
    OciStore src = OciStore.open(tmp.resolve("src"));
    Descriptor image = TestImages.image(src, "app:1", 3, Platform.LINUX_AMD64, 1000, 70_000);
    Reference ref = Reference.parse(host + "/tls/app:1");
    try (RegistryClient c = RegistryClient.builder().ignoreDockerConfig().caCert(cert).build()) {
      assertThat(c.push(src, "app:1", ref, ProgressListener.NONE).descriptor().digest()).isEqualTo(image.digest());
    }
    // A new client: the scheme is found again from plain HTTP.
    try (RegistryClient c = RegistryClient.builder().ignoreDockerConfig().caCert(cert).build()) {
      OciStore dst = OciStore.open(tmp.resolve("dst-" + host.replace(':', '-')));
      PullResult pulled = c.pull(dst, ref, PlatformSelection.host(), ProgressListener.NONE);
      assertThat(pulled.descriptor().digest()).isEqualTo(image.digest());
      assertThat(pulled.blobsFetched()).isEqualTo(3);
    }
  }

  @Test
  void distributionWithTls_onLoopback_pushAndPullOverHttps() throws Exception {
    try (DistributionRegistry r = DistributionRegistry.startTls(cert, key)) {
      pushThenPull(r.host());
    }
  }

  @Test
  void distributionWithTls_certificateNotTrusted_refusedNotDowngraded() throws Exception {
    try (DistributionRegistry r = DistributionRegistry.startTls(cert, key);
        RegistryClient c = RegistryClient.builder().ignoreDockerConfig().build()) {
      OciStore dst = OciStore.open(tmp.resolve("dst"));
      assertThatThrownBy(() -> c.pull(dst, Reference.parse(r.host() + "/tls/none:1"), PlatformSelection.host(), ProgressListener.NONE))
          .isInstanceOf(dev.ferry.registry.RegistryException.class)
          .hasMessageContaining("TLS failed");
    }
  }

  @Test
  void ferryServerWithTls_onLoopback_pushAndPullOverHttps() throws Exception {
    OciStore served = OciStore.open(tmp.resolve("served"));
    try (RegistryServer s =
        RegistryServer.builder().store(served).listen(new InetSocketAddress("127.0.0.1", 0)).tls(cert, key).build().start()) {
      pushThenPull("127.0.0.1:" + s.port());
    }
  }
}
