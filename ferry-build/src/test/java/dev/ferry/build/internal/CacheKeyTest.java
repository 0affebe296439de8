package dev.ferry.build.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.build.dockerfile.ContextFiles;
import dev.ferry.build.dockerfile.DockerIgnore;
import dev.ferry.oci.Digest;
import dev.ferry.oci.store.OciStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CacheKeyTest {
  @TempDir Path tmp;

  @Test
  void chain_sameParts_sameKey_anyPartOrParentChanged_otherKey() {
    Digest a = PlatformBuild.chain(null, "RUN", "make", "{A=1}");
    assertThat(PlatformBuild.chain(null, "RUN", "make", "{A=1}")).isEqualTo(a);
    assertThat(PlatformBuild.chain(null, "RUN", "make", "{A=2}")).isNotEqualTo(a);
    assertThat(PlatformBuild.chain(a, "RUN", "make", "{A=1}")).isNotEqualTo(a);
    // parts are length-prefixed: moving a boundary changes the key
    assertThat(PlatformBuild.chain(null, "RUN", "makeX", "")).isNotEqualTo(PlatformBuild.chain(null, "RUN", "make", "X"));
  }

  @Test
  void contentHash_followsContentsAndModes_notIgnoredFiles() throws Exception {
    Path ctx = Files.createDirectories(tmp.resolve("ctx"));
    Files.createDirectories(ctx.resolve("d"));
    Files.writeString(ctx.resolve("d/a"), "1");
    Files.writeString(ctx.resolve("d/x.log"), "noise");
    ContextFiles files = ContextFiles.of(ctx, DockerIgnore.parse("*.log\nd/*.log\n"));
    String h = CopyStep.contentHash(files, ctx, List.of("d"));
    Files.writeString(ctx.resolve("d/x.log"), "other noise");
    assertThat(CopyStep.contentHash(files, ctx, List.of("d"))).isEqualTo(h);
    Files.writeString(ctx.resolve("d/a"), "2");
    String h2 = CopyStep.contentHash(files, ctx, List.of("d"));
    assertThat(h2).isNotEqualTo(h);
    Files.setPosixFilePermissions(ctx.resolve("d/a"), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    assertThat(CopyStep.contentHash(files, ctx, List.of("d"))).isNotEqualTo(h2);
  }

  @Test
  void stepCache_storesAndFindsRecords_andNamesThemAsGcRoots() throws Exception {
    OciStore store = OciStore.open(tmp.resolve("store"));
    StepCache cache = new StepCache(store);
    Digest key = PlatformBuild.chain(null, "x");
    assertThat(cache.lookup(key)).isEmpty();
    var layer = store.put("application/vnd.oci.image.layer.v1.tar", new byte[1024]);
    cache.store(key, new StepCache.Record(Optional.of(layer), Optional.of(layer.digest()), "RUN x"));
    StepCache.Record r = cache.lookup(key).orElseThrow();
    assertThat(r.layer().get().digest()).isEqualTo(layer.digest());
    assertThat(r.createdBy()).isEqualTo("RUN x");
    assertThat(StepCache.roots(store)).contains(layer.digest()).hasSize(2);
    store.delete(layer.digest());
    assertThat(cache.lookup(key)).isEmpty();
  }
}
