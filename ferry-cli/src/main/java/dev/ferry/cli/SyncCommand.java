package dev.ferry.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Index;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.client.PlatformSelection;
import dev.ferry.registry.client.PullResult;
import dev.ferry.registry.client.RegistryClient;
import dev.ferry.registry.client.RemoteManifest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
    String prefix = to.endsWith("/") ? to.substring(0, to.length() - 1) : to;
    if (prefix.isEmpty() || prefix.contains("://")) {
      throw new UsageException("--to needs REGISTRY[/PREFIX] (no scheme), got '" + to + "'");
    }
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

  /** {@code PREFIX/<repository path>[:tag][@digest]}: the source registry host is dropped, the path kept. */
  static Reference destination(String prefix, Reference source) {
    String suffix = source.tag().map(t -> ":" + t).orElse("") + source.digest().map(d -> "@" + d).orElse("");
    return Reference.parse(prefix + "/" + source.repository() + suffix);
  }

  private Synced syncOne(
      RegistryClient client, OciStore store, Reference source, Reference dest, PlatformSelection sel, TransferProgress progress)
      throws IOException {
    PullResult pulled = client.pull(store, source, sel, progress);
    Descriptor top = Images.require(store, pulled.storeName());
    String pushName = pulled.storeName();
    if (pulled.partial()) {
      // Push only what was pulled: an index of the chosen platforms, named after its destination in the store.
      List<Descriptor> present = store.readIndex(top).manifests().stream().filter(d -> store.exists(d.digest())).toList();
      Descriptor sub = store.put(Index.of(top.knownMediaType().orElse(MediaType.OCI_INDEX), present, Map.of()));
      pushName = dest.toString();
      store.tag(pushName, sub);
      top = sub;
    }
    Reference byTag = dest;
    Optional<Descriptor> remote = dest.tag().isPresent() ? client.head(Reference.parse(dest.name() + ":" + dest.tag().get())) : Optional.empty();
    if (remote.isPresent() && remote.get().isIndex() && !remote.get().digest().equals(top.digest())) {
      RemoteManifest there = client.manifest(Reference.parse(dest.name() + "@" + remote.get().digest()));
      Index theirs = Index.parse(there.bytes(), Optional.of(there.descriptor().mediaType()));
      List<Descriptor> ours = entriesOf(store, top);
      Set<String> ourPlatforms = new HashSet<>();
      ours.forEach(d -> d.platform().ifPresent(p -> ourPlatforms.add(p.toString())));
      List<Descriptor> merged = new ArrayList<>(ours);
      for (Descriptor d : theirs.manifests()) {
        if (d.platform().map(p -> !ourPlatforms.contains(p.toString())).orElse(false)) {
          merged.add(d);
        }
      }
      client.push(store, pushName, Reference.parse(dest.name() + "@" + top.digest()), progress);
      boolean docker = theirs.mediaType().isDocker();
      boolean mixed = merged.stream().anyMatch(d -> d.knownMediaType().map(t -> t.isDocker() != docker).orElse(true));
      MediaType type = mixed ? MediaType.OCI_INDEX : theirs.mediaType();
      Index index = Index.of(type, merged, theirs.annotations());
      client.putManifest(byTag, index.descriptor(), index.bytes());
      return new Synced(source, dest, index.descriptor(), true);
    }
    return new Synced(source, dest, client.push(store, pushName, dest, progress).descriptor(), false);
  }

  /** The platform manifests of {@code top}: an index's entries, or a manifest with its config's platform. */
  private static List<Descriptor> entriesOf(OciStore store, Descriptor top) throws IOException {
    if (top.isIndex()) {
      return store.readIndex(top).manifests();
    }
    Images.Image img = Images.resolve(store, top, Optional.empty());
    return List.of(Descriptor.of(top.mediaType(), top.digest(), top.size()).withPlatform(img.config().platform()));
  }
}
