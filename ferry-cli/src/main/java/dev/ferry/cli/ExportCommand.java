package dev.ferry.cli;

import dev.ferry.oci.Platform;
import dev.ferry.oci.archive.DockerArchive;
import dev.ferry.oci.archive.OciArchive;
import dev.ferry.oci.io.NonClosingOutputStream;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry export}: images from the store to a docker-archive, an oci-archive or an OCI layout directory. */
@Command(
    name = "export",
    aliases = "save",
    description = {
      "Export images to a docker-archive ('docker load' reads it), an oci-archive, or an OCI layout directory.",
      "The file appears only when complete: it is written beside the target and renamed."
    })
final class ExportCommand extends BaseCommand {
  @Parameters(arity = "1..*", paramLabel = "REF", description = "Images to export (names or digests).")
  List<String> refs;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "Output file ('-' for standard output) or, for oci-dir, a directory.")
  String output;

  @Option(
      names = "--format",
      paramLabel = "docker-archive|oci-archive|oci-dir",
      description = "Output format (default: docker-archive).")
  String format = "docker-archive";

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", description = "docker-archive only: platform of multi-platform images (default: this machine's).")
  String platform;

  @Override
  int execute() throws Exception {
    if (!List.of("docker-archive", "oci-archive", "oci-dir").contains(format)) {
      throw new UsageException("--format must be docker-archive, oci-archive or oci-dir, got '" + format + "'");
    }
    Platform p = platform(platform).orElse(Platform.host());
    OciStore store = store();
    List<String> names = new ArrayList<>();
    for (String r : refs) {
      names.add(Images.require(store, r).refName().orElse(r));
    }
    if (format.equals("oci-dir")) {
      OciArchive.exportLayout(store, names, Path.of(output));
      info("Exported " + names.size() + " image(s) to OCI layout " + output);
      return 0;
    }
    if (output.equals("-")) {
      OutputStream stdout = new BufferedOutputStream(new NonClosingOutputStream(System.out), 256 * 1024);
      write(store, names, p, stdout);
      stdout.flush();
      return 0;
    }
    Path target = Path.of(output).toAbsolutePath();
    if (Files.isDirectory(target)) {
      throw new UsageException("output " + target + " is a directory; give a file name");
    }
    Path tmp = target.resolveSibling("." + target.getFileName() + ".ferry-tmp");
    try (Progress pr = progress("exporting");
        OutputStream out = new ProgressOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 256 * 1024), pr)) {
      write(store, names, p, out);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    info("Exported " + String.join(", ", names) + " to " + target + " (" + format + ")");
    return 0;
  }

  private void write(OciStore store, List<String> names, Platform p, OutputStream out) throws IOException {
    if (format.equals("oci-archive")) {
      OciArchive.export(store, names, out);
    } else {
      DockerArchive.export(store, names, p, out);
    }
  }
}
