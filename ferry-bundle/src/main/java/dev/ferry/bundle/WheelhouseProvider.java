package dev.ferry.bundle;

import dev.ferry.bundle.spec.Target;
import dev.ferry.bundle.spec.WheelhouseSpec;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The extension point through which the Python support fills the {@code wheelhouses} of a {@code ferry.yaml}: given
 * one entry (its {@code settings} are the Python-specific fields, untouched) and the targets it is packed for, it
 * puts a wheelhouse into the store as an OCI artifact (a manifest, or an index with one manifest per target
 * platform) and returns its descriptor; {@link Packer} then carries it like a model. Until a provider is
 * given, packing a spec with wheelhouses stops with a message saying so.
 */
@FunctionalInterface
public interface WheelhouseProvider {
  /** No Python support: every wheelhouse is refused. */
  WheelhouseProvider NONE = (store, specDir, wheelhouse, targets) -> {
    throw new IOException(
        "wheelhouse " + wheelhouse.name() + " needs Ferry's Python support, which this build of Ferry does not have;"
            + " remove 'wheelhouses' from the spec or use a Ferry with Python support");
  };

  /** Fills {@code wheelhouse} for {@code targets} into {@code store} and returns the artifact's top descriptor. */
  Descriptor fill(OciStore store, Path specDir, WheelhouseSpec wheelhouse, List<Target> targets) throws IOException;
}
