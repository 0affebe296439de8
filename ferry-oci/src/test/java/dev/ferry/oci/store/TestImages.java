package dev.ferry.oci.store;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.ImageConfig;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Builds tiny images in a store through its public API, for store tests. */
final class TestImages {

  /** A stored image: its manifest descriptor, config and layers. */
  record Image(Descriptor manifest, Descriptor config, List<Descriptor> layers) {}

  private TestImages() {}

  /** One config, {@code layerCount} small layers with content derived from {@code seed}, and a manifest. */
  static Image store(OciStore store, String seed, int layerCount) throws IOException {
    ImageConfig.Builder config = ImageConfig.builder(Platform.LINUX_AMD64);
    List<Descriptor> layers = new java.util.ArrayList<>();
    for (int i = 0; i < layerCount; i++) {
      byte[] content = ("layer " + i + " of " + seed).getBytes(StandardCharsets.UTF_8);
      Descriptor layer = store.put(MediaType.OCI_LAYER.value(), content);
      layers.add(layer);
      config.addLayer(layer.digest(), ImageConfig.History.of(null, "layer " + i, false));
    }
    Descriptor configDescriptor = store.put(config.build());
    Manifest manifest = Manifest.of(configDescriptor, layers);
    return new Image(store.put(manifest), configDescriptor, List.copyOf(layers));
  }

  /** Like {@link #store} and names the image. */
  static Image storeNamed(OciStore store, String name, int layerCount) throws IOException {
    Image image = store(store, name, layerCount);
    store.tag(name, image.manifest());
    return image;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
