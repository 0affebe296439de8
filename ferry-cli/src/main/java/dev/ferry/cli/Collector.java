package dev.ferry.cli;

import dev.ferry.build.BuildCache;
import dev.ferry.oci.Digest;
import dev.ferry.oci.store.GarbageCollector;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.server.RegistryState;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * Garbage collection as every command runs it: besides what {@code index.json} names, blobs a registry server
 * linked in the last hour and the manifests it serves by digest are kept, so a push in progress to
 * {@code ferry serve registry} on the same store loses nothing; the build step cache's records and layers are kept
 * too. Base images' extracted trees that builds keep go with the last of their layers. Stateless.
 */
final class Collector {
  static final Duration SERVER_GRACE = Duration.ofHours(1);

  private Collector() {}

  static GarbageCollector.Result collect(OciStore store, boolean dryRun) throws IOException {
    return GarbageCollector.collect(store, () -> roots(store), dryRun, () -> BuildCache.pruneExtractedImages(store));
  }

  /** Blobs kept besides what {@code index.json} reaches: the registry server's recent links and the build cache. */
  static Set<Digest> roots(OciStore store) throws IOException {
    Set<Digest> roots = new HashSet<>(RegistryState.gcRoots(store, SERVER_GRACE));
    roots.addAll(BuildCache.gcRoots(store));
    return roots;
  }
}
