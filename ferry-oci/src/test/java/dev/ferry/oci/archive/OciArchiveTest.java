package dev.ferry.oci.archive;

import static dev.ferry.oci.archive.DockerArchiveTest.entries;
import static dev.ferry.oci.archive.DockerArchiveTest.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.DigestMismatchException;
import dev.ferry.oci.Index;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import dev.ferry.oci.store.OciStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciArchiveTest {
  @TempDir Path tmp;

  private OciStore store(String name) throws IOException {
    return OciStore.open(tmp.resolve(name));
  }

  private static byte[] export(OciStore store, List<String> names) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    OciArchive.export(store, names, out);
    return out.toByteArray();
  }

  @Test
  void roundTrip_twoPlatformIndexAndImage_keepsDigestsAndBytes() throws IOException {
    OciStore src = store("src");
    byte[] shared = TestImages.layer(1, 2, 1000);
    TestImages.Image amd = TestImages.image(src, null, Platform.LINUX_AMD64, List.of(shared, TestImages.layer(2, 1, 10)), true);
    TestImages.Image arm = TestImages.image(src, null, Platform.LINUX_ARM64, List.of(shared, TestImages.layer(3, 1, 10)), true);
    Descriptor index = TestImages.index(src, "docker.io/library/multi:1", List.of(amd, arm));
    TestImages.Image single = TestImages.image(src, "localhost:5000/single:2", Platform.LINUX_AMD64, List.of(shared), false);

    byte[] tar = export(src, List.of("multi:1", "localhost:5000/single:2"));
    Map<String, byte[]> e = entries(tar);
    assertThat(e.keySet()).startsWith("oci-layout", "index.json", "blobs/", "blobs/sha256/");
    assertThat(e.keySet().stream().filter(n -> n.startsWith("blobs/sha256/") && n.length() > 20).toList()).isSorted();
    Index written = Index.parse(e.get("index.json"), Optional.empty());
    assertThat(written.manifests()).extracting(d -> d.refName().orElseThrow())
        .containsExactly("docker.io/library/multi:1", "localhost:5000/single:2");
    assertThat(export(src, List.of("multi:1", "localhost:5000/single:2"))).isEqualTo(tar);

    OciStore dst = store("dst");
    ImportResult r = OciArchive.importFrom(dst, new ByteArrayInputStream(tar), ImportOptions.defaults());
    assertThat(r.images()).extracting(i -> i.name().orElseThrow())
        .containsExactly("docker.io/library/multi:1", "localhost:5000/single:2");
    assertThat(dst.resolve("docker.io/library/multi:1").orElseThrow().digest()).isEqualTo(index.digest());
    assertThat(dst.read(index.digest())).isEqualTo(src.read(index.digest()));
    assertThat(dst.read(arm.manifest().digest())).isEqualTo(src.read(arm.manifest().digest()));
    assertThat(dst.resolve("localhost:5000/single:2").orElseThrow().digest()).isEqualTo(single.manifest().digest());
    // 2 indexes/manifests + 3 manifests... every blob is written exactly once
    assertThat(r.blobsWritten()).isEqualTo(dst.blobs().size());

    ImportResult again = OciArchive.importFrom(dst, new ByteArrayInputStream(tar), ImportOptions.defaults());
    assertThat(again.blobsWritten()).isZero();
    assertThat(again.blobsSkipped()).isEqualTo(r.blobsWritten());
  }

  @Test
  void import_blobNotMatchingItsName_throwsDigestMismatchAndStoresNothing() throws IOException {
    byte[] content = "hello".getBytes(StandardCharsets.UTF_8);
    Digest claimed = Digest.sha256("other".getBytes(StandardCharsets.UTF_8));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      put(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
      put(tar, "blobs/sha256/" + claimed.hex(), content);
    }
    OciStore dst = store("dst");
    assertThatThrownBy(() -> OciArchive.importFrom(dst, new ByteArrayInputStream(out.toByteArray()), ImportOptions.defaults()))
        .isInstanceOfSatisfying(DigestMismatchException.class, ex -> {
          assertThat(ex.expected()).isEqualTo(claimed);
          assertThat(ex.actual()).isEqualTo(Digest.sha256(content));
        })
        .hasMessageContaining("blobs/sha256/" + claimed.hex());
    assertThat(dst.exists(claimed)).isFalse();
    assertThat(dst.exists(Digest.sha256(content))).isFalse();
  }

  @Test
  void importFromFile_largeBlobNotMatchingItsName_throwsDigestMismatchAndStoresNothing() throws IOException {
    // Over 1 MiB and read from a plain tar file: the kernel-copy path, which must verify like the stream path.
    byte[] content = new byte[3 << 20];
    new java.util.Random(3).nextBytes(content);
    Digest claimed = Digest.sha256("other".getBytes(StandardCharsets.UTF_8));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      put(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
      put(tar, "blobs/sha256/" + claimed.hex(), content);
    }
    Path file = Files.write(tmp.resolve("bad.tar"), out.toByteArray());
    OciStore dst = store("dst");
    assertThatThrownBy(() -> OciArchive.importFrom(dst, file, ImportOptions.defaults()))
        .isInstanceOfSatisfying(DigestMismatchException.class, ex -> assertThat(ex.actual()).isEqualTo(Digest.sha256(content)));
    assertThat(dst.blobs()).isEmpty();
  }

  @Test
  void import_missingBlob_failsBeforeNamingAnything() throws IOException {
    OciStore src = store("src");
    TestImages.Image img = TestImages.image(src, "docker.io/library/x:1", Platform.LINUX_AMD64, List.of(TestImages.layer(1, 1, 10)), true);
    Map<String, byte[]> e = entries(export(src, List.of("x:1")));
    e.remove("blobs/sha256/" + img.layers().get(0).digest().hex());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      for (var en : e.entrySet()) {
        if (!en.getKey().endsWith("/")) {
          put(tar, en.getKey(), en.getValue());
        }
      }
    }
    OciStore dst = store("dst");
    assertThatThrownBy(() -> OciArchive.importFrom(dst, new ByteArrayInputStream(out.toByteArray()), ImportOptions.defaults()))
        .isInstanceOf(CorruptArchiveException.class)
        .hasMessageContaining("missing blob " + img.layers().get(0).digest());
    assertThat(dst.entries()).isEmpty();
  }

  @Test
  void import_truncatedArchive_failsAndLeavesIndexJsonUnchanged() throws IOException {
    OciStore src = store("src");
    TestImages.image(src, "docker.io/library/x:1", Platform.LINUX_AMD64, List.of(TestImages.layer(1, 3, 100_000)), false);
    byte[] tar = export(src, List.of("x:1"));
    Path half = tmp.resolve("half.tar");
    Files.write(half, java.util.Arrays.copyOf(tar, tar.length / 2));
    OciStore dst = store("dst");
    byte[] before = Files.readAllBytes(dst.root().resolve("index.json"));
    assertThatThrownBy(() -> OciArchive.importFrom(dst, half, ImportOptions.defaults()))
        .isInstanceOf(CorruptArchiveException.class)
        .hasMessageContaining("truncated or corrupt at entry blobs/sha256/");
    assertThat(Files.readAllBytes(dst.root().resolve("index.json"))).isEqualTo(before);
  }

  @Test
  void import_refNameThatIsATagOnlyOrAbsent_usesOverrideOrStaysUnnamed() throws IOException {
    OciStore src = store("src");
    TestImages.Image img = TestImages.image(src, "not a reference!", Platform.LINUX_AMD64, List.of(TestImages.layer(1, 1, 10)), false);
    byte[] tar = export(src, List.of("not a reference!"));

    OciStore dst = store("dst");
    ImportResult unnamed = OciArchive.importFrom(dst, new ByteArrayInputStream(tar), ImportOptions.defaults());
    assertThat(unnamed.images()).containsExactly(new ImportedImage(Optional.empty(), img.manifest()));
    assertThat(dst.entries()).isEmpty();

    ImportResult named = OciArchive.importFrom(dst, new ByteArrayInputStream(tar), ImportOptions.defaults().withNameOverride("x:3"));
    assertThat(named.images().get(0).name()).contains("docker.io/library/x:3");
    assertThat(dst.resolve("docker.io/library/x:3").orElseThrow().digest()).isEqualTo(img.manifest().digest());
  }

  @Test
  void layoutDirectory_exportThenImport_roundTripsAnIndex() throws IOException {
    OciStore src = store("src");
    TestImages.Image amd = TestImages.image(src, null, Platform.LINUX_AMD64, List.of(TestImages.layer(2, 1, 10)), true);
    TestImages.Image arm = TestImages.image(src, null, Platform.LINUX_ARM64, List.of(TestImages.layer(3, 1, 10)), true);
    Descriptor index = TestImages.index(src, "docker.io/library/multi:1", List.of(amd, arm));

    Path layout = tmp.resolve("layout");
    OciArchive.exportLayout(src, List.of("multi:1"), layout);
    assertThat(Files.readString(layout.resolve("index.json"))).contains("\"org.opencontainers.image.ref.name\":\"docker.io/library/multi:1\"");

    OciStore dst = store("dst");
    ImportResult r = OciArchive.importLayout(dst, layout, ImportOptions.defaults());
    assertThat(r.images()).extracting(ImportedImage::name).containsExactly(Optional.of("docker.io/library/multi:1"));
    assertThat(dst.resolve("docker.io/library/multi:1").orElseThrow().digest()).isEqualTo(index.digest());
    assertThat(dst.blobs()).hasSize(src.blobs().size());
    assertThat(dst.readIndex(dst.resolve("docker.io/library/multi:1").orElseThrow()).manifests()).hasSize(2);
    assertThat(MediaType.find(r.images().get(0).descriptor().mediaType())).contains(MediaType.OCI_INDEX);
  }

  @Test
  void detect_tellsTheFormatsApart() throws IOException {
    OciStore src = store("src");
    TestImages.image(src, "docker.io/library/x:1", Platform.LINUX_AMD64, List.of(TestImages.layer(1, 1, 10)), false);
    Path oci = tmp.resolve("oci.tar");
    Files.write(oci, export(src, List.of("x:1")));
    assertThat(ArchiveFormat.detect(oci)).isEqualTo(ArchiveFormat.OCI_ARCHIVE);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      put(tar, "oci-layout", "{}".getBytes(StandardCharsets.UTF_8));
      put(tar, "manifest.json", "[]".getBytes(StandardCharsets.UTF_8));
    }
    Path both = tmp.resolve("both.tar");
    Files.write(both, out.toByteArray());
    assertThat(ArchiveFormat.detect(both)).isEqualTo(ArchiveFormat.DOCKER_ARCHIVE);
    assertThat(ArchiveFormat.detect(both, ArchiveFormat.OCI_ARCHIVE)).isEqualTo(ArchiveFormat.OCI_ARCHIVE);

    Path neither = tmp.resolve("neither.tar");
    Files.write(neither, new byte[10240]);
    assertThatThrownBy(() -> ArchiveFormat.detect(neither)).isInstanceOf(CorruptArchiveException.class);
  }
}
