package dev.ferry.bundle;

import dev.ferry.oci.Digest;
import java.util.List;
import java.util.Map;

/**
 * What the destination already has, for packing a delta: blob digests and the repositories (paths under the
 * inventory's prefix) that hold each. Immutable.
 *
 * @param source where this came from, for messages ({@code inventory.json}, {@code previous.ferry})
 * @param blobs each digest the site has, with repositories holding it (empty when unknown, as for a previous bundle)
 */
public record DeltaBase(String source, Map<Digest, List<String>> blobs) {
  /** No base: a full bundle. */
  public static final DeltaBase NONE = new DeltaBase("", Map.of());

  public DeltaBase {
    blobs = Map.copyOf(blobs);
  }

  public boolean has(Digest d) {
    return blobs.containsKey(d);
  }
}
