package dev.ferry.oci.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Index;
import dev.ferry.oci.Platform;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An index pulled for some platforms only: stored whole, named with {@link Images#PARTIAL}. */
class PartialIndexTest {
  @TempDir Path dir;

  /** An index over two images of which only the first is in the store. */
  private Descriptor halfIndex(OciStore store) throws IOException {
    Descriptor amd = TestImages.store(store, "amd", 1).manifest().withPlatform(Platform.LINUX_AMD64);
    OciStore other = OciStore.open(dir.resolve("other"));
    Descriptor arm = TestImages.store(other, "arm", 1).manifest().withPlatform(Platform.LINUX_ARM64);
    return store.put(Index.of(List.of(amd, arm)));
  }

  @Test
  void check_partialIndexNamedPartial_clean() throws IOException {
    OciStore store = OciStore.open(dir.resolve("s"));
    store.tag("app:1", halfIndex(store).withAnnotation(Images.PARTIAL, "true"));
    assertThat(Fsck.check(store, n -> {}).problems()).isEmpty();
    Descriptor named = store.resolve("app:1").orElseThrow();
    assertThat(Images.isPartial(named)).isTrue();
    assertThat(Images.resolveAll(store, named)).extracting(Images.Image::platform).containsExactly(Platform.LINUX_AMD64);
  }

  @Test
  void check_sameIndexWithoutMarker_reportsMissingPlatform() throws IOException {
    OciStore store = OciStore.open(dir.resolve("s"));
    store.tag("app:1", halfIndex(store));
    assertThat(Fsck.check(store, n -> {}).problems()).singleElement().asString()
        .contains("missing blob").contains("linux/arm64");
  }

  @Test
  void check_partialIndex_stillReportsMissingLayerOfPulledPlatform() throws IOException {
    OciStore store = OciStore.open(dir.resolve("s"));
    Descriptor index = halfIndex(store);
    Descriptor amd = store.readIndex(index).manifests().get(0);
    store.tag("app:1", index.withAnnotation(Images.PARTIAL, "true"));
    store.delete(store.readManifest(amd).layers().get(0).digest());
    assertThat(Fsck.check(store, n -> {}).problems()).singleElement().asString().contains("layer 0");
  }

  @Test
  void gc_partialIndex_keepsPulledPlatform() throws IOException {
    OciStore store = OciStore.open(dir.resolve("s"));
    Descriptor index = halfIndex(store);
    store.tag("app:1", index.withAnnotation(Images.PARTIAL, "true"));
    int before = store.blobs().size();
    assertThat(Fsck.check(store, n -> {}).unreferenced()).isZero();
    GarbageCollector.collect(store, java.util.Set.of(), false);
    assertThat(store.blobs()).hasSize(before);
    assertThat(Fsck.check(store, n -> {}).problems()).isEmpty();
  }
}
