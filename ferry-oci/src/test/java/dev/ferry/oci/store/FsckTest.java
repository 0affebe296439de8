package dev.ferry.oci.store;

import static dev.ferry.oci.store.TestImages.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FsckTest {
  static final String OCTETS = "application/octet-stream";

  @TempDir Path dir;

  private OciStore store() throws IOException {
    return OciStore.open(dir.resolve("store"));
  }

  private static Path blobFile(OciStore store, Digest d) {
    return store.root().resolve("blobs").resolve(d.algorithm().id()).resolve(d.hex());
  }

  @Test
  void check_emptyStore_clean() throws IOException {
    Fsck.Report r = Fsck.check(store(), n -> {});

    assertThat(r.clean()).isTrue();
    assertThat(r.blobsChecked()).isZero();
    assertThat(r.names()).isZero();
  }

  @Test
  void check_cleanStore_cleanReportWithCounts() throws IOException {
    OciStore store = store();
    TestImages.Image image = TestImages.storeNamed(store, "app:1", 2);
    long total =
        image.manifest().size()
            + image.config().size()
            + image.layers().stream().mapToLong(Descriptor::size).sum();
    AtomicLong progress = new AtomicLong();

    Fsck.Report r = Fsck.check(store, progress::addAndGet);

    assertThat(r.problems()).isEmpty();
    assertThat(r.clean()).isTrue();
    assertThat(r.blobsChecked()).isEqualTo(4);
    assertThat(r.bytesChecked()).isEqualTo(total);
    assertThat(progress.get()).isEqualTo(total);
    assertThat(r.names()).isEqualTo(1);
    assertThat(r.unreferenced()).isZero();
    assertThat(r.tempFiles()).isZero();
  }

  @Test
  void check_corruptBlob_problemNamesDigest() throws IOException {
    OciStore store = store();
    TestImages.Image image = TestImages.storeNamed(store, "app", 1);
    Digest layer = image.layers().get(0).digest();
    byte[] original = Files.readAllBytes(blobFile(store, layer));
    byte[] corrupt = original.clone();
    corrupt[0] ^= 1;
    Files.write(blobFile(store, layer), corrupt);

    Fsck.Report r = Fsck.check(store, n -> {});

    assertThat(r.clean()).isFalse();
    assertThat(r.problems())
        .singleElement()
        .asString()
        .contains("corrupt blob " + layer)
        .contains(Digest.sha256(corrupt).toString());
  }

  @Test
  void check_missingLayer_problemNamesDigestAndPath() throws IOException {
    OciStore store = store();
    TestImages.Image image = TestImages.storeNamed(store, "app:1", 2);
    Digest layer0 = image.layers().get(0).digest();
    store.delete(layer0);

    Fsck.Report r = Fsck.check(store, n -> {});

    assertThat(r.clean()).isFalse();
    assertThat(r.problems())
        .singleElement()
        .asString()
        .contains("missing blob " + layer0)
        .contains("'app:1' > layer 0");
  }

  @Test
  void check_missingConfig_problemNamesConfigPath() throws IOException {
    OciStore store = store();
    TestImages.Image image = TestImages.storeNamed(store, "app", 1);
    store.delete(image.config().digest());

    Fsck.Report r = Fsck.check(store, n -> {});

    assertThat(r.problems()).singleElement().asString().contains(image.config().digest().toString()).contains("'app' > config");
  }

  @Test
  void check_sizeMismatch_reported() throws IOException {
    OciStore store = store();
    TestImages.Image image = TestImages.store(store, "sized", 1);
    Descriptor layer = image.layers().get(0);
    Descriptor lying = Descriptor.of(layer.mediaType(), layer.digest(), layer.size() + 5);
    Descriptor m = store.put(Manifest.of(image.config(), List.of(lying)));
    store.tag("liar", m);

    Fsck.Report r = Fsck.check(store, n -> {});

    assertThat(r.problems())
        .singleElement()
        .asString()
        .contains(layer.digest().toString())
        .contains("has " + layer.size() + " bytes")
        .contains("'liar' > layer 0 declares " + (layer.size() + 5));
  }

  @Test
  void check_unparseableManifest_reported() throws IOException {
    OciStore store = store();
    Descriptor notJson = store.put(MediaType.OCI_MANIFEST.value(), utf8("not json"));
    store.tag("broken", notJson);

    Fsck.Report r = Fsck.check(store, n -> {});

    assertThat(r.problems())
        .singleElement()
        .asString()
        .contains("cannot read " + notJson.digest())
        .contains("'broken'");
  }

  @Test
  void check_unreferencedBlobs_countedNotProblems() throws IOException {
    OciStore store = store();
    TestImages.storeNamed(store, "app", 1);
    store.put(OCTETS, utf8("loose 1"));
    store.put(OCTETS, utf8("loose 2"));

    Fsck.Report r = Fsck.check(store, n -> {});

    assertThat(r.clean()).isTrue();
    assertThat(r.unreferenced()).isEqualTo(2);
    assertThat(r.blobsChecked()).isEqualTo(5);
  }

  @Test
  void check_tempFiles_countedNotProblems() throws IOException {
    OciStore store = store();
    Path ingest = store.root().resolve(".ferry").resolve("ingest");
    Files.writeString(ingest.resolve("a.tmp"), "partial");
    Files.writeString(ingest.resolve("b.tmp"), "partial");

    Fsck.Report r = Fsck.check(store, n -> {});

    assertThat(r.clean()).isTrue();
    assertThat(r.tempFiles()).isEqualTo(2);
  }

  @Test
  void check_severalProblems_allReportedSorted() throws IOException {
    OciStore store = store();
    TestImages.Image a = TestImages.storeNamed(store, "a", 1);
    TestImages.Image b = TestImages.storeNamed(store, "b", 1);
    store.delete(a.layers().get(0).digest());
    store.delete(b.layers().get(0).digest());

    Fsck.Report r = Fsck.check(store, n -> {});

    assertThat(r.problems()).hasSize(2).isSorted();
    assertThat(r.names()).isEqualTo(2);
  }
}
