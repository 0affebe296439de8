package dev.ferry.oci.store;

import static dev.ferry.oci.store.TestImages.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Index;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GarbageCollectorTest {
  static final String OCTETS = "application/octet-stream";

  @TempDir Path dir;

  private OciStore store() throws IOException {
    return OciStore.open(dir.resolve("store"));
  }

  private static Path ingest(OciStore store) {
    return store.root().resolve(".ferry").resolve("ingest");
  }

  private static List<Digest> all(TestImages.Image image) {
    List<Digest> out = new java.util.ArrayList<>();
    out.add(image.manifest().digest());
    out.add(image.config().digest());
    image.layers().forEach(l -> out.add(l.digest()));
    return out;
  }

  @Test
  void collect_unnamedBlobs_removedAndNamedImageKept() throws IOException {
    OciStore store = store();
    TestImages.Image named = TestImages.storeNamed(store, "app:1", 2);
    TestImages.Image unnamed = TestImages.store(store, "orphan", 1);
    Descriptor loose = store.put(OCTETS, utf8("loose blob"));
    long orphanBytes =
        unnamed.manifest().size() + unnamed.config().size() + unnamed.layers().get(0).size() + loose.size();

    GarbageCollector.Result r = GarbageCollector.collect(store, Set.of(), false);

    assertThat(store.blobs()).containsExactlyInAnyOrderElementsOf(all(named));
    assertThat(r.blobsRemoved()).isEqualTo(4);
    assertThat(r.bytesRemoved()).isEqualTo(orphanBytes);
    assertThat(r.blobsKept()).isEqualTo(4);
    assertThat(store.readManifest(named.manifest()).layers()).isEqualTo(named.layers());
  }

  @Test
  void collect_sharedLayer_keptWhileOneNameReachesIt() throws IOException {
    OciStore store = store();
    TestImages.Image a = TestImages.storeNamed(store, "a", 1);
    Descriptor shared = a.layers().get(0);
    Descriptor own = store.put(MediaType.OCI_LAYER.value(), utf8("b's own layer"));
    Descriptor b = store.put(dev.ferry.oci.Manifest.of(a.config(), List.of(shared, own)));
    store.tag("b", b);
    store.untag("a");

    GarbageCollector.Result r = GarbageCollector.collect(store, Set.of(), false);

    assertThat(store.blobs())
        .containsExactlyInAnyOrder(b.digest(), a.config().digest(), shared.digest(), own.digest());
    assertThat(store.exists(a.manifest().digest())).isFalse();
    assertThat(r.blobsRemoved()).isEqualTo(1);
  }

  @Test
  void collect_untaggedImage_removedEntirely() throws IOException {
    OciStore store = store();
    TestImages.Image image = TestImages.storeNamed(store, "gone", 2);
    store.untag("gone");

    GarbageCollector.Result r = GarbageCollector.collect(store, Set.of(), false);

    assertThat(store.blobs()).isEmpty();
    assertThat(r.blobsRemoved()).isEqualTo(all(image).size());
  }

  @Test
  void collect_namedIndex_keepsEveryPlatformImage() throws IOException {
    OciStore store = store();
    TestImages.Image amd = TestImages.store(store, "amd", 1);
    TestImages.Image arm = TestImages.store(store, "arm", 1);
    Descriptor index =
        store.put(
            Index.of(
                List.of(
                    amd.manifest().withPlatform(Platform.LINUX_AMD64),
                    arm.manifest().withPlatform(Platform.LINUX_ARM64))));
    store.tag("multi", index);
    store.put(OCTETS, utf8("garbage"));

    GarbageCollector.Result r = GarbageCollector.collect(store, Set.of(), false);

    List<Digest> expected = new java.util.ArrayList<>(all(amd));
    expected.addAll(all(arm));
    expected.add(index.digest());
    assertThat(store.blobs()).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(r.blobsRemoved()).isEqualTo(1);
  }

  @Test
  void collect_tempFiles_removed() throws IOException {
    OciStore store = store();
    Files.writeString(ingest(store).resolve("killed-writer-1.tmp"), "partial");
    Files.writeString(ingest(store).resolve("killed-writer-2.tmp"), "partial");

    GarbageCollector.Result r = GarbageCollector.collect(store, Set.of(), false);

    assertThat(r.tempFilesRemoved()).isEqualTo(2);
    try (var s = Files.list(ingest(store))) {
      assertThat(s).isEmpty();
    }
  }

  @Test
  void collect_dryRun_removesNothingButReports() throws IOException {
    OciStore store = store();
    TestImages.storeNamed(store, "app", 1);
    Descriptor loose = store.put(OCTETS, utf8("loose"));
    Path temp = Files.writeString(ingest(store).resolve("x.tmp"), "partial");
    List<Digest> before = store.blobs();

    GarbageCollector.Result r = GarbageCollector.collect(store, Set.of(), true);

    assertThat(r.blobsRemoved()).isEqualTo(1);
    assertThat(r.bytesRemoved()).isEqualTo(loose.size());
    assertThat(r.tempFilesRemoved()).isEqualTo(1);
    assertThat(store.blobs()).containsExactlyInAnyOrderElementsOf(before);
    assertThat(temp).exists();
  }

  @Test
  void collect_extraRoots_kept() throws IOException {
    OciStore store = store();
    Descriptor cached = store.put(OCTETS, utf8("build cache entry"));
    Descriptor loose = store.put(OCTETS, utf8("loose"));

    GarbageCollector.Result r = GarbageCollector.collect(store, Set.of(cached.digest()), false);

    assertThat(store.blobs()).containsExactly(cached.digest());
    assertThat(store.exists(loose.digest())).isFalse();
    assertThat(r.blobsKept()).isEqualTo(1);
  }

  @Test
  void collect_rootsSupplier_evaluatedUnderLockAndKept() throws IOException {
    OciStore store = store();
    Descriptor linked = store.put(OCTETS, utf8("linked by a registry"));
    store.put(OCTETS, utf8("loose"));
    boolean[] called = {false};

    GarbageCollector.collect(
        store,
        () -> {
          called[0] = true;
          return Set.of(linked.digest());
        },
        false);

    assertThat(called[0]).isTrue();
    assertThat(store.blobs()).containsExactly(linked.digest());
  }

  @Test
  void collect_foreignLayerWithUrlsAbsent_keepsRest() throws IOException {
    OciStore store = store();
    TestImages.Image base = TestImages.store(store, "base", 1);
    Descriptor foreign =
        new Descriptor(
            MediaType.OCI_LAYER_NONDISTRIBUTABLE_GZIP.value(),
            Digest.sha256(utf8("not here")),
            8,
            null,
            null,
            null,
            List.of("https://example.com/layer"));
    Descriptor m =
        store.put(
            dev.ferry.oci.Manifest.of(
                base.config(), List.of(base.layers().get(0), foreign)));
    store.tag("win", m);

    GarbageCollector.collect(store, Set.of(), false);

    assertThat(store.blobs())
        .containsExactlyInAnyOrder(m.digest(), base.config().digest(), base.layers().get(0).digest());
  }

  @Test
  void collect_whileSessionOpen_waitsAndKeepsBlobTheSessionNames() throws Exception {
    OciStore store = store();
    Descriptor unrelated = store.put(OCTETS, utf8("unrelated garbage"));
    ExecutorService pool = Executors.newSingleThreadExecutor();
    AtomicReference<Thread> gcThread = new AtomicReference<>();
    try {
      Descriptor written;
      Future<GarbageCollector.Result> gc;
      try (OciStore.Session session = store.session()) {
        written = store.put(OCTETS, utf8("written in the session, named at its end"));

        gc =
            pool.submit(
                () -> {
                  gcThread.set(Thread.currentThread());
                  return GarbageCollector.collect(store, Set.of(), false);
                });
        // Wait until gc is either parked on the writer lock (correct) or has already run (broken).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!gc.isDone()
            && (gcThread.get() == null || gcThread.get().getState() != Thread.State.WAITING)
            && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }

        assertThat(gc).as("gc must wait for the open session").isNotDone();
        assertThat(store.exists(written.digest())).isTrue();
        store.tag("named-late", written);
      }
      GarbageCollector.Result r = gc.get(30, TimeUnit.SECONDS);

      assertThat(store.exists(written.digest())).isTrue();
      assertThat(store.exists(unrelated.digest())).isFalse();
      assertThat(r.blobsRemoved()).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void collect_afterSessionClosed_runsAtOnce() throws Exception {
    OciStore store = store();
    try (OciStore.Session outer = store.session();
        OciStore.Session inner = store.session()) {
      store.put(OCTETS, utf8("in nested sessions"));
    }

    GarbageCollector.Result r =
        CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return GarbageCollector.collect(store, Set.of(), false);
                  } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                })
            .get(30, TimeUnit.SECONDS);

    assertThat(r.blobsRemoved()).isEqualTo(1);
  }
}
