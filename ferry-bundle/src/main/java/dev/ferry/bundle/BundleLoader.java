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
 * second pass, each blob checked again as it is stored and names written last. A delta loads into a store that
 * holds its base (the blobs it leaves out) and is refused, listing them, by one that does not. Stateless.
 */
public final class BundleLoader {
  private BundleLoader() {}

  /** What was loaded. */
  public record Loaded(BundleVerifier.Report verified, ImportResult imported) {}

  public static Loaded load(OciStore store, BundleFile bundle, Optional<PublicKey> key, LongConsumer progress) throws IOException {
    BundleVerifier.Report r = BundleVerifier.verify(bundle, key, progress);
    List<Digest> missing = r.lock().base().stream().map(BundleLock.BaseBlob::digest).filter(d -> !store.exists(d)).toList();
    if (!missing.isEmpty()) {
      throw new BundleException(bundle.path().getFileName() + " is a delta that needs " + missing.size() + " blob(s) this store does not have: "
          + String.join(", ", missing.stream().limit(10).map(Digest::toString).toList()) + (missing.size() > 10 ? ", …" : "")
          + "; load the bundle it was made against first, or push it to the registry that has them");
    }
    java.util.Set<Digest> base = new java.util.HashSet<>();
    r.lock().base().forEach(b -> base.add(b.digest()));
    try (InputStream in = bundle.tarStream()) {
      return new Loaded(r, OciArchive.importFrom(store, in, ImportOptions.defaults().withFromStore(base)));
    }
  }
}
