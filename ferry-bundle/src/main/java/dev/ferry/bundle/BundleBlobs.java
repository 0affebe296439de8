package dev.ferry.bundle;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.store.VerifyingInputStream;
import dev.ferry.registry.client.BlobOpener;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * Random access to the blobs of a verified plain bundle: each blob read straight from its place in the tar (or its
 * parts), its digest checked again while it is read. Thread-safe.
 */
final class BundleBlobs implements BlobOpener {
  private final BundleFile bundle;
  private final Map<Digest, Long> offsets;
  private final Map<Digest, BundleLock.LockedBlob> blobs;

  BundleBlobs(BundleFile bundle, BundleVerifier.Report verified) throws BundleException {
    if (bundle.compressed()) {
      throw new BundleException(bundle.path().getFileName() + " is zstd-compressed, so its blobs cannot be read in place;"
          + " decompress it first (zstd -d) or 'ferry bundle load' it and push from the store");
    }
    this.bundle = bundle;
    this.offsets = verified.offsets();
    this.blobs = verified.lock().blobsByDigest();
  }

  boolean has(Digest d) {
    return offsets.containsKey(d);
  }

  long size(Digest d) {
    return blobs.get(d).size();
  }

  @Override
  public InputStream open(Descriptor blob) throws IOException {
    return open(blob.digest());
  }

  InputStream open(Digest d) throws IOException {
    Long offset = offsets.get(d);
    if (offset == null) {
      throw new BundleException(bundle.path().getFileName() + " does not hold blob " + d);
    }
    long size = blobs.get(d).size();
    return new VerifyingInputStream(bundle.range(offset, size), d, size, "blob " + d + " in " + bundle.path().getFileName());
  }

  byte[] read(Digest d) throws IOException {
    try (InputStream in = open(d)) {
      return in.readAllBytes();
    }
  }
}
