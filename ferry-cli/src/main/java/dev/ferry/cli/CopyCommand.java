package dev.ferry.cli;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import dev.ferry.oci.archive.ArchiveFormat;
import dev.ferry.oci.archive.DockerArchive;
import dev.ferry.oci.archive.ImportOptions;
import dev.ferry.oci.archive.ImportResult;
import dev.ferry.oci.archive.ImportedImage;
import dev.ferry.oci.archive.OciArchive;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.client.PlatformSelection;
import dev.ferry.registry.client.PullResult;
import dev.ferry.registry.client.PushResult;
import dev.ferry.registry.client.RegistryClient;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry copy}: an image from one location to another, through the store ("read A, write B"). Digests are
 * kept, except that a docker-archive holds one platform and uncompressed layers.
 */
@Command(
    name = "copy",
    description = {
      "Copy an image between locations, as skopeo copy does; the image passes through (and stays in) the store.",
      "Locations: docker://REF, oci:DIR[:NAME], oci-archive:FILE[:NAME], docker-archive:FILE[:NAME], store:REF."
    })
final class CopyCommand extends BaseCommand {
  @Parameters(index = "0", paramLabel = "SOURCE")
  String source;

  @Parameters(index = "1", paramLabel = "DESTINATION")
  String destination;

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", description = "Platforms to copy from a docker:// source (repeatable; default: all for registry-to-registry copies, else this machine's); the platform a docker-archive gets.")
  List<String> platforms = new ArrayList<>();

  @Option(names = {"-a", "--all-platforms"}, description = "Copy every platform of a docker:// source.")
  boolean all;

  @Mixin RegistryOptions registry;

  @Override
  int execute() throws Exception {
    Location src = Location.parse(source);
    Location dst = Location.parse(destination);
    if (all && !platforms.isEmpty()) {
      throw new UsageException("--all-platforms and --platform exclude each other");
    }
    OciStore store = store();
    try (RegistryClient client = needsRegistry(src, dst) ? registry.client() : null;
        TransferProgress progress = new TransferProgress(this, "copying")) {
      Descriptor image = read(src, dst, store, client, progress);
      Descriptor written = write(dst, image, store, client, progress);
      info("Copied " + source + " to " + destination);
      out().println(written.digest());
    }
    return 0;
  }

  private static boolean needsRegistry(Location a, Location b) {
    return a.transport() == Location.Transport.DOCKER || b.transport() == Location.Transport.DOCKER;
  }

  /** Brings the source into the store; returns its named descriptor there. */
  private Descriptor read(Location src, Location dst, OciStore store, RegistryClient client, TransferProgress progress)
      throws IOException {
    return switch (src.transport()) {
      case STORE -> Images.require(store, src.reference().orElseThrow().toString());
      case DOCKER -> {
        PlatformSelection sel;
        if (all || (platforms.isEmpty() && dst.transport() == Location.Transport.DOCKER)) {
          sel = PlatformSelection.all();
        } else if (platforms.isEmpty()) {
          sel = PlatformSelection.host();
        } else {
          sel = PlatformSelection.of(platforms.stream().map(Platform::parse).toList());
        }
        PullResult r = client.pull(store, src.reference().orElseThrow(), sel, progress);
        yield Images.require(store, r.storeName());
      }
      case OCI -> {
        Path dir = src.path().orElseThrow();
        if (!Files.isRegularFile(dir.resolve("oci-layout"))) {
          throw new java.io.FileNotFoundException("no OCI layout at " + dir + " (it has no oci-layout file)");
        }
        OciStore layout = OciStore.open(dir);
        Descriptor d = pick(layout.entries(), src.name(), "OCI layout " + dir);
        String name = storeName(src.name().orElse(d.refName().orElse(null)), d);
        yield OciArchive.copy(layout, d, store, name);
      }
      case OCI_ARCHIVE, DOCKER_ARCHIVE -> {
        Path file = src.path().orElseThrow();
        if (!Files.isRegularFile(file)) {
          throw new java.io.FileNotFoundException("archive " + file + " does not exist");
        }
        ImportOptions opts = ImportOptions.defaults();
        ImportResult r =
            src.transport() == Location.Transport.OCI_ARCHIVE && ArchiveFormat.detect(file, ArchiveFormat.OCI_ARCHIVE) == ArchiveFormat.OCI_ARCHIVE
                ? OciArchive.importFrom(store, file, opts)
                : DockerArchive.importFrom(store, file, opts);
        List<Descriptor> imported = new ArrayList<>();
        for (ImportedImage i : r.images()) {
          imported.add(i.name().map(n -> i.descriptor().withAnnotation(Descriptor.REF_NAME, n)).orElse(i.descriptor()));
        }
        Optional<String> wanted = src.name().map(CopyCommand::normalised);
        Descriptor d = pick(imported, wanted, "archive " + file);
        if (d.refName().isEmpty()) {
          String name = storeName(src.name().orElse(null), d);
          store.tag(name, d);
          d = d.withAnnotation(Descriptor.REF_NAME, name);
        }
        yield d;
      }
    };
  }

