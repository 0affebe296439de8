package dev.ferry.bundle;

import dev.ferry.oci.Index;
import dev.ferry.oci.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The metadata at the head of a bundle (lock, signature, index), read without touching the blobs: for
 * {@code inspect} and for packing a delta {@code --since} an earlier bundle. Nothing here is verified beyond
 * parsing; {@link BundleVerifier} does that. Immutable.
 *
 * @param lock the lock
 * @param index the layout's index
 * @param signed whether a signature entry is there
 */
public record BundleMetadata(BundleLock lock, Index index, boolean signed) {
  /** Reads the entries before the first blob. */
  public static BundleMetadata read(BundleFile bundle) throws IOException {
    String label = bundle.path().getFileName().toString();
    Map<String, byte[]> meta = new HashMap<>();
    try (InputStream in = bundle.tarStream(); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        if (e.getName().startsWith("blobs/")) {
          if (meta.containsKey(BundleFormat.LOCK) && meta.containsKey(BundleFormat.INDEX)) {
            break;
          }
          continue;
        }
        if (e.isFile() && e.getSize() < (64 << 20)) {
          meta.put(e.getName(), tar.readAllBytes());
        }
      }
    }
    if (!meta.containsKey(BundleFormat.LOCK) || !meta.containsKey(BundleFormat.INDEX)) {
      throw new BundleException(label + " has no " + BundleFormat.LOCK + " or " + BundleFormat.INDEX + "; it is not a Ferry bundle");
    }
    BundleLock lock = BundleLock.parse(meta.get(BundleFormat.LOCK), label + "'s " + BundleFormat.LOCK);
    Index index;
    try {
      index = Index.parse(meta.get(BundleFormat.INDEX), Optional.of(MediaType.OCI_INDEX.value()));
    } catch (IllegalArgumentException e) {
      throw new BundleException(label + ": " + BundleFormat.INDEX + " is not a valid OCI index: " + e.getMessage());
    }
    return new BundleMetadata(lock, index, meta.containsKey(BundleFormat.SIGNATURE));
  }

  /** One small blob (an SBOM, a manifest) of {@code bundle}, its digest checked; documents sit before the layers. */
  public static byte[] readBlob(BundleFile bundle, dev.ferry.oci.Digest d) throws IOException {
    String want = BundleFormat.blobPath(d);
    try (InputStream in = bundle.tarStream(); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        if (e.getName().equals(want)) {
          if (e.getSize() > (64 << 20)) {
            throw new BundleException(want + " is " + e.getSize() + " bytes, too large to read into memory");
          }
          byte[] b = tar.readAllBytes();
          if (!dev.ferry.oci.Digest.sha256(b).equals(d)) {
            throw new BundleException(bundle.path().getFileName() + ": entry " + want + " is corrupt; 'ferry bundle verify' it");
          }
          return b;
        }
      }
    }
    throw new BundleException(bundle.path().getFileName() + " does not hold blob " + d);
  }

  /** Visits blob entries in tar order. */
  @FunctionalInterface
  public interface BlobVisitor {
    /** {@code content} is the entry's bytes, valid only during the call. */
    void visit(dev.ferry.oci.Digest digest, long size, InputStream content) throws IOException;
  }

  /** Reads the bundle front to back once, handing each blob entry to {@code visitor}. */
  public static void forEachBlob(BundleFile bundle, BlobVisitor visitor) throws IOException {
    try (InputStream in = bundle.tarStream(); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        Optional<dev.ferry.oci.Digest> d = BundleFormat.blobDigest(e.getName());
        if (d.isPresent() && e.isFile()) {
          visitor.visit(d.get(), e.getSize(), new dev.ferry.oci.store.VerifyingInputStream(
              new java.io.FilterInputStream(tar) {
                @Override
                public void close() {
                  // the tar stream stays open for the next entry
                }
              }, d.get(), e.getSize(), "entry " + e.getName() + " of " + bundle.path().getFileName()));
        }
      }
    }
  }

  /** The small blobs {@code wanted} (documents), read in one pass and checked against their digests. */
  public static Map<dev.ferry.oci.Digest, byte[]> readBlobs(BundleFile bundle, java.util.Set<dev.ferry.oci.Digest> wanted) throws IOException {
    Map<dev.ferry.oci.Digest, byte[]> out = new HashMap<>();
    forEachBlob(bundle, (d, size, content) -> {
      if (wanted.contains(d) && size <= (64 << 20)) {
        out.put(d, content.readAllBytes());
      }
    });
    return out;
  }
}
