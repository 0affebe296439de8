package dev.ferry.cli;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.ImageConfig;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import dev.ferry.oci.layer.LayerWriter;
import dev.ferry.oci.layer.WrittenLayer;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Assembles images in a store through the store API, for layers the CLI cannot make (diffs with whiteouts,
 * hand-made hostile tars, unknown media types). Stateless.
 */
final class TestImages {
  private TestImages() {}

  /** One layer blob with the media type and diffID the manifest and config will declare. */
  record Layer(String mediaType, byte[] blob, Digest diffId) {
    /** A layer written by Ferry's {@link LayerWriter}. */
    static Layer written(WrittenLayer w, byte[] blob) {
      return new Layer(w.mediaType().value(), blob, w.diffId());
    }

    /** An uncompressed tar, whose digest is its diffID. */
    static Layer plainTar(byte[] tar) {
      return new Layer(MediaType.OCI_LAYER.value(), tar, Digest.sha256(tar));
    }

    Layer withMediaType(String type) {
      return new Layer(type, blob, diffId);
    }
  }

  /** The full tree of {@code dir} as a gzip layer, entries owned as on disk. */
  static Layer layerOf(Path dir) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    WrittenLayer w = LayerWriter.builder().build().write(dir, out);
    return Layer.written(w, out.toByteArray());
  }

  /** The changes from {@code lower} to {@code upper} (whiteouts included) as a gzip layer. */
  static Layer diffOf(Path lower, Path upper) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    WrittenLayer w = LayerWriter.builder().build().writeDiff(lower, upper, out);
    return Layer.written(w, out.toByteArray());
  }

  /** Stores the layers, a config for this machine's platform with {@code cmd}, and an OCI manifest named {@code name}. */
  static Descriptor put(Path storeDir, String name, List<Layer> layers, List<String> cmd) throws IOException {
    OciStore store = OciStore.open(storeDir);
    Platform platform = Platform.host();
    try (OciStore.Session s = store.session()) {
      String created = "1970-01-01T00:00:00Z";
      ImageConfig.Builder config = ImageConfig.builder(platform).created(created);
      List<Descriptor> descriptors = new ArrayList<>();
      for (Layer l : layers) {
        descriptors.add(store.put(l.mediaType(), l.blob()));
        config.addLayer(l.diffId(), ImageConfig.History.of(created, "test layer", false));
      }
      if (!cmd.isEmpty()) {
        config.cmd(cmd);
      }
      Descriptor configDescriptor = store.put(config.build());
      Descriptor manifest = store.put(Manifest.of(configDescriptor, descriptors)).withPlatform(platform);
      store.tag(Images.storeName(name), manifest);
      return manifest;
    }
  }
}
