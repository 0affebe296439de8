package dev.ferry.oci.archive;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Reference;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.util.Optional;

/** Resolving user-typed names against a store's {@code index.json}. Thread-safe. */
final class Names {
  private Names() {}

  /**
   * The entry named {@code name} as a user may type it (see {@link Images#require}); the result carries the name it
   * was found under.
   */
  static Descriptor resolve(OciStore store, String name) throws IOException {
    return Images.require(store, name);
  }

  /** The store name for an archive's name: the full normalised reference. */
  static Optional<String> normalise(String name) {
    try {
      return Optional.of(Reference.parse(name).toString());
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
