package dev.ferry.oci.store;

import static dev.ferry.oci.store.TestImages.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.DigestMismatchException;
import dev.ferry.oci.Index;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciStoreTest {
  @TempDir Path dir;

  static final String OCTETS = "application/octet-stream";

  private OciStore store() throws IOException {
    return OciStore.open(dir.resolve("store"));
  }

  private static List<Path> ingestFiles(OciStore store) throws IOException {
    try (Stream<Path> s = Files.list(store.root().resolve(".ferry").resolve("ingest"))) {
      return s.toList();
    }
  }

  private static Path blobFile(OciStore store, Digest d) {
    return store.root().resolve("blobs").resolve(d.algorithm().id()).resolve(d.hex());
  }

  // ------------------------------------------------------------------ open

  @Test
  void blobWriter_directHeapAndArrayWritesInterleaved_storesThemInOrder() throws IOException {
    OciStore store = store();
    byte[] all = new byte[700_000];
    new java.util.Random(3).nextBytes(all);
    try (OciStore.BlobWriter w = store.newBlob()) {
      w.write(all, 0, 1000); // buffered in the writer
      java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(300_000);
      direct.put(all, 1000, 300_000).flip();
      w.write(direct); // must follow the buffered bytes
      assertThat(direct.hasRemaining()).isFalse();
      w.write(java.nio.ByteBuffer.wrap(all, 301_000, 200_000));
      java.nio.ByteBuffer readOnly = java.nio.ByteBuffer.wrap(all, 501_000, 199_000).asReadOnlyBuffer();
      w.write(readOnly);
      assertThat(w.count()).isEqualTo(all.length);
      Digest d = w.commit(Digest.sha256(all), all.length);
      assertThat(store.read(d).length).isEqualTo(all.length);
      assertThat(Files.readAllBytes(blobFile(store, d))).isEqualTo(all);
    }
  }

  @Test
  void entries_indexRewrittenWithSameSize_seenAtOnce() throws IOException {
    OciStore store = store();
    Descriptor d = store.put(MediaType.OCI_CONFIG.value(), "{\"a\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    store.tag("x:1", d);
    assertThat(store.resolve("x:1")).isPresent();
    store.untag("x:1");
    store.tag("y:1", d);
    assertThat(store.resolve("x:1")).isEmpty();
    assertThat(store.resolve("y:1")).isPresent();
  }

  @Test
  void open_missingDirectory_createsEmptyLayout() throws IOException {
    OciStore store = store();

    Path root = dir.resolve("store");
    JsonNode layout = new ObjectMapper().readTree(Files.readAllBytes(root.resolve("oci-layout")));
    assertThat(layout.get("imageLayoutVersion").asText()).isEqualTo("1.0.0");
    Index index = Index.parse(Files.readAllBytes(root.resolve("index.json")), Optional.empty());
    assertThat(index.manifests()).isEmpty();
    assertThat(index.mediaType()).isEqualTo(MediaType.OCI_INDEX);
    assertThat(root.resolve("blobs").resolve("sha256")).isDirectory();
    assertThat(store.root()).isEqualTo(root.toAbsolutePath().normalize());
    assertThat(store.entries()).isEmpty();
    assertThat(store.blobs()).isEmpty();
  }

  @Test
  void open_emptyExistingDirectory_createsLayout() throws IOException {
    Files.createDirectories(dir.resolve("store"));

    store();

    assertThat(dir.resolve("store").resolve("oci-layout")).isRegularFile();
    assertThat(dir.resolve("store").resolve("index.json")).isRegularFile();
  }

  @Test
  void open_nonEmptyNonLayoutDirectory_refusedAndUntouched() throws IOException {
    Path root = Files.createDirectories(dir.resolve("store"));
    Files.writeString(root.resolve("notes.txt"), "mine");

    assertThatThrownBy(() -> OciStore.open(root))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(root.toString())
        .hasMessageContaining("not an OCI image layout");
    try (Stream<Path> s = Files.list(root)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("notes.txt");
    }
  }

  @Test
  void open_layoutVersion2_refused() throws IOException {
    Path root = Files.createDirectories(dir.resolve("store"));
    Files.writeString(root.resolve("oci-layout"), "{\"imageLayoutVersion\":\"2.0.0\"}");

    assertThatThrownBy(() -> OciStore.open(root))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("'2.0.0'");
  }

  @Test
  void open_existingStore_keepsNamesAndBlobs() throws IOException {
    OciStore first = store();
    Descriptor d = first.put(OCTETS, utf8("kept"));
    first.tag("a", d);

    OciStore again = store();

    assertThat(again.resolve("a").map(Descriptor::digest)).contains(d.digest());
    assertThat(again.read(d.digest())).isEqualTo(utf8("kept"));
  }

  @Test
  void open_manyThreadsOnEmptyDirectory_allSucceed() throws Exception {
    // Several `ferry` commands started at once on a fresh FERRY_HOME must not trip over each other's layout files.
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (int round = 0; round < 30; round++) {
        Path root = dir.resolve("fresh" + round);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<OciStore>> opened = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          opened.add(
              pool.submit(
                  () -> {
                    go.await();
                    return OciStore.open(root);
                  }));
        }
        go.countDown();
        for (Future<OciStore> f : opened) {
          assertThat(f.get(30, TimeUnit.SECONDS).entries()).isEmpty();
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  // ------------------------------------------------------------------ blobs

  @Test
  void put_bytes_roundTripsThroughOpenAndRead() throws IOException {
    OciStore store = store();
    byte[] content = utf8("hello, ferry");

    Descriptor d = store.put(OCTETS, content);

    assertThat(d.digest()).isEqualTo(Digest.sha256(content));
    assertThat(d.size()).isEqualTo(content.length);
    assertThat(d.mediaType()).isEqualTo(OCTETS);
    assertThat(store.exists(d.digest())).isTrue();
    assertThat(store.size(d.digest())).isEqualTo(content.length);
    assertThat(store.read(d.digest())).isEqualTo(content);
    try (InputStream in = store.open(d)) {
      assertThat(in.readAllBytes()).isEqualTo(content);
    }
    assertThat(Files.readAllBytes(blobFile(store, d.digest()))).isEqualTo(content);
    assertThat(store.blobs()).containsExactly(d.digest());
    assertThat(ingestFiles(store)).isEmpty();
  }

  @Test
  void put_sameContentTwice_oneBlob() throws IOException {
    OciStore store = store();

    Descriptor a = store.put(OCTETS, utf8("same"));
    store.put(Digest.sha256(utf8("same")), utf8("same"));

    assertThat(store.blobs()).containsExactly(a.digest());
    assertThat(ingestFiles(store)).isEmpty();
  }

  @Test
  void put_expectedDigestMatches_stored() throws IOException {
    OciStore store = store();
    byte[] content = utf8("expected");

    store.put(new ByteArrayInputStream(content), Digest.sha256(content), content.length);

    assertThat(store.read(Digest.sha256(content))).isEqualTo(content);
  }

  @Test
  void put_unknownSize_stored() throws IOException {
    OciStore store = store();
    byte[] content = utf8("size unknown");

    store.put(new ByteArrayInputStream(content), Digest.sha256(content), -1);

    assertThat(store.exists(Digest.sha256(content))).isTrue();
  }

  @Test
  void put_wrongDigest_throwsNamingBothAndStoresNothing() throws IOException {
    OciStore store = store();
    byte[] content = utf8("actual content");
    Digest expected = Digest.sha256(utf8("something else"));
    Digest actual = Digest.sha256(content);

    assertThatThrownBy(() -> store.put(expected, content))
        .isInstanceOfSatisfying(
            DigestMismatchException.class,
            e -> {
              assertThat(e.expected()).isEqualTo(expected);
              assertThat(e.actual()).isEqualTo(actual);
            })
        .hasMessageContaining(expected.toString())
        .hasMessageContaining(actual.toString());
    assertThat(store.exists(expected)).isFalse();
    assertThat(store.exists(actual)).isFalse();
    assertThat(store.blobs()).isEmpty();
    assertThat(ingestFiles(store)).isEmpty();
  }

  @Test
  void put_streamWrongDigest_storesNothing() throws IOException {
    OciStore store = store();
    byte[] content = utf8("actual content");
    Digest expected = Digest.sha256(utf8("other"));

    assertThatThrownBy(() -> store.put(new ByteArrayInputStream(content), expected, content.length))
        .isInstanceOf(DigestMismatchException.class);
    assertThat(store.blobs()).isEmpty();
    assertThat(ingestFiles(store)).isEmpty();
  }

  @Test
  void put_wrongSize_throwsAndStoresNothing() throws IOException {
    OciStore store = store();
    byte[] content = utf8("twelve bytes");
    Digest digest = Digest.sha256(content);

    assertThatThrownBy(() -> store.put(new ByteArrayInputStream(content), digest, content.length + 1))
        .isInstanceOf(IOException.class)
        .isNotInstanceOf(DigestMismatchException.class)
        .hasMessageContaining(digest.toString())
        .hasMessageContaining("12 bytes but 13 were expected");
    assertThat(store.exists(digest)).isFalse();
    assertThat(store.blobs()).isEmpty();
    assertThat(ingestFiles(store)).isEmpty();
  }

  @Test
  void blobWriter_closedWithoutCommit_storesNothing() throws IOException {
    OciStore store = store();

    try (OciStore.BlobWriter w = store.newBlob()) {
      w.write(utf8("abandoned"));
      assertThat(w.count()).isEqualTo(9);
      assertThat(ingestFiles(store)).hasSize(1);
    }

    assertThat(store.blobs()).isEmpty();
    assertThat(ingestFiles(store)).isEmpty();
  }

  @Test
  void blobWriter_commitTwice_refused() throws IOException {
    OciStore store = store();
    try (OciStore.BlobWriter w = store.newBlob()) {
      w.write(utf8("once"));
      Digest d = w.commit();

      assertThat(d).isEqualTo(Digest.sha256(utf8("once")));
      assertThatThrownBy(w::commit).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void open_blobCorruptedOnDisk_throwsDigestMismatchAtEof() throws IOException {
    OciStore store = store();
    byte[] content = utf8("original content");
    Descriptor d = store.put(OCTETS, content);
    byte[] corrupt = utf8("0riginal content");
    Files.write(blobFile(store, d.digest()), corrupt);

    try (InputStream in = store.open(d.digest())) {
      byte[] first = in.readNBytes(content.length);
      assertThat(first).isEqualTo(corrupt);
      assertThatThrownBy(in::read)
          .isInstanceOfSatisfying(
              DigestMismatchException.class,
              e -> {
                assertThat(e.expected()).isEqualTo(d.digest());
                assertThat(e.actual()).isEqualTo(Digest.sha256(corrupt));
              })
          .hasMessageContaining(store.root().toString());
    }
    assertThatThrownBy(() -> store.read(d.digest())).isInstanceOf(DigestMismatchException.class);
  }

  @Test
  void read_blobTruncatedOnDisk_throwsDigestMismatch() throws IOException {
    OciStore store = store();
    Descriptor d = store.put(OCTETS, utf8("original content"));
    Files.write(blobFile(store, d.digest()), utf8("original"));

    assertThatThrownBy(() -> store.read(d.digest())).isInstanceOf(DigestMismatchException.class);
  }

  @Test
  void open_descriptorWithWrongSize_throwsNamingBothSizes() throws IOException {
    OciStore store = store();
    Descriptor d = store.put(OCTETS, utf8("ten bytes!"));
    Descriptor wrong = Descriptor.of(OCTETS, d.digest(), 11);

    assertThatThrownBy(() -> store.open(wrong))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(d.digest().toString())
        .hasMessageContaining("has 10 bytes but its descriptor says 11");
  }

  @Test
  void open_missingBlob_throwsBlobNotFound() throws IOException {
    OciStore store = store();
    Digest missing = Digest.sha256(utf8("never stored"));

    assertThatThrownBy(() -> store.open(missing))
        .isInstanceOfSatisfying(BlobNotFoundException.class, e -> assertThat(e.digest()).isEqualTo(missing))
        .hasMessageContaining(missing.toString());
    assertThatThrownBy(() -> store.read(missing)).isInstanceOf(BlobNotFoundException.class);
    assertThatThrownBy(() -> store.size(missing)).isInstanceOf(BlobNotFoundException.class);
    assertThat(store.exists(missing)).isFalse();
  }

  @Test
  void delete_storedBlob_removes() throws IOException {
    OciStore store = store();
    Descriptor d = store.put(OCTETS, utf8("doomed"));

    assertThat(store.delete(d.digest())).isTrue();
    assertThat(store.delete(d.digest())).isFalse();
    assertThat(store.exists(d.digest())).isFalse();
  }

  @Test
  void blobs_strayFiles_skipped() throws IOException {
    OciStore store = store();
    Descriptor d = store.put(OCTETS, utf8("real"));
    Files.writeString(store.root().resolve("blobs").resolve("sha256").resolve("not-a-digest"), "x");

    assertThat(store.blobs()).containsExactly(d.digest());
  }

  // ------------------------------------------------------------------ names

  @Test
  void tag_thenResolve_findsNamedDescriptor() throws IOException {
    OciStore store = store();
    Descriptor d = store.put(OCTETS, utf8("one"));

    store.tag("example.com/app:1", d);

    Descriptor resolved = store.resolve("example.com/app:1").orElseThrow();
    assertThat(resolved.digest()).isEqualTo(d.digest());
    assertThat(resolved.size()).isEqualTo(d.size());
    assertThat(resolved.refName()).contains("example.com/app:1");
    assertThat(store.resolve("example.com/app:2")).isEmpty();
  }

  @Test
  void tag_existingName_replacesTarget() throws IOException {
    OciStore store = store();
    Descriptor one = store.put(OCTETS, utf8("one"));
    Descriptor two = store.put(OCTETS, utf8("two"));
    store.tag("app", one);
    store.tag("other", one);

    store.tag("app", two);

    assertThat(store.entries()).hasSize(2);
    assertThat(store.resolve("app").map(Descriptor::digest)).contains(two.digest());
    assertThat(store.resolve("other").map(Descriptor::digest)).contains(one.digest());
  }

  @Test
  void tag_missingBlob_refusedAndIndexUnchanged() throws IOException {
    OciStore store = store();
    Descriptor kept = store.put(OCTETS, utf8("kept"));
    store.tag("kept", kept);
    byte[] before = Files.readAllBytes(store.root().resolve("index.json"));
    Descriptor ghost = Descriptor.of(OCTETS, Digest.sha256(utf8("ghost")), 5);

    assertThatThrownBy(() -> store.tag("ghost", ghost))
        .isInstanceOfSatisfying(BlobNotFoundException.class, e -> assertThat(e.digest()).isEqualTo(ghost.digest()));
    assertThat(Files.readAllBytes(store.root().resolve("index.json"))).isEqualTo(before);
  }

  @Test
  void untag_existingName_removesOnlyName() throws IOException {
    OciStore store = store();
    Descriptor d = store.put(OCTETS, utf8("x"));
    store.tag("a", d);
    store.tag("b", d);

    assertThat(store.untag("a")).isTrue();
    assertThat(store.untag("a")).isFalse();

    assertThat(store.resolve("a")).isEmpty();
    assertThat(store.resolve("b")).isPresent();
    assertThat(store.exists(d.digest())).isTrue();
  }

  @Test
  void indexJson_afterManyUpdates_validAndNoTempFilesLeft() throws IOException {
    OciStore store = store();
    for (int i = 0; i < 10; i++) {
      store.tag("n" + (i % 4), store.put(OCTETS, utf8("blob " + i)));
    }
    store.untag("n0");

    Index index = Index.parse(Files.readAllBytes(store.root().resolve("index.json")), Optional.empty());
    assertThat(index.manifests()).extracting(d -> d.refName().orElseThrow()).containsExactlyInAnyOrder("n1", "n2", "n3");
    assertThat(store.resolve("n3").map(Descriptor::digest)).contains(Digest.sha256(utf8("blob 7")));
    try (Stream<Path> s = Files.list(store.root())) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("oci-layout", "index.json", "blobs", ".ferry");
    }
  }

  // ------------------------------------------------------------------ documents

  @Test
  void putManifest_thenReadManifestAndConfig_sameDocuments() throws IOException {
    OciStore store = store();

    TestImages.Image image = TestImages.store(store, "docs", 2);

    Manifest m = store.readManifest(image.manifest());
    assertThat(m.digest()).isEqualTo(image.manifest().digest());
    assertThat(m.config()).isEqualTo(image.config());
    assertThat(m.layers()).isEqualTo(image.layers());
    assertThat(store.readConfig(m.config()).diffIds())
        .containsExactly(image.layers().get(0).digest(), image.layers().get(1).digest());
  }

  @Test
  void putIndex_thenReadIndex_same() throws IOException {
    OciStore store = store();
    TestImages.Image image = TestImages.store(store, "idx", 1);
    Index index = Index.of(List.of(image.manifest()));

    Descriptor d = store.put(index);

    assertThat(d.digest()).isEqualTo(index.digest());
    assertThat(store.readIndex(d).manifests()).containsExactly(image.manifest());
  }

  // ------------------------------------------------------------------ concurrency

  @Test
  void putAndTag_eightThreads_noUpdateLost() throws Exception {
    OciStore store = store();
    int threads = 8;
    int perThread = 50;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<List<Digest>>> results = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        int thread = t;
        Callable<List<Digest>> work =
            () -> {
              go.await();
              List<Digest> mine = new ArrayList<>();
              for (int i = 0; i < perThread; i++) {
                Descriptor d = store.put(OCTETS, utf8("thread " + thread + " blob " + i));
                store.tag("t" + thread + "-" + i, d);
                mine.add(d.digest());
              }
              return mine;
            };
        results.add(pool.submit(work));
      }
      go.countDown();
      List<Digest> all = new ArrayList<>();
      for (Future<List<Digest>> f : results) {
        all.addAll(f.get(120, TimeUnit.SECONDS));
      }

      assertThat(store.blobs()).containsExactlyInAnyOrderElementsOf(all);
      List<Descriptor> entries = store.entries();
      assertThat(entries).hasSize(threads * perThread);
      for (int t = 0; t < threads; t++) {
        for (int i = 0; i < perThread; i++) {
          assertThat(store.resolve("t" + t + "-" + i).map(Descriptor::digest))
              .contains(Digest.sha256(utf8("thread " + t + " blob " + i)));
        }
      }
      assertThat(ingestFiles(store)).isEmpty();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void privateDirectory_plainName_isCreatedUnderDotFerry() throws IOException {
    OciStore store = store();
    Path d = store.privateDirectory("registry");
    assertThat(d).isDirectory().isEqualTo(store.root().resolve(".ferry").resolve("registry"));
    assertThatThrownBy(() -> store.privateDirectory("../x")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("../x");
    assertThatThrownBy(() -> store.privateDirectory("ingest")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void resumeBlob_closedAndReopened_continuesHashAndCommitsAtomically() throws IOException {
    OciStore store = store();
    Path file = store.privateDirectory("registry").resolve("uploads").resolve("u1");
    try (OciStore.BlobWriter w = store.resumeBlob(file)) {
      w.write(utf8("hello "));
    }
    assertThat(file).hasContent("hello ");
    Digest expected = Digest.sha256(utf8("hello world"));
    try (OciStore.BlobWriter w = store.resumeBlob(file)) {
      assertThat(w.count()).isEqualTo(6);
      w.write(utf8("world"));
      assertThat(w.commit(expected, 11)).isEqualTo(expected);
    }
    assertThat(file).doesNotExist();
    assertThat(store.read(expected)).isEqualTo(utf8("hello world"));
  }

  @Test
  void resumeBlob_manySmallDirectWrites_flushPutsEveryByteOnDiskInOrder() throws IOException {
    // An HTTP server hands over one socket read at a time (~40 KiB): the writer gathers them into larger file writes,
    // and flush() (the upload's progress a client is told) and close() must still leave every byte on disk.
    OciStore store = store();
    Path file = store.privateDirectory("registry").resolve("uploads").resolve("u3");
    byte[] all = new byte[3 * 1024 * 1024 + 12_345];
    new java.util.Random(5).nextBytes(all);
    int half = all.length / 2;
    try (OciStore.BlobWriter w = store.resumeBlob(file)) {
      java.nio.ByteBuffer piece = java.nio.ByteBuffer.allocateDirect(40_000);
      for (int off = 0; off < half; off += 40_000) {
        int n = Math.min(40_000, half - off);
        piece.clear();
        piece.put(all, off, n).flip();
        w.write(piece);
      }
      w.flush();
      assertThat(Files.size(file)).isEqualTo(half);
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(java.util.Arrays.copyOf(all, half));
    try (OciStore.BlobWriter w = store.resumeBlob(file)) {
      java.nio.ByteBuffer rest = java.nio.ByteBuffer.allocateDirect(all.length - half);
      rest.put(all, half, all.length - half).flip();
      w.write(rest);
      assertThat(w.commit(Digest.sha256(all), all.length)).isEqualTo(Digest.sha256(all));
    }
    assertThat(store.read(Digest.sha256(all))).isEqualTo(all);
  }

  @Test
  void blobWriter_directWrites_reuseOneStagingBufferAcrossWriters() throws IOException {
    OciStore store = store();
    java.nio.ByteBuffer piece = java.nio.ByteBuffer.allocateDirect(1000);
    try (OciStore.BlobWriter w = store.newBlob()) { // leaves a buffer in the pool
      w.write(piece.clear());
      w.commit();
    }
    int pooled = OciStore.stagedBuffersPooled();
    assertThat(pooled).isPositive();
    try (OciStore.BlobWriter w = store.newBlob()) {
      w.write(piece.clear());
      assertThat(OciStore.stagedBuffersPooled()).as("taken from the pool, not allocated").isEqualTo(pooled - 1);
      w.commit();
    }
    assertThat(OciStore.stagedBuffersPooled()).isEqualTo(pooled);
    try (OciStore.BlobWriter w = store.newBlob()) { // abandoned: gives its buffer back too
      w.write(piece.clear());
    }
    assertThat(OciStore.stagedBuffersPooled()).isEqualTo(pooled);
  }

  @Test
  void resumeBlob_wrongDigest_deletesFileAndStoresNothing() throws IOException {
    OciStore store = store();
    Path file = store.privateDirectory("registry").resolve("u2");
    Digest wrong = Digest.sha256(utf8("other"));
    try (OciStore.BlobWriter w = store.resumeBlob(file)) {
      w.write(utf8("content"));
      assertThatThrownBy(() -> w.commit(wrong, -1)).isInstanceOf(DigestMismatchException.class);
    }
    assertThat(file).doesNotExist();
    assertThat(store.exists(wrong)).isFalse();
    assertThat(store.exists(Digest.sha256(utf8("content")))).isFalse();
  }

  @Test
  void resumeBlob_fileOutsidePrivateDirectories_isRefused() throws IOException {
    OciStore store = store();
    assertThatThrownBy(() -> store.resumeBlob(dir.resolve("elsewhere")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("elsewhere");
    assertThatThrownBy(() -> store.resumeBlob(store.root().resolve(".ferry").resolve("ingest").resolve("x")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void openRange_insideBlob_readsExactlyThatRange() throws IOException {
    OciStore store = store();
    Descriptor d = store.put(OCTETS, utf8("0123456789"));
    try (InputStream in = store.openRange(d.digest(), 3, 4)) {
      assertThat(in.readAllBytes()).isEqualTo(utf8("3456"));
    }
    assertThatThrownBy(() -> store.openRange(d.digest(), 8, 4)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.openRange(Digest.sha256(utf8("none")), 0, 1)).isInstanceOf(BlobNotFoundException.class);
  }
}
