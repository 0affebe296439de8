package dev.ferry.cli;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.layer.ExtractionLimits;
import dev.ferry.oci.layer.ExtractionResult;
import dev.ferry.oci.layer.LayerExtractor;
import dev.ferry.oci.layer.LayerSource;
import dev.ferry.oci.runtime.RuntimeSpecs;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry unpack}: an image's layers, applied in order, into a root filesystem directory. */
@Command(
    name = "unpack",
    description = {
      "Unpack an image into a root filesystem directory, applying whiteouts and refusing unsafe entries.",
      "With --bundle, DIR becomes an OCI runtime bundle (DIR/rootfs + DIR/config.json) that 'runc run' starts."
    })
final class UnpackCommand extends BaseCommand {
  @Parameters(index = "0", paramLabel = "REF", description = "Image name or digest.")
  String ref;

  @Parameters(index = "1", paramLabel = "DIR", description = "Target directory; must be missing or empty.")
  Path dir;

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", description = "Platform of a multi-platform image (default: this machine's).")
  String platform;

  @Option(names = "--bundle", description = "Write an OCI runtime bundle: DIR/rootfs and DIR/config.json.")
  boolean bundle;

  @Option(names = "--no-chown", description = "Do not set file owners (default: set them when running as root).")
  boolean noChown;

  @Option(names = "--max-bytes", paramLabel = "N", description = "Refuse layers that unpack to more than N bytes in all (default 64 GiB).")
  long maxBytes = ExtractionLimits.DEFAULTS.maxTotalBytes();

  @Option(names = "--max-entries", paramLabel = "N", description = "Refuse layers with more than N entries in all (default 10 million).")
  long maxEntries = ExtractionLimits.DEFAULTS.maxEntries();

  @Override
  int execute() throws Exception {
    var p = platform(platform);
    if (Files.exists(dir)) {
      try (var s = Files.list(dir)) {
        if (s.findAny().isPresent()) {
          throw new UsageException("target directory " + dir + " is not empty; unpack into a new or empty directory");
        }
      }
    }
    OciStore store = store();
    Images.Image img = Images.resolve(store, Images.require(store, ref), p);
    Path rootfs = bundle ? dir.resolve("rootfs") : dir;
    Files.createDirectories(rootfs);
    LayerExtractor.Builder b =
        LayerExtractor.builder().limits(new ExtractionLimits(maxBytes, maxEntries, Math.min(maxBytes, ExtractionLimits.DEFAULTS.maxFileBytes())));
    if (noChown) {
      b.chown(false);
    }
    List<InputStream> streams = new ArrayList<>();
    ExtractionResult r;
    try (Progress progress = progress("unpacking")) {
      List<LayerSource> sources = new ArrayList<>();
      List<Descriptor> layers = img.manifest().layers();
      var diffIds = img.config().diffIds();
      if (diffIds.size() != layers.size()) {
        throw new java.io.IOException(
            "image " + ref + " has " + layers.size() + " layers but its config lists " + diffIds.size() + " diff_ids; it is corrupt");
      }
      for (int i = 0; i < layers.size(); i++) {
        Descriptor l = layers.get(i);
        MediaType type = layerType(l);
        InputStream blob = store.open(l); // verifies the blob digest while reading
        streams.add(blob);
        InputStream in =
            new java.io.FilterInputStream(blob) {
              @Override
              public int read(byte[] buf, int off, int len) throws java.io.IOException {
                int n = super.read(buf, off, len);
                if (n > 0) {
                  progress.add(n);
                }
                return n;
              }
            };
        sources.add(LayerSource.of(in, type).withDiffId(diffIds.get(i)));
      }
      r = b.build().extract(sources, rootfs);
    } finally {
      for (InputStream in : streams) {
        in.close();
      }
    }
    if (bundle) {
      Files.write(dir.resolve("config.json"), RuntimeSpecs.configJson(img.config(), List.of(), "rootfs", false));
    }
    r.warnings().forEach(w -> info("warning: " + w));
    info(
        "Unpacked "
            + img.manifest().layers().size()
            + " layers ("
            + r.entries()
            + " entries, "
            + Bytes.human(r.bytes())
            + ") of "
            + img.platform()
            + " into "
            + rootfs
            + (bundle ? "; run it with: runc run --bundle " + dir + " NAME" : ""));
    return 0;
  }

  /**
   * The layer's media type; an unknown or non-layer type is a problem of the image, not of the command line, so it
   * fails with exit 1 (an {@link java.io.IOException}) rather than 2, listing the types Ferry can unpack.
   */
  private MediaType layerType(Descriptor layer) throws java.io.IOException {
    Optional<MediaType> type = MediaType.find(layer.mediaType()).filter(MediaType::isLayer);
    if (type.isEmpty()) {
      List<String> layerTypes =
          Arrays.stream(MediaType.values()).filter(MediaType::isLayer).map(MediaType::value).toList();
      throw new java.io.IOException(
          "layer "
              + layer.digest()
              + " of image "
              + ref
              + " has media type '"
              + layer.mediaType()
              + "', which Ferry cannot unpack; supported layer types: "
              + String.join(", ", layerTypes));
    }
    return type.get();
  }
}
