package dev.ferry.oci.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.ImageConfig;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.Platform;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Interop with the real skopeo: archives either side writes, the other side reads. */
class ArchiveSkopeoIT {
  @TempDir Path tmp;

  @BeforeAll
  static void needsSkopeo() {
    boolean found =
        java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
            .anyMatch(d -> Files.isExecutable(Path.of(d, "skopeo")));
    Assumptions.assumeTrue(found, "skopeo is not on PATH");
  }

  private static byte[] skopeo(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("skopeo", "--insecure-policy"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE).start();
    byte[] out = p.getInputStream().readAllBytes();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s failed: %s", cmd, err).isZero();
    return out;
  }

  private TestImages.Image image(OciStore store, String name) throws IOException {
    return TestImages.image(
        store, name, Platform.LINUX_AMD64, List.of(TestImages.layer(1, 3, 20_000), TestImages.layer(2, 1, 500)), true);
  }

  @Test
  void skopeoDockerArchiveFromFerryStore_importsWithTheSameConfigDigest() throws Exception {
    OciStore store = OciStore.open(tmp.resolve("store"));
    TestImages.Image img = image(store, "docker.io/library/x:1");
    Path a = tmp.resolve("a.tar");
    skopeo("copy", "oci:" + store.root() + ":docker.io/library/x:1", "docker-archive:" + a + ":x:1");

    OciStore dst = OciStore.open(tmp.resolve("dst"));
    ImportResult r = DockerArchive.importFrom(dst, a, ImportOptions.defaults());
    assertThat(r.images()).extracting(ImportedImage::name).containsExactly(Optional.of("docker.io/library/x:1"));
    Manifest m = dst.readManifest(dst.resolve("docker.io/library/x:1").orElseThrow());
    assertThat(m.config().digest()).isEqualTo(img.config().digest());
    assertThat(m.layers()).extracting(Descriptor::digest).containsExactlyElementsOf(img.diffIds());
  }

  @Test
  void ferryDockerArchive_isReadBySkopeo() throws Exception {
    OciStore store = OciStore.open(tmp.resolve("store"));
    TestImages.Image img = image(store, "docker.io/library/x:1");
    Path f = tmp.resolve("f.tar");
    try (OutputStream out = Files.newOutputStream(f)) {
      DockerArchive.export(store, List.of("x:1"), Platform.LINUX_AMD64, out);
    }
    assertThat(skopeo("inspect", "--raw", "--config", "docker-archive:" + f)).isEqualTo(img.config().bytes());

    Path layout = tmp.resolve("layout");
    skopeo("copy", "docker-archive:" + f, "oci:" + layout + ":x");
    // skopeo re-serialises the config when it converts to OCI, so compare what matters: the layers.
    ImageConfig copied = ImageConfig.parse(skopeo("inspect", "--raw", "--config", "oci:" + layout + ":x"));
    assertThat(copied.diffIds()).containsExactlyElementsOf(img.diffIds());
    assertThat(copied.platform().architecture()).isEqualTo("amd64");
  }

  @Test
  void ferryOciArchive_isReadBySkopeoByItsFullName() throws Exception {
    OciStore store = OciStore.open(tmp.resolve("store"));
    TestImages.Image img = image(store, "docker.io/library/x:1");
    Path f = tmp.resolve("f.tar");
    try (OutputStream out = Files.newOutputStream(f)) {
      OciArchive.export(store, List.of("x:1"), out);
    }
    byte[] raw = skopeo("inspect", "--raw", "oci-archive:" + f + ":docker.io/library/x:1");
    assertThat(Digest.sha256(raw)).isEqualTo(img.manifest().digest());

    Path layout = tmp.resolve("layout");
    skopeo("copy", "oci-archive:" + f + ":docker.io/library/x:1", "oci:" + layout + ":x");
    assertThat(Digest.sha256(skopeo("inspect", "--raw", "oci:" + layout + ":x"))).isEqualTo(img.manifest().digest());
  }

  @Test
  void skopeoOciArchive_importsWithIdenticalDigests_includingATwoPlatformIndex() throws Exception {
    OciStore store = OciStore.open(tmp.resolve("store"));
    TestImages.Image amd = TestImages.image(store, null, Platform.LINUX_AMD64, List.of(TestImages.layer(1, 1, 100)), true);
    TestImages.Image arm = TestImages.image(store, null, Platform.LINUX_ARM64, List.of(TestImages.layer(2, 1, 100)), true);
    Descriptor index = TestImages.index(store, "docker.io/library/multi:1", List.of(amd, arm));
    Path b = tmp.resolve("b.tar");
    // skopeo writes the text after the path as ref.name verbatim: here "multi:1".
    skopeo("copy", "--all", "oci:" + store.root() + ":docker.io/library/multi:1", "oci-archive:" + b + ":multi:1");

    OciStore dst = OciStore.open(tmp.resolve("dst"));
    ImportResult r = OciArchive.importFrom(dst, b, ImportOptions.defaults());
    assertThat(r.images()).extracting(ImportedImage::name).containsExactly(Optional.of("docker.io/library/multi:1"));
    assertThat(dst.resolve("docker.io/library/multi:1").orElseThrow().digest()).isEqualTo(index.digest());
    assertThat(dst.read(arm.manifest().digest())).isEqualTo(store.read(arm.manifest().digest()));
    assertThat(dst.exists(arm.layers().get(0).digest())).isTrue();
  }

  @Test
  void layoutDirectoryWrittenByFerry_isReadBySkopeo() throws Exception {
    OciStore store = OciStore.open(tmp.resolve("store"));
    TestImages.Image img = image(store, "docker.io/library/x:1");
    Path layout = tmp.resolve("layout");
    OciArchive.exportLayout(store, List.of("x:1"), layout);
    assertThat(Digest.sha256(skopeo("inspect", "--raw", "oci:" + layout + ":docker.io/library/x:1")))
        .isEqualTo(img.manifest().digest());

    Path skopeoLayout = tmp.resolve("skopeo-layout");
    skopeo("copy", "oci:" + layout + ":docker.io/library/x:1", "oci:" + skopeoLayout + ":x");
    OciStore dst = OciStore.open(tmp.resolve("dst"));
    ImportResult r = OciArchive.importLayout(dst, skopeoLayout, ImportOptions.defaults().withNameOverride("x:9"));
    assertThat(dst.resolve("docker.io/library/x:9").orElseThrow().digest()).isEqualTo(img.manifest().digest());
    assertThat(r.blobsWritten()).isEqualTo(4);
  }
}
