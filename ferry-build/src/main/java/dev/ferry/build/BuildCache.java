package dev.ferry.build;

import dev.ferry.build.internal.RootfsCache;
import dev.ferry.build.internal.StepCache;
import dev.ferry.oci.Digest;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.util.Set;

/**
 * The build step cache kept in a store ({@code .ferry/build-cache/}): what garbage collection must keep of it; and
 * the extracted base images builds start from ({@code .ferry/build-rootfs/}), which it prunes.
 * Stateless and thread-safe.
 */
public final class BuildCache {
  private BuildCache() {}

  /** The blobs the step cache refers to (its record blobs and the layers they name), for {@code ferry gc}. */
  public static Set<Digest> gcRoots(OciStore store) throws IOException {
    return StepCache.roots(store);
  }

  /**
   * Removes the extracted trees of base images that builds keep ({@code .ferry/build-rootfs/}) whose layers are no
   * longer all in the store, and leftovers of interrupted extractions. Only with no build running: under gc's
   * exclusive lock.
   *
   * @return how many were removed
   */
  public static int pruneExtractedImages(OciStore store) throws IOException {
    return RootfsCache.prune(store);
  }
}
