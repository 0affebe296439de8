package dev.ferry.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.archive.ArchiveFormat;
import dev.ferry.oci.archive.DockerArchive;
import dev.ferry.oci.archive.ImportOptions;
import dev.ferry.oci.archive.ImportResult;
import dev.ferry.oci.archive.ImportedImage;
import dev.ferry.oci.archive.OciArchive;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry import}: docker-archive, oci-archive or an OCI layout directory into the store. */
@Command(
    name = "import",
    aliases = "load",
    description = {
      "Import images from a docker-archive ('docker save'), an oci-archive, or an OCI layout directory.",
      "Blobs are verified while streaming; names are written only after everything is stored."
    })
final class ImportCommand extends BaseCommand {
  @Parameters(paramLabel = "FILE", description = "Archive file, '-' for standard input, or an OCI layout directory.")
  String file;

  @Option(names = "--format", paramLabel = "auto|docker-archive|oci-archive", description = "Archive format (default: detected).")
  String format = "auto";

  @Option(names = {"-t", "--name"}, paramLabel = "REF", description = "Name the (single) imported image REF instead of the names in the archive.")
  String name;

  @Override
  int execute() throws Exception {
    Optional<String> override = Optional.ofNullable(name).map(Images::storeName);
    OciStore store = store();
    ImportResult r;
    try (Progress p = progress("importing")) {
      // The archive readers report how far they have read (a running total); Progress adds increments.
      long[] reported = {0};
      ImportOptions opts =
          new ImportOptions(
              override,
              total -> {
                p.add(total - reported[0]);
                reported[0] = total;
              });
      if (file.equals("-")) {
        ArchiveFormat f = parseFormat();
        if (f == null) {
          throw new UsageException("reading standard input needs --format docker-archive or oci-archive");
        }
        r = f == ArchiveFormat.OCI_ARCHIVE
            ? OciArchive.importFrom(store, System.in, opts)
            : DockerArchive.importFrom(store, System.in, opts);
      } else {
        Path path = Path.of(file);
        if (!Files.exists(path)) {
          throw new java.io.FileNotFoundException("archive " + path + " does not exist");
        }
        if (Files.isDirectory(path)) {
          r = OciArchive.importLayout(store, path, opts);
        } else {
          ArchiveFormat f = parseFormat();
          if (f == null) {
            f = ArchiveFormat.detect(path);
          }
          r = f == ArchiveFormat.OCI_ARCHIVE
              ? OciArchive.importFrom(store, path, opts)
              : DockerArchive.importFrom(store, path, opts);
        }
      }
    }
    if (json()) {
      ObjectNode o = Json.object();
      ArrayNode imgs = o.putArray("images");
      for (ImportedImage i : r.images()) {
        ObjectNode io = imgs.addObject();
        io.put("name", i.name().orElse(""));
        io.put("digest", i.descriptor().digest().toString());
        io.put("mediaType", i.descriptor().mediaType());
      }
      o.put("bytesRead", r.bytesRead());
      o.put("blobsWritten", r.blobsWritten());
      o.put("blobsSkipped", r.blobsSkipped());
      out().println(Json.write(o));
      return 0;
    }
    for (ImportedImage i : r.images()) {
      info("Loaded " + i.name().orElse("(unnamed)") + " " + i.descriptor().digest());
    }
    info(r.blobsWritten() + " blobs written, " + r.blobsSkipped() + " already present");
    for (ImportedImage i : r.images()) {
      out().println(i.descriptor().digest());
    }
    return 0;
  }

  private ArchiveFormat parseFormat() {
    return switch (format) {
      case "auto" -> null;
      case "docker-archive", "docker" -> ArchiveFormat.DOCKER_ARCHIVE;
      case "oci-archive", "oci" -> ArchiveFormat.OCI_ARCHIVE;
      default -> throw new UsageException("--format must be auto, docker-archive or oci-archive, got '" + format + "'");
    };
  }
}
