package dev.ferry.build;

import dev.ferry.build.internal.StepCache;
import dev.ferry.oci.Digest;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.util.Set;

/**
 * The build step cache kept in a store ({@code .ferry/build-cache/}): what garbage collection must keep of it.
 * Stateless and thread-safe.
 */
public final class BuildCache {
  private BuildCache() {}

  /** The blobs the step cache refers to (its record blobs and the layers they name), for {@code ferry gc}. */
  public static Set<Digest> gcRoots(OciStore store) throws IOException {
    return StepCache.roots(store);
  }
}
