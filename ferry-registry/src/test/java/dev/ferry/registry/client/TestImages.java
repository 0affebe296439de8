package dev.ferry.registry.client;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.ImageConfig;
import dev.ferry.oci.Index;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import dev.ferry.oci.layer.LayerEntry;
import dev.ferry.oci.layer.LayerWriter;
import dev.ferry.oci.layer.WrittenLayer;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Seeded images written into a store with {@link LayerWriter}, for registry tests. */
final class TestImages {
  private TestImages() {}

  /**
   * Writes an image for {@code platform} whose layers hold one file of seeded random bytes each, of the given
   * sizes (uncompressed tar: random bytes do not compress, and the test wants exact blob sizes), and names it.
   */
  static Descriptor image(OciStore store, String name, long seed, Platform platform, int... layerSizes) throws IOException {
    Descriptor m = manifest(store, seed, platform, layerSizes);
    store.tag(name, m);
    return m;
  }

  static Descriptor manifest(OciStore store, long seed, Platform platform, int... layerSizes) throws IOException {
    Random random = new Random(seed);
    LayerWriter writer = LayerWriter.builder().compression(MediaType.Compression.NONE).build();
    ImageConfig.Builder config = ImageConfig.builder(platform).cmd(List.of("/bin/sh"));
    List<Descriptor> layers = new ArrayList<>();
    for (int i = 0; i < layerSizes.length; i++) {
      byte[] content = new byte[layerSizes[i]];
      random.nextBytes(content);
      WrittenLayer w;
      try (OciStore.BlobWriter out = store.newBlob()) {
        w = writer.write(List.of(LayerEntry.directory("data"), LayerEntry.file("data/f" + i + "-" + seed, content)), out);
        out.commit(w.digest(), w.size());
      }
      layers.add(Descriptor.of(w.mediaType(), w.digest(), w.size()));
      config.addLayer(w.diffId(), ImageConfig.History.of(null, "layer " + i, false));
    }
    Descriptor c = store.put(config.build());
    return store.put(Manifest.of(c, layers));
  }

  /** An OCI index over one image per platform, named. */
  static Descriptor index(OciStore store, String name, long seed, List<Platform> platforms, int... layerSizes) throws IOException {
    List<Descriptor> entries = new ArrayList<>();
    long s = seed;
    for (Platform p : platforms) {
      entries.add(manifest(store, s++, p, layerSizes).withPlatform(p));
    }
    Descriptor i = store.put(Index.of(entries));
    store.tag(name, i);
    return i;
  }
}
