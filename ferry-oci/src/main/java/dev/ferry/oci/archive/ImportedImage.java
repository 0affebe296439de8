package dev.ferry.oci.archive;

import dev.ferry.oci.Descriptor;
import java.util.Objects;
import java.util.Optional;

/**
 * One image an import stored. Immutable.
 *
 * @param name the full normalised reference it was named as in the store ({@code docker.io/library/x:1}), or empty
 *     when the archive gave it no usable name; an unnamed image is reachable only through {@code descriptor} until
 *     the caller names it, and {@code gc} may remove it
 * @param descriptor the manifest or index that was stored, as the store's {@code index.json} now lists it
 */
public record ImportedImage(Optional<String> name, Descriptor descriptor) {
  public ImportedImage {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(descriptor, "descriptor");
  }
}
