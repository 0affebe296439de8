package dev.ferry.registry.client;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import java.util.List;

/**
 * What a pull did. Immutable.
 *
 * @param reference what was asked for
 * @param source where it came from: {@code reference} itself or a mirror's rewrite of it
 * @param descriptor the top manifest or index as stored and named (its digest is the registry's)
 * @param storeName the name it has in the store (the full reference)
 * @param platforms the platforms stored (empty for an image without platform information)
 * @param partial whether only some entries of an index were pulled (the index is stored whole, marked partial)
 * @param blobsFetched blobs moved over the network
 * @param blobsSkipped blobs the store already had
 * @param bytesFetched bytes moved over the network for blobs
 * @param attempts one line per source tried before {@code source} succeeded (mirrors that failed)
 */
public record PullResult(
    Reference reference,
    Reference source,
    Descriptor descriptor,
    String storeName,
    List<Platform> platforms,
    boolean partial,
    int blobsFetched,
    int blobsSkipped,
    long bytesFetched,
    List<String> attempts) {
  public PullResult {
    platforms = List.copyOf(platforms);
    attempts = List.copyOf(attempts);
  }

  /** Whether the image came from a mirror rather than its own registry. */
  public boolean fromMirror() {
    return !source.registry().equals(reference.registry()) || !source.repository().equals(reference.repository());
  }
}
