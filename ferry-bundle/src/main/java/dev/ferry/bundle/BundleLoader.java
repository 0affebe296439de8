package dev.ferry.bundle;

import dev.ferry.oci.Digest;
import dev.ferry.oci.archive.ImportOptions;
import dev.ferry.oci.archive.ImportResult;
import dev.ferry.oci.archive.OciArchive;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.io.InputStream;
import java.security.PublicKey;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * {@code ferry bundle load}: a bundle's images and artifacts into a store, named {@code name:tag}. The whole bundle
 * is verified first (one pass), so a damaged or wrongly signed bundle writes nothing; then it is imported in a
 * second pass, each blob checked again as it is stored and names written last. Stateless.
 */
public final class BundleLoader {
  private BundleLoader() {}

  /** What was loaded. */
  public record Loaded(BundleVerifier.Report verified, ImportResult imported) {}

  public static Loaded load(OciStore store, BundleFile bundle, Optional<PublicKey> key, LongConsumer progress) throws IOException {
    BundleVerifier.Report r = BundleVerifier.verify(bundle, key, progress);
    if (r.lock().isDelta()) {
      List<Digest> missing = r.lock().base().stream().map(BundleLock.BaseBlob::digest).filter(d -> !store.exists(d)).toList();
      throw new BundleException(bundle.path().getFileName() + " is a delta: it leaves out " + r.lock().base().size()
          + " blob(s) the site registry has" + (missing.isEmpty() ? "" : " (" + missing.size() + " not in this store, e.g. " + missing.get(0) + ")")
          + "; push it to that registry with 'ferry bundle push', or load the full bundle");
    }
    try (InputStream in = bundle.tarStream()) {
      return new Loaded(r, OciArchive.importFrom(store, in, ImportOptions.defaults()));
    }
  }
}