  private Descriptor write(Location dst, Descriptor image, OciStore store, RegistryClient client, TransferProgress progress)
      throws IOException {
    String storeName = image.refName().orElseThrow();
    switch (dst.transport()) {
      case STORE -> {
        String name = dst.reference().orElseThrow().toString();
        store.tag(name, image.withAnnotation(Descriptor.REF_NAME, null));
        return image;
      }
      case DOCKER -> {
        PushResult r = client.push(store, storeName, dst.reference().orElseThrow(), progress);
        return r.descriptor();
      }
      case OCI -> {
        String name = dst.name().orElse(storeName);
        return OciArchive.copy(store, image, OciStore.open(dst.path().orElseThrow()), name);
      }
      default -> {
        Path target = dst.path().orElseThrow().toAbsolutePath();
        Path tmp = target.resolveSibling("." + target.getFileName() + ".ferry-tmp");
        Descriptor named = image.withAnnotation(Descriptor.REF_NAME, dst.name().map(CopyCommand::normalised).orElse(storeName));
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 256 * 1024)) {
          if (dst.transport() == Location.Transport.OCI_ARCHIVE) {
            OciArchive.exportDescriptors(store, List.of(named), out);
          } else {
            Platform p = platforms.size() == 1 ? Platform.parse(platforms.get(0)) : Platform.host();
            DockerArchive.exportDescriptors(store, List.of(named), p, out);
          }
        } catch (IOException | RuntimeException e) {
          Files.deleteIfExists(tmp);
          throw e;
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return image;
      }
    }
  }

  /** The one entry named {@code wanted}, or the only entry when no name is given. */
  private static Descriptor pick(List<Descriptor> entries, Optional<String> wanted, String where) {
    if (wanted.isPresent()) {
      String w = wanted.get();
      String normal = normalised(w);
      return entries.stream()
          .filter(d -> d.refName().filter(n -> n.equals(w) || n.equals(normal)).isPresent())
          .findFirst()
          .orElseThrow(() -> new IllegalArgumentException(where + " has no image named '" + w + "'; it has: " + names(entries)));
    }
    if (entries.size() != 1) {
      throw new IllegalArgumentException(
          where + " holds " + entries.size() + " images (" + names(entries) + "); name one after the path, e.g. oci:DIR:NAME");
    }
    return entries.get(0);
  }

  private static String names(List<Descriptor> entries) {
    return String.join(", ", entries.stream().map(d -> d.refName().orElse(d.digest().toString())).toList());
  }

  /** A name as the store keeps it: the full reference when it parses as one, else as given. */
  private static String normalised(String name) {
    try {
      return Reference.parse(name).toString();
    } catch (IllegalArgumentException e) {
      return name;
    }
  }

  /** The store name for an image that arrives from a layout or archive. */
  private static String storeName(String given, Descriptor d) {
    if (given != null) {
      return normalised(given);
    }
    return "localhost/ferry-copy:" + d.digest().hex().substring(0, 12);
  }
}
