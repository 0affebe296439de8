package dev.ferry.bundle;

import dev.ferry.bundle.spec.ArtifactSpec;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Files and models as OCI artifacts, the way ORAS lays them out: one layer per file (titled with its path relative
 * to the artifact's root), the empty config, an {@code artifactType} saying what it is. Architecture-neutral, so
 * carried once whatever the targets. Stateless.
 */
final class Artifacts {
  static final String TITLE = "org.opencontainers.image.title";
  private static final byte[] EMPTY = "{}".getBytes(StandardCharsets.UTF_8);

  private Artifacts() {}

  /** An artifact put into the store: its manifest's descriptor and its files. */
  record Stored(Descriptor manifest, List<BundleLock.LockedFile> files) {}

  /** Streams every file of {@code spec} into {@code store} and writes the artifact manifest (not named). */
  static Stored put(OciStore store, ArtifactSpec spec) throws IOException {
    Path root = spec.path();
    List<Path> files = new ArrayList<>();
    if (Files.isDirectory(root)) {
      try (Stream<Path> s = Files.walk(root)) {
        s.filter(Files::isRegularFile).sorted().forEach(files::add);
      }
      if (files.isEmpty()) {
        throw new IOException(spec.kind().label() + " " + spec.name() + ": directory " + root + " holds no files");
      }
    } else {
      files.add(root);
    }
    List<Descriptor> layers = new ArrayList<>();
    List<BundleLock.LockedFile> locked = new ArrayList<>();
    try (OciStore.Session s = store.session()) {
      for (Path f : files) {
        String rel = Files.isDirectory(root) ? root.relativize(f).toString().replace('\\', '/') : f.getFileName().toString();
        Digest d;
        long size;
        try (OciStore.BlobWriter w = store.newBlob(); InputStream in = Files.newInputStream(f)) {
          in.transferTo(w);
          size = w.count();
          d = w.commit();
        }
        layers.add(Descriptor.of(spec.kind().layerType(), d, size).withAnnotation(TITLE, rel));
        locked.add(new BundleLock.LockedFile(rel, d, size));
      }
      Descriptor config = store.put(MediaType.OCI_EMPTY.value(), EMPTY);
      Manifest m = Manifest.of(MediaType.OCI_MANIFEST, config, layers, Map.of(), java.util.Optional.empty(), java.util.Optional.of(spec.kind().artifactType()));
      return new Stored(store.put(m), locked);
    }
  }
}
