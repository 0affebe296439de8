package dev.ferry.cli;

import dev.ferry.oci.store.GarbageCollector;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.server.RegistryState;
import java.io.IOException;
import java.time.Duration;

/**
 * Garbage collection as every command runs it: besides what {@code index.json} names, blobs a registry server
 * linked in the last hour and the manifests it serves by digest are kept, so a push in progress to
 * {@code ferry serve registry} on the same store loses nothing. Stateless.
 */
final class Collector {
  static final Duration SERVER_GRACE = Duration.ofHours(1);

  private Collector() {}

  static GarbageCollector.Result collect(OciStore store, boolean dryRun) throws IOException {
    return GarbageCollector.collect(store, () -> RegistryState.gcRoots(store, SERVER_GRACE), dryRun);
  }
}
