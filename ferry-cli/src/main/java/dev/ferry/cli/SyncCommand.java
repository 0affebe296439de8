package dev.ferry.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.client.PlatformSelection;
import dev.ferry.registry.client.PullResult;
import dev.ferry.registry.client.RegistryClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ferry sync}: every image of a list, pulled (mirrors first) and pushed under one registry prefix, keeping
 * each repository path — seed 004's "push every dependency to Harbor". A destination tag that already holds an
 * index for other platforms is merged with, not overwritten.
 */
@Command(
    name = "sync",
    description = {
      "Copy every image listed in a file to REGISTRY/PREFIX, keeping repository paths:",
      "docker.io/library/busybox:1 goes to REGISTRY/PREFIX/library/busybox:1. Lines: one reference each; '#' starts a comment.",
      "When the destination tag already holds an index for other platforms, the platforms are merged into it."
    })
final class SyncCommand extends BaseCommand {
  @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "The image list.")
  Path file;

  @Option(names = "--to", required = true, paramLabel = "REGISTRY[/PREFIX]", description = "Destination registry and optional path prefix, e.g. harbor.corp/deps.")
  String to;

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", description = "Platforms to sync (repeatable; default: all).")
  List<String> platforms = new ArrayList<>();

  @Option(names = {"-n", "--dry-run"}, description = "Only print where each image would go.")
  boolean dryRun;

  @Mixin RegistryOptions registry;

  /** One synced image. */
  record Synced(Reference source, Reference destination, Descriptor pushed, boolean merged) {}

  @Override
  int execute() throws Exception {
    List<Reference> sources = readList(file);
    String prefix = PrefixPush.prefix("--to", to);
    List<Reference> destinations = new ArrayList<>();
    for (Reference s : sources) {
      destinations.add(destination(prefix, s));
    }
    if (dryRun) {
      for (int i = 0; i < sources.size(); i++) {
        out().println(sources.get(i) + " -> " + destinations.get(i));
      }
      return 0;
    }
    PlatformSelection sel =
        platforms.isEmpty() ? PlatformSelection.all() : PlatformSelection.of(platforms.stream().map(Platform::parse).toList());
    OciStore store = store();
    List<Synced> done = new ArrayList<>();
    try (RegistryClient client = registry.client();
        TransferProgress progress = new TransferProgress(this, "syncing")) {
      for (int i = 0; i < sources.size(); i++) {
        done.add(syncOne(client, store, sources.get(i), destinations.get(i), sel, progress));
        Synced s = done.get(done.size() - 1);
        info((i + 1) + "/" + sources.size() + " " + s.source() + " -> " + s.destination() + (s.merged() ? " (merged with the platforms already there)" : ""));
      }
    }
    if (json()) {
      ArrayNode a = Json.array();
      for (Synced s : done) {
        ObjectNode o = a.addObject();
        o.put("source", s.source().toString());
        o.put("destination", s.destination().toString());
        o.put("digest", s.pushed().digest().toString());
        o.put("merged", s.merged());
      }
      out().println(Json.write(a));
    } else {
      for (Synced s : done) {
        out().println(s.source() + " -> " + s.destination() + "@" + s.pushed().digest());
      }
    }
    return 0;
  }

  static List<Reference> readList(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new java.io.FileNotFoundException("image list " + file + " does not exist");
    }
    List<Reference> out = new ArrayList<>();
    int n = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      n++;
      String l = line.replaceFirst("#.*$", "").strip();
      if (l.isEmpty()) {
        continue;
      }
      try {
        out.add(Reference.parse(l));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file + ":" + n + ": " + e.getMessage(), e);
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("image list " + file + " names no image");
    }
    return out;
  }

  /** {@code PREFIX/<repository path>[:tag][@digest]}: see {@link PrefixPush#destination}. */
  static Reference destination(String prefix, Reference source) {
    return PrefixPush.destination(prefix, source);
  }

  private Synced syncOne(
      RegistryClient client, OciStore store, Reference source, Reference dest, PlatformSelection sel, TransferProgress progress)
      throws IOException {
    PullResult pulled = client.pull(store, source, sel, progress);
    PrefixPush.Pushed p = PrefixPush.push(client, store, source, pulled.storeName(), dest, progress);
    return new Synced(p.source(), p.destination(), p.pushed(), p.merged());
  }
}
