package dev.ferry.cli;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Index;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Reference;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.client.ProgressListener;
import dev.ferry.registry.client.RegistryClient;
import dev.ferry.registry.client.RemoteManifest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Pushing images from the store under one {@code REGISTRY/PREFIX}, keeping each repository path: shared by
 * {@code ferry sync} and {@code ferry build-all --push-deps/--push}. A destination tag that already holds an index for
 * other platforms is merged with, not overwritten. Stateless.
 */
final class PrefixPush {
  private PrefixPush() {}

  /** One pushed image. */
  record Pushed(Reference source, Reference destination, Descriptor pushed, boolean merged) {}

  /** {@code REGISTRY[/PREFIX]} as typed for {@code option}, without a trailing slash. */
  static String prefix(String option, String to) {
    String prefix = to.endsWith("/") ? to.substring(0, to.length() - 1) : to;
    if (prefix.isEmpty() || prefix.contains("://")) {
      throw new UsageException(option + " needs REGISTRY[/PREFIX] (no scheme), got '" + to + "'");
    }
    return prefix;
  }

  /** {@code PREFIX/<repository path>[:tag][@digest]}: the source registry host is dropped, the path kept. */
  static Reference destination(String prefix, Reference source) {
    String suffix = source.tag().map(t -> ":" + t).orElse("") + source.digest().map(d -> "@" + d).orElse("");
    return Reference.parse(prefix + "/" + source.repository() + suffix);
  }

  /**
   * Pushes the image named {@code storeName} to {@code dest}. Of a partially pulled index only the entries present
   * are pushed (as a new index, named {@code dest} in the store); an index already at {@code dest}'s tag keeps its
   * other platforms.
   */
  static Pushed push(RegistryClient client, OciStore store, Reference source, String storeName, Reference dest,
      ProgressListener progress) throws IOException {
    Descriptor top = Images.require(store, storeName);
    String pushName = storeName;
    if (Images.isPartial(top)) {
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
      return new Pushed(source, dest, index.descriptor(), true);
    }
    return new Pushed(source, dest, client.push(store, pushName, dest, progress).descriptor(), false);
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
