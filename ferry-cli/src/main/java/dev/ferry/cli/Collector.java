package dev.ferry.cli;

import dev.ferry.oci.store.GarbageCollector;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.server.RegistryState;
import java.io.IOException;
import java.time.Duration;

/**
 * Garbage collection as every command runs it: besides what {@code index.json} names, blobs a registry server
 * linked in the last hour and the manifests it serves by digest are kept, so a push in progress to
 * {@code ferry serve registry} on the same store loses nothing; the build step cache's records and layers are kept
 * too. Stateless.
 */
final class Collector {
  static final Duration SERVER_GRACE = Duration.ofHours(1);

  private Collector() {}

  static GarbageCollector.Result collect(OciStore store, boolean dryRun) throws IOException {
    return GarbageCollector.collect(
        store,
        () -> {
          java.util.Set<dev.ferry.oci.Digest> roots =
              new java.util.HashSet<>(RegistryState.gcRoots(store, SERVER_GRACE));
          roots.addAll(dev.ferry.build.BuildCache.gcRoots(store));
          return roots;
        },
        dryRun);
  }
}
