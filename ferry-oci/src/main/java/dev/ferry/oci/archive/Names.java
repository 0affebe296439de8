package dev.ferry.oci.archive;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Reference;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Resolving user-typed names against a store's {@code index.json}. Thread-safe. */
final class Names {
  private Names() {}

  /**
   * The entry named {@code name}, tried first in its normalised form ({@code busybox:1} → {@code
   * docker.io/library/busybox:1}) and then as typed; the result carries the name it was found under.
   */
  static Descriptor resolve(OciStore store, String name) throws IOException {
    List<String> candidates = new ArrayList<>();
    try {
      candidates.add(Reference.parse(name).toString());
    } catch (IllegalArgumentException e) {
      // Not a reference; it may still be a name some other tool wrote.
    }
    candidates.add(name);
    List<Descriptor> entries = store.entries();
    for (String c : candidates) {
      Optional<Descriptor> d = entries.stream().filter(e -> e.refName().filter(c::equals).isPresent()).findFirst();
      if (d.isPresent()) {
        return d.get();
      }
    }
    List<String> known = entries.stream().flatMap(e -> e.refName().stream()).sorted().limit(20).toList();
    throw new IOException(
        "no image named '" + name + "' in store " + store.root() + (known.isEmpty() ? " (it has no names)" : "; it has: " + String.join(", ", known)));
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
