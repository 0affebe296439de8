package dev.ferry.bundle;

import dev.ferry.oci.Digest;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names inside a {@code .ferry} tar and of split parts. A bundle is one tar (optionally zstd-compressed as a
 * whole, optionally split into {@code NAME.000}, {@code NAME.001}, …) holding, in this order: {@code oci-layout},
 * {@code ferry.lock.json}, {@code ferry.lock.json.sig} (when signed), {@code checksums.sha256}, {@code index.json},
 * then {@code blobs/sha256/<hex>}: documents (manifests, indexes, configs, SBOMs) first, then layers and files.
 */
public final class BundleFormat {
  public static final String LAYOUT = "oci-layout";
  public static final String INDEX = "index.json";
  public static final String LOCK = "ferry.lock.json";
  public static final String SIGNATURE = "ferry.lock.json.sig";
  public static final String CHECKSUMS = "checksums.sha256";
  /** Media type of a CycloneDX JSON SBOM blob. */
  public static final String SBOM_MEDIA_TYPE = "application/vnd.cyclonedx+json";
  /** Annotation on an image's index.json entry naming its delivery name ({@code name:tag}). */
  public static final String DELIVERY_NAME = "dev.ferry.bundle.name";

  private static final Pattern BLOB = Pattern.compile("blobs/sha256/([0-9a-f]{64})");

  private BundleFormat() {}

  /** {@code blobs/sha256/<hex>}. */
  public static String blobPath(Digest d) {
    return "blobs/" + d.algorithm().id() + "/" + d.hex();
  }

  /** The digest a blob entry's name promises. */
  public static Optional<Digest> blobDigest(String entryName) {
    Matcher m = BLOB.matcher(entryName);
    return m.matches() ? Optional.of(Digest.parse("sha256:" + m.group(1))) : Optional.empty();
  }

  /** The file of split part {@code n} of {@code bundle}: {@code bundle.000}. */
  public static Path part(Path bundle, int n) {
    return bundle.resolveSibling(bundle.getFileName() + String.format(".%03d", n));
  }
}
