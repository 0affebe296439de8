package dev.ferry.oci.archive;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.ImageConfig;
import dev.ferry.oci.Index;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import dev.ferry.oci.store.OciStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Seeded test images built in a store: reproducible layer tars, configs, manifests and indexes. */
final class TestImages {
  private TestImages() {}

  /** A stored image. */
  record Image(Descriptor manifest, ImageConfig config, List<Digest> diffIds, List<Descriptor> layers) {}

  /** An uncompressed layer tar with {@code files} files of {@code size} seeded random bytes each. */
  static byte[] layer(long seed, int files, int size) {
    Random r = new Random(seed);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      TarArchiveEntry dir = new TarArchiveEntry("data/");
      dir.setLastModifiedTime(FileTime.from(Instant.EPOCH));
      tar.putArchiveEntry(dir);
      tar.closeArchiveEntry();
      for (int i = 0; i < files; i++) {
        byte[] content = new byte[size];
        r.nextBytes(content);
        TarArchiveEntry e = new TarArchiveEntry("data/f" + seed + "-" + i);
        e.setSize(size);
        e.setLastModifiedTime(FileTime.from(Instant.EPOCH));
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
      }
      tar.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static byte[] gzip(byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(b);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * Stores an image made of {@code layerTars} (gzip-compressed in the store when {@code gzip}) and names it
   * {@code name} unless null.
   */
  static Image image(OciStore store, String name, Platform platform, List<byte[]> layerTars, boolean gzip)
      throws IOException {
    ImageConfig.Builder b = ImageConfig.builder(platform).created("1970-01-01T00:00:00Z").cmd(List.of("/bin/sh"));
    List<Descriptor> layers = new ArrayList<>();
    List<Digest> diffIds = new ArrayList<>();
    int i = 0;
    for (byte[] tar : layerTars) {
      Digest diffId = Digest.sha256(tar);
      diffIds.add(diffId);
      b.addLayer(diffId, ImageConfig.History.of("1970-01-01T00:00:00Z", "layer " + i++, false));
      layers.add(gzip ? store.put(MediaType.OCI_LAYER_GZIP.value(), gzip(tar)) : store.put(MediaType.OCI_LAYER.value(), tar));
    }
    ImageConfig config = b.build();
    Descriptor configDescriptor = store.put(config);
    Manifest m = Manifest.of(configDescriptor, layers);
    Descriptor d = store.put(m);
    if (name != null) {
      store.tag(name, d);
    }
    return new Image(d, config, diffIds, layers);
  }

  /** Stores an index of {@code images} (each with its config's platform) and names it. */
  static Descriptor index(OciStore store, String name, List<Image> images) throws IOException {
    List<Descriptor> entries = images.stream().map(i -> i.manifest().withPlatform(i.config().platform())).toList();
    Descriptor d = store.put(Index.of(entries));
    store.tag(name, d);
    return d;
  }
}
