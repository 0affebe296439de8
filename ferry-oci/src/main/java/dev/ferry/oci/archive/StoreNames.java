package dev.ferry.oci.archive;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.util.List;

/** Writing an import's names in one atomic {@code index.json} update. Thread-safe. */
final class StoreNames {
  private StoreNames() {}

  /** Points each named image's name at its descriptor, replacing what the name meant before; unnamed ones are skipped. */
  static void apply(OciStore store, List<ImportedImage> images) throws IOException {
    if (images.stream().noneMatch(i -> i.name().isPresent())) {
      return;
    }
    store.updateEntries(
        list -> {
          for (ImportedImage i : images) {
            i.name()
                .ifPresent(
                    n -> {
                      list.removeIf(d -> d.refName().filter(n::equals).isPresent());
                      list.add(i.descriptor().withAnnotation(Descriptor.REF_NAME, n));
                    });
          }
          return list;
        });
  }
}
