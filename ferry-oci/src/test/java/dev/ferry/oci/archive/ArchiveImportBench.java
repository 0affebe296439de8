package dev.ferry.oci.archive;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.ImageConfig;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import dev.ferry.oci.store.OciStore;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Manual benchmark driver (not a test): {@code generate STORE OUT.tar MIB LAYERS} writes a docker-archive of
 * seeded, half-compressible layers; {@code import ARCHIVE STORE} imports one and prints the time. Run it under
 * {@code /usr/bin/time -v} beside {@code skopeo copy docker-archive:… oci:…}.
 */
public final class ArchiveImportBench {
  private ArchiveImportBench() {}

  public static void main(String[] args) throws IOException {
    switch (args[0]) {
      case "generate" -> generate(Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
      case "import" -> {
        long t0 = System.nanoTime();
        ImportResult r = DockerArchive.importFrom(OciStore.open(Path.of(args[2])), Path.of(args[1]), ImportOptions.defaults());
        System.out.printf("imported %d bytes in %.2f s: %s%n", r.bytesRead(), (System.nanoTime() - t0) / 1e9, r);
      }
      default -> throw new IllegalArgumentException("usage: generate STORE OUT MIB LAYERS | import ARCHIVE STORE");
    }
  }

  private static void generate(Path storeDir, Path out, int mib, int layerCount) throws IOException {
    OciStore store = OciStore.open(storeDir);
    Random r = new Random(42);
    ImageConfig.Builder b = ImageConfig.builder(Platform.LINUX_AMD64);
    List<Descriptor> layers = new ArrayList<>();
    byte[] chunk = new byte[1 << 20];
    for (int l = 0; l < layerCount; l++) {
      Path tmp = Files.createTempFile(storeDir, "layer", ".tar");
      try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
        int files = mib / layerCount / 8;
        for (int f = 0; f < files; f++) {
          TarArchiveEntry e = new TarArchiveEntry("data/l" + l + "/f" + f);
          e.setSize(8L << 20);
          tar.putArchiveEntry(e);
          for (int c = 0; c < 8; c++) {
            r.nextBytes(chunk);
            java.util.Arrays.fill(chunk, 0, chunk.length / 2, (byte) ('a' + c)); // half compressible
            tar.write(chunk);
          }
          tar.closeArchiveEntry();
        }
      }
      Descriptor d;
      try (var in = Files.newInputStream(tmp); OciStore.BlobWriter w = store.newBlob()) {
        in.transferTo(w);
        d = Descriptor.of(MediaType.OCI_LAYER, w.commit(), Files.size(tmp));
      }
      Files.delete(tmp);
      b.addLayer(d.digest(), ImageConfig.History.of(null, "layer " + l, false));
      layers.add(d);
    }
    ImageConfig c = b.build();
    Descriptor m = store.put(Manifest.of(store.put(c), layers));
    store.tag("docker.io/library/bench:1", m);
    try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20)) {
      DockerArchive.export(store, List.of("bench:1"), Platform.LINUX_AMD64, o);
    }
    System.out.println("wrote " + out + " " + Files.size(out) + " bytes; config " + c.digest() + " " + Digest.class.getSimpleName());
  }
}
