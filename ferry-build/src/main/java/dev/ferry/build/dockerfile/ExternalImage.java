package dev.ferry.build.dockerfile;

import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import java.util.Objects;

/**
 * An image a build needs from outside: a {@code FROM}, {@code COPY --from} or {@code RUN --mount=from=} that names no
 * stage, after {@code ARG} expansion ({@code scratch} is never one). Immutable.
 *
 * @param reference the normalised reference
 * @param platform the platform the build needs it for
 * @param location the first place it is named
 */
public record ExternalImage(Reference reference, Platform platform, Location location) {
  public ExternalImage {
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(platform, "platform");
    Objects.requireNonNull(location, "location");
  }
}
