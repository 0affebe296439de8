package dev.ferry.registry.client;

import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import dev.ferry.oci.store.OciStore;
import dev.ferry.testing.DistributionRegistry;
import dev.ferry.testing.Processes;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Manual benchmark driver (not a test): {@code MIB} builds one image with a single layer of MIB MiB of seeded random
 * bytes, then times Ferry's push to a fresh loopback distribution and pull into a fresh store, and skopeo's copy of
 * the same layout to and from another fresh distribution; prints MiB/s and the ratio. The Maven test classpath
 * runs it: {@code java -cp … dev.ferry.registry.client.PushPullBench 256}.
 */
public final class PushPullBench {
  private PushPullBench() {}

  public static void main(String[] args) throws Exception {
    int mib = Integer.parseInt(args[0]);
    Path tmp = Files.createTempDirectory("ferry-bench");
    OciStore store = OciStore.open(tmp.resolve("store"));
    TestImages.image(store, "bench:1", 42, Platform.LINUX_AMD64, mib * 1024 * 1024);
    double size = mib;
    try (DistributionRegistry ferryReg = DistributionRegistry.start();
        DistributionRegistry skopeoReg = DistributionRegistry.start();
        RegistryClient c = RegistryClient.builder().ignoreDockerConfig().chunkSize(Long.getLong("chunk", RegistryClient.DEFAULT_CHUNK_SIZE)).build()) {
      long t0 = System.nanoTime();
      c.push(store, "bench:1", Reference.parse(ferryReg.host() + "/bench/app:1"), ProgressListener.NONE);
      double ferryPush = (System.nanoTime() - t0) / 1e9;
      t0 = System.nanoTime();
      c.pull(OciStore.open(tmp.resolve("pulled")), Reference.parse(ferryReg.host() + "/bench/app:1"), PlatformSelection.host(), ProgressListener.NONE);
      double ferryPull = (System.nanoTime() - t0) / 1e9;

      t0 = System.nanoTime();
      Processes.run("skopeo", "copy", "-q", "--dest-tls-verify=false", "oci:" + store.root() + ":bench:1",
          "docker://" + skopeoReg.host() + "/bench/app:1").ok();
      double skopeoPush = (System.nanoTime() - t0) / 1e9;
      t0 = System.nanoTime();
      Processes.run("skopeo", "copy", "-q", "--src-tls-verify=false", "docker://" + skopeoReg.host() + "/bench/app:1",
          "oci:" + tmp.resolve("skopeo-pulled") + ":bench").ok();
      double skopeoPull = (System.nanoTime() - t0) / 1e9;
      System.out.printf("push %d MiB: ferry %.2f s (%.0f MiB/s), skopeo %.2f s (%.0f MiB/s), ratio %.2f%n",
          mib, ferryPush, size / ferryPush, skopeoPush, size / skopeoPush, ferryPush / skopeoPush);
      System.out.printf("pull %d MiB: ferry %.2f s (%.0f MiB/s), skopeo %.2f s (%.0f MiB/s), ratio %.2f%n",
          mib, ferryPull, size / ferryPull, skopeoPull, size / skopeoPull, ferryPull / skopeoPull);
    } finally {
      Processes.run("rm", "-rf", tmp.toString());
    }
  }
}
