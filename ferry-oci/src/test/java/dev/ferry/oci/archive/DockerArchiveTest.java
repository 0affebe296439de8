package dev.ferry.oci.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.ImageConfig;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import dev.ferry.oci.store.OciStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerArchiveTest {
  @TempDir Path tmp;

  private OciStore store(String name) throws IOException {
    return OciStore.open(tmp.resolve(name));
  }

  private static byte[] export(OciStore store, List<String> names, Platform p) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DockerArchive.export(store, names, p, out);
    return out.toByteArray();
  }

  /** Archive entries in order, name → content. */
  static Map<String, byte[]> entries(byte[] tar) throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        assertThat(e.getLastModifiedDate().getTime()).isZero();
        assertThat(e.getLongUserId()).isZero();
        out.put(e.getName(), in.readAllBytes());
      }
    }
    return out;
  }

  @Test
  void exportThenImport_gzipLayers_keepsConfigDigestAndDiffIds() throws IOException {
    OciStore src = store("src");
    TestImages.Image img =
        TestImages.image(src, "docker.io/library/x:1", Platform.LINUX_AMD64,
            List.of(TestImages.layer(1, 3, 5000), TestImages.layer(2, 2, 3000)), true);
    byte[] tar = export(src, List.of("x:1"), Platform.LINUX_AMD64);

    OciStore dst = store("dst");
    ImportResult r = DockerArchive.importFrom(dst, new ByteArrayInputStream(tar), ImportOptions.defaults());

    assertThat(r.images()).hasSize(1);
    assertThat(r.images().get(0).name()).contains("docker.io/library/x:1");
    Descriptor named = dst.resolve("docker.io/library/x:1").orElseThrow();
    Manifest m = dst.readManifest(named);
    assertThat(m.config().digest()).isEqualTo(img.config().digest());
    assertThat(m.config().mediaType()).isEqualTo(MediaType.OCI_CONFIG.value());
    assertThat(dst.read(m.config().digest())).isEqualTo(img.config().bytes());
    assertThat(m.layers()).extracting(Descriptor::digest).containsExactlyElementsOf(img.diffIds());
    assertThat(m.layers()).extracting(Descriptor::mediaType).containsOnly(MediaType.OCI_LAYER.value());
    assertThat(r.bytesRead()).isEqualTo(tar.length);
  }

  @Test
  void export_writesDockerLoadLayoutWithFamiliarTags() throws IOException {
    OciStore src = store("src");
    TestImages.Image img =
        TestImages.image(src, "myreg:5000/x/y:tag", Platform.LINUX_AMD64, List.of(TestImages.layer(1, 1, 100)), false);
    Map<String, byte[]> e = entries(export(src, List.of("myreg:5000/x/y:tag"), Platform.LINUX_AMD64));

    String hex = img.diffIds().get(0).hex();
    assertThat(e.keySet())
        .containsExactly("manifest.json", "repositories", img.config().digest().hex() + ".json", hex + "/", hex + "/layer.tar");
    JsonNode manifest = new ObjectMapper().readTree(e.get("manifest.json"));
    assertThat(manifest.get(0).get("RepoTags").get(0).asText()).isEqualTo("myreg:5000/x/y:tag");
    assertThat(new String(e.get("repositories"), StandardCharsets.UTF_8))
        .isEqualTo("{\"myreg:5000/x/y\":{\"tag\":\"" + hex + "\"}}");
  }

  @Test
  void export_twoImagesSharingALayer_writesTheLayerOnce() throws IOException {
    OciStore src = store("src");
    byte[] base = TestImages.layer(7, 2, 2000);
    TestImages.image(src, "docker.io/library/a:1", Platform.LINUX_AMD64, List.of(base, TestImages.layer(8, 1, 10)), false);
    TestImages.image(src, "docker.io/library/b:1", Platform.LINUX_AMD64, List.of(base, TestImages.layer(9, 1, 10)), true);
    byte[] tar = export(src, List.of("a:1", "b:1"), Platform.LINUX_AMD64);

    Map<String, byte[]> e = entries(tar);
    assertThat(e.keySet().stream().filter(n -> n.endsWith("/layer.tar"))).hasSize(3);
    assertThat(new ObjectMapper().readTree(e.get("manifest.json"))).hasSize(2);

    OciStore dst = store("dst");
    ImportResult r = DockerArchive.importFrom(dst, new ByteArrayInputStream(tar), ImportOptions.defaults());
    assertThat(r.images()).extracting(i -> i.name().orElseThrow())
        .containsExactly("docker.io/library/a:1", "docker.io/library/b:1");
    assertThat(dst.readManifest(r.images().get(0).descriptor()).layers().get(0))
        .isEqualTo(dst.readManifest(r.images().get(1).descriptor()).layers().get(0));
  }

  @Test
  void export_isDeterministic() throws IOException {
    OciStore src = store("src");
    TestImages.image(src, "docker.io/library/a:1", Platform.LINUX_AMD64, List.of(TestImages.layer(1, 2, 100)), true);
    assertThat(export(src, List.of("a:1"), Platform.LINUX_AMD64)).isEqualTo(export(src, List.of("a:1"), Platform.LINUX_AMD64));
  }

  @Test
  void export_indexWithoutThePlatform_listsTheAvailableOnes() throws IOException {
    OciStore src = store("src");
    TestImages.Image arm = TestImages.image(src, null, Platform.LINUX_ARM64, List.of(TestImages.layer(1, 1, 10)), true);
    TestImages.index(src, "docker.io/library/multi:1", List.of(arm));
    assertThatThrownBy(() -> export(src, List.of("multi:1"), Platform.LINUX_AMD64))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("linux/amd64")
        .hasMessageContaining("linux/arm64");
  }

  @Test
  void export_indexWithThePlatform_exportsThatManifest() throws IOException {
    OciStore src = store("src");
    TestImages.Image amd = TestImages.image(src, null, Platform.LINUX_AMD64, List.of(TestImages.layer(1, 1, 10)), true);
    TestImages.Image arm = TestImages.image(src, null, Platform.LINUX_ARM64, List.of(TestImages.layer(2, 1, 10)), true);
    TestImages.index(src, "docker.io/library/multi:1", List.of(amd, arm));
    Map<String, byte[]> e = entries(export(src, List.of("multi:1"), Platform.LINUX_ARM64));
    assertThat(e).containsKey(arm.config().digest().hex() + ".json").doesNotContainKey(amd.config().digest().hex() + ".json");
  }

  @Test
  void import_truncatedArchive_failsAndLeavesIndexJsonUnchanged() throws IOException {
    OciStore src = store("src");
    TestImages.image(src, "docker.io/library/x:1", Platform.LINUX_AMD64, List.of(TestImages.layer(1, 4, 100_000)), false);
    byte[] tar = export(src, List.of("x:1"), Platform.LINUX_AMD64);
    Path half = tmp.resolve("half.tar");
    Files.write(half, java.util.Arrays.copyOf(tar, tar.length / 2));

    OciStore dst = store("dst");
    TestImages.image(dst, "docker.io/library/other:1", Platform.LINUX_AMD64, List.of(TestImages.layer(5, 1, 10)), false);
    byte[] before = Files.readAllBytes(dst.root().resolve("index.json"));

    assertThatThrownBy(() -> DockerArchive.importFrom(dst, half, ImportOptions.defaults()))
        .isInstanceOf(CorruptArchiveException.class)
        .hasMessageContaining("archive " + half + " is truncated or corrupt at entry");
    assertThat(Files.readAllBytes(dst.root().resolve("index.json"))).isEqualTo(before);
  }

  @Test
  void importFromFile_largeLayers_sameImageAsFromStreamAndLayersVerified() throws IOException {
    OciStore src = store("src");
    // Layers over SMALL_ENTRY go through the kernel-copy path when read from a file.
    TestImages.Image img =
        TestImages.image(src, "docker.io/library/big:1", Platform.LINUX_AMD64,
            List.of(TestImages.layer(11, 3, 1_500_000), TestImages.layer(12, 1, 10)), false);
    byte[] tar = export(src, List.of("big:1"), Platform.LINUX_AMD64);
    Path file = Files.write(tmp.resolve("big.tar"), tar);

    OciStore viaFile = store("file");
    ImportResult r = DockerArchive.importFrom(viaFile, file, ImportOptions.defaults());
    OciStore viaStream = store("stream");
    ImportResult s = DockerArchive.importFrom(viaStream, new ByteArrayInputStream(tar), ImportOptions.defaults());

    assertThat(r.images()).isEqualTo(s.images());
    assertThat(r.bytesRead()).isEqualTo(tar.length);
    assertThat(viaFile.readManifest(r.images().get(0).descriptor()).layers()).isEqualTo(img.layers());
    for (Descriptor l : img.layers()) {
      try (var in = viaFile.open(l)) {
        in.transferTo(java.io.OutputStream.nullOutputStream()); // verifies the digest at the end
      }
    }
    assertThat(Files.readAllBytes(viaFile.root().resolve("index.json")))
        .isEqualTo(Files.readAllBytes(viaStream.root().resolve("index.json")));
  }

  @Test
  void importFromFile_truncatedInsideLargeLayer_failsNamingItAndStoresNoNames() throws IOException {
    OciStore src = store("src");
    TestImages.image(src, "docker.io/library/big:1", Platform.LINUX_AMD64, List.of(TestImages.layer(13, 3, 1_500_000)), false);
    byte[] tar = export(src, List.of("big:1"), Platform.LINUX_AMD64);
    // The layer is the last entry; cut into its data (the archive ends with two 512-byte zero blocks).
    Path cut = Files.write(tmp.resolve("cut.tar"), java.util.Arrays.copyOf(tar, tar.length - 1024 - 700_000));

    OciStore dst = store("dst");
    byte[] before = Files.readAllBytes(dst.root().resolve("index.json"));
    assertThatThrownBy(() -> DockerArchive.importFrom(dst, cut, ImportOptions.defaults()))
        .isInstanceOf(CorruptArchiveException.class)
        .hasMessageContaining("archive " + cut + " is truncated or corrupt at entry")
        .hasMessageContaining("layer.tar");
    assertThat(Files.readAllBytes(dst.root().resolve("index.json"))).isEqualTo(before);
    try (var ingest = Files.list(dst.root().resolve(".ferry/ingest"))) {
      assertThat(ingest).isEmpty();
    }
  }

  @Test
  void import_entryLeavingTheArchive_isRefusedNamingIt() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      TarArchiveEntry e = new TarArchiveEntry("x", true);
      e.setName("../evil");
      e.setSize(1);
      tar.putArchiveEntry(e);
      tar.write('a');
      tar.closeArchiveEntry();
    }
    OciStore dst = store("dst");
    assertThatThrownBy(() -> DockerArchive.importFrom(dst, new ByteArrayInputStream(out.toByteArray()), ImportOptions.defaults()))
        .isInstanceOf(CorruptArchiveException.class)
        .hasMessageContaining("'../evil'");
  }

  @Test
  void import_absoluteEntryName_isRefused() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      TarArchiveEntry e = new TarArchiveEntry("/etc/passwd", true);
      e.setSize(0);
      tar.putArchiveEntry(e);
      tar.closeArchiveEntry();
    }
    assertThatThrownBy(() -> DockerArchive.importFrom(store("dst"), new ByteArrayInputStream(out.toByteArray()), ImportOptions.defaults()))
        .isInstanceOf(CorruptArchiveException.class)
        .hasMessageContaining("'/etc/passwd'");
  }

  /** A legacy docker save archive written by hand: manifest.json last, layers as id/layer.tar, one big, one gzip. */
  @Test
  void import_legacyLayoutWithLargeGzipLayerAndSymlink_mapsLayersAndChecksDiffIds() throws IOException {
    byte[] big = TestImages.layer(3, 3, 1_000_000); // larger than SMALL_ENTRY: streamed to the store
    byte[] small = TestImages.layer(4, 1, 100);
    byte[] smallGz = TestImages.gzip(small);
    ImageConfig config =
        ImageConfig.builder(Platform.LINUX_AMD64)
            .addLayer(Digest.sha256(big), ImageConfig.History.of(null, "big", false))
            .addLayer(Digest.sha256(small), ImageConfig.History.of(null, "small", false))
            .build();
    String cfg = config.digest().hex() + ".json";
    String manifest =
        "[{\"Config\":\"" + cfg + "\",\"RepoTags\":[\"busybox:1\",\"localhost:5000/b:2\"],\"Layers\":[\"aaa/layer.tar\",\"bbb/layer.tar\"]}]";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      put(tar, "blob.tar", big);
      TarArchiveEntry link = new TarArchiveEntry("aaa/layer.tar", TarArchiveEntry.LF_SYMLINK);
      link.setLinkName("../blob.tar");
      tar.putArchiveEntry(link);
      tar.closeArchiveEntry();
      put(tar, "bbb/layer.tar", smallGz);
      put(tar, cfg, config.bytes());
      put(tar, "manifest.json", manifest.getBytes(StandardCharsets.UTF_8));
    }
    OciStore dst = store("dst");
    ImportResult r = DockerArchive.importFrom(dst, new ByteArrayInputStream(out.toByteArray()), ImportOptions.defaults());

    assertThat(r.images()).extracting(i -> i.name().orElseThrow())
        .containsExactly("docker.io/library/busybox:1", "localhost:5000/b:2");
    Manifest m = dst.readManifest(dst.resolve("docker.io/library/busybox:1").orElseThrow());
    assertThat(m.config().digest()).isEqualTo(config.digest());
    assertThat(m.layers().get(0)).isEqualTo(Descriptor.of(MediaType.OCI_LAYER, Digest.sha256(big), big.length));
    assertThat(m.layers().get(1)).isEqualTo(Descriptor.of(MediaType.OCI_LAYER_GZIP, Digest.sha256(smallGz), smallGz.length));
  }

  @Test
  void import_layerNotMatchingTheConfig_failsNamingTheLayer() throws IOException {
    byte[] layer = TestImages.layer(3, 1, 100);
    ImageConfig config =
        ImageConfig.builder(Platform.LINUX_AMD64)
            .addLayer(Digest.sha256(TestImages.layer(4, 1, 100)), ImageConfig.History.of(null, "x", false))
            .build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      put(tar, "l1/layer.tar", layer);
      put(tar, "c.json", config.bytes());
      put(tar, "manifest.json", "[{\"Config\":\"c.json\",\"RepoTags\":[\"x:1\"],\"Layers\":[\"l1/layer.tar\"]}]".getBytes(StandardCharsets.UTF_8));
    }
    OciStore dst = store("dst");
    assertThatThrownBy(() -> DockerArchive.importFrom(dst, new ByteArrayInputStream(out.toByteArray()), ImportOptions.defaults()))
        .isInstanceOf(CorruptArchiveException.class)
        .hasMessageContaining("l1/layer.tar")
        .hasMessageContaining("rootfs.diff_ids[0]");
    assertThat(dst.entries()).isEmpty();
  }

  @Test
  void import_gzipCompressedArchiveFile_isRead_andReimportSkipsExistingBlobs() throws IOException {
    OciStore src = store("src");
    TestImages.image(src, "docker.io/library/x:1", Platform.LINUX_AMD64, List.of(TestImages.layer(1, 2, 2_000_000)), false);
    Path gz = tmp.resolve("x.tar.gz");
    Files.write(gz, TestImages.gzip(export(src, List.of("x:1"), Platform.LINUX_AMD64)));
    assertThat(ArchiveFormat.detect(gz)).isEqualTo(ArchiveFormat.DOCKER_ARCHIVE);

    OciStore dst = store("dst");
    List<Long> progress = new ArrayList<>();
    ImportResult first = DockerArchive.importFrom(dst, gz, ImportOptions.defaults().withProgress(progress::add));
    assertThat(first.images().get(0).descriptor().digest()).isEqualTo(dst.resolve("docker.io/library/x:1").orElseThrow().digest());
    assertThat(first.bytesRead()).isEqualTo(Files.size(gz));
    assertThat(progress).last().isEqualTo(Files.size(gz));

    // Ferry's export names layers <diffid>/layer.tar, which gives no digest up front: they are written again
    // (and deduplicated by the store); the override renames the only image.
    ImportResult again = DockerArchive.importFrom(dst, gz, ImportOptions.defaults().withNameOverride("y:2"));
    assertThat(again.images()).extracting(ImportedImage::name).containsExactly(Optional.of("docker.io/library/y:2"));
    assertThat(dst.resolve("docker.io/library/y:2")).isPresent();
  }

  @Test
  void import_docker25BlobPaths_skipsBlobsTheStoreHas() throws IOException {
    byte[] big = TestImages.layer(3, 2, 1_000_000);
    ImageConfig config =
        ImageConfig.builder(Platform.LINUX_AMD64).addLayer(Digest.sha256(big), ImageConfig.History.of(null, "big", false)).build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      put(tar, "blobs/sha256/" + Digest.sha256(big).hex(), big);
      put(tar, "blobs/sha256/" + config.digest().hex(), config.bytes());
      put(tar, "manifest.json",
          ("[{\"Config\":\"blobs/sha256/" + config.digest().hex() + "\",\"RepoTags\":[\"x:1\"],\"Layers\":[\"blobs/sha256/"
                  + Digest.sha256(big).hex() + "\"]}]").getBytes(StandardCharsets.UTF_8));
    }
    OciStore dst = store("dst");
    ImportResult first = DockerArchive.importFrom(dst, new ByteArrayInputStream(out.toByteArray()), ImportOptions.defaults());
    assertThat(first.blobsSkipped()).isZero();
    ImportResult second = DockerArchive.importFrom(dst, new ByteArrayInputStream(out.toByteArray()), ImportOptions.defaults());
    assertThat(second.blobsSkipped()).isEqualTo(1);
    assertThat(second.images().get(0).descriptor().digest()).isEqualTo(first.images().get(0).descriptor().digest());
  }

  @Test
  void import_ociArchive_saysToImportItAsOne() throws IOException {
    OciStore src = store("src");
    TestImages.image(src, "docker.io/library/x:1", Platform.LINUX_AMD64, List.of(TestImages.layer(1, 1, 10)), false);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    OciArchive.export(src, List.of("x:1"), out);
    assertThatThrownBy(() -> DockerArchive.importFrom(store("dst"), new ByteArrayInputStream(out.toByteArray()), ImportOptions.defaults()))
        .isInstanceOf(CorruptArchiveException.class)
        .hasMessageContaining("import it as an oci-archive");
  }

  static void put(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(content.length);
    tar.putArchiveEntry(e);
    tar.write(content);
    tar.closeArchiveEntry();
  }
}
