package dev.ferry.build;

import dev.ferry.oci.Descriptor;
import java.util.List;
import java.util.Objects;

/**
 * What a build made. Immutable.
 *
 * @param image the image manifest, or the index when several platforms were built; in the store
 * @param platforms one manifest per platform, in request order
 * @param steps the steps that were considered for caching (WORKDIR, COPY, ADD, RUN) over all platforms
 * @param cachedSteps how many of them came from the cache
 */
public record BuildResult(Descriptor image, List<Descriptor> platforms, int steps, int cachedSteps) {
  public BuildResult {
    Objects.requireNonNull(image, "image");
    platforms = List.copyOf(platforms);
  }
}
