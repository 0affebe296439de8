package dev.ferry.bundle;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Index;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import dev.ferry.oci.store.OciStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Small images written straight into a store: gzip layers of given files, a config, a manifest. */
final class TestImages {
  private TestImages() {}

  /** A gzip layer holding {@code files} (path → content). */
  static Descriptor layer(OciStore store, Map<String, String> files) throws IOException {
    Map<String, byte[]> bytes = new java.util.TreeMap<>();
    files.forEach((k, v) -> bytes.put(k, v.getBytes(StandardCharsets.UTF_8)));
    return binaryLayer(store, bytes);
  }

  /** A gzip layer holding {@code files} (path → bytes). */
  static Descriptor binaryLayer(OciStore store, Map<String, byte[]> files) throws IOException {
    ByteArrayOutputStream tarBytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(tarBytes)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (var e : new java.util.TreeMap<>(files).entrySet()) {
        byte[] b = e.getValue();
        TarArchiveEntry te = new TarArchiveEntry(e.getKey());
        te.setSize(b.length);
        tar.putArchiveEntry(te);
        tar.write(b);
        tar.closeArchiveEntry();
      }
    }
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
      g.write(tarBytes.toByteArray());
    }
    Descriptor d = store.put(MediaType.OCI_LAYER_GZIP.value(), gz.toByteArray());
    DIFF_IDS.put(d.digest(), Digest.sha256(tarBytes.toByteArray()));
    return d;
  }

  private static final Map<Digest, Digest> DIFF_IDS = new java.util.concurrent.ConcurrentHashMap<>();

  /** A manifest of {@code layers} for {@code platform}. */
  static Descriptor image(OciStore store, Platform platform, List<Descriptor> layers) throws IOException {
    List<String> diffIds = new ArrayList<>();
    layers.forEach(l -> diffIds.add("\"" + DIFF_IDS.get(l.digest()) + "\""));
    String config = "{\"architecture\":\"" + platform.architecture() + "\",\"os\":\"" + platform.os()
        + "\",\"config\":{\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + String.join(",", diffIds) + "]}}";
    Descriptor c = store.put(MediaType.OCI_CONFIG.value(), config.getBytes(StandardCharsets.UTF_8));
    return store.put(Manifest.of(c, layers));
  }

  /** An index of manifests, each with its platform. */
  static Descriptor index(OciStore store, Map<Platform, Descriptor> manifests) throws IOException {
    List<Descriptor> entries = new ArrayList<>();
    manifests.forEach((p, m) -> entries.add(Descriptor.of(m.mediaType(), m.digest(), m.size()).withPlatform(p)));
    return store.put(Index.of(entries));
  }
}
