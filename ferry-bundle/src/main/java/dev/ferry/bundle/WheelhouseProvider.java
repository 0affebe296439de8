package dev.ferry.bundle;

import dev.ferry.bundle.spec.Target;
import dev.ferry.bundle.spec.WheelhouseSpec;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Platform;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * How {@link Packer} fills the {@code wheelhouses} of a {@code ferry.yaml} and installs one into an image that names
 * it. {@link PythonWheelhouses} is the implementation; {@link #NONE} refuses (tests of specs without Python).
 */
public interface WheelhouseProvider {
  /** No Python support: every wheelhouse is refused. */
  WheelhouseProvider NONE = (store, specDir, wheelhouse, targets) -> {
    throw new IOException("wheelhouse " + wheelhouse.name() + " cannot be packed here: no Python support was given to the packer");
  };

  /**
   * Fills {@code wheelhouse} for {@code targets} into {@code store} and returns the artifact's top descriptor (an
   * index with one manifest per target platform).
   */
  Descriptor fill(OciStore store, Path specDir, WheelhouseSpec wheelhouse, List<Target> targets) throws IOException;

  /**
   * Installs the wheels a filled wheelhouse holds for {@code target} into the {@code platform} image of {@code image}
   * as one new layer, and returns the new image's manifest descriptor (with its platform).
   */
  default Descriptor install(OciStore store, String wheelhouse, Target target, Descriptor image, Platform platform)
      throws IOException {
    throw new IOException("wheelhouse " + wheelhouse + " cannot be installed here: no Python support was given to the packer");
  }
}
