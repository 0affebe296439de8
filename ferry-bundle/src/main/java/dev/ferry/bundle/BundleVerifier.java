package dev.ferry.bundle;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Index;
import dev.ferry.oci.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongConsumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Checks a bundle in one sequential pass: every blob entry hashes to its name, every entry the lock and
 * {@code checksums.sha256} list is there with its size and hash and nothing else is, {@code index.json} is the one
 * the lock names, and — with a key — the lock's signature. The first bad entry in tar order is named in a
 * {@link BundleException}; a truncated bundle or part is named too. Stateless.
 */
public final class BundleVerifier {
  private static final Set<String> METADATA = Set.of(BundleFormat.LAYOUT, BundleFormat.LOCK, BundleFormat.SIGNATURE,
      BundleFormat.CHECKSUMS, BundleFormat.INDEX);
  private static final int MAX_METADATA = 64 << 20;
  /** Hashing lanes: SHA-256 runs at about 900 MiB/s per core (DESIGN.md §5), reading far faster. */
  private static final int LANES = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

  private BundleVerifier() {}

  /**
   * What a verification found.
   *
   * @param lock the verified lock
   * @param index the verified layout index
   * @param signed whether the bundle carries a signature
   * @param signatureChecked whether that signature was checked against a key
   * @param entries tar entries read
   * @param bytes blob bytes hashed
   * @param offsets where each blob's data starts in the tar (plain bundles only; empty for a compressed one)
   */
  public record Report(
      BundleLock lock, Index index, boolean signed, boolean signatureChecked, int entries, long bytes, Map<Digest, Long> offsets) {}

  /**
   * Verifies {@code bundle}; with {@code key}, the signature must be there and be that key's.
   *
   * @throws BundleException naming the first bad entry or part, or the signature problem
   */
  public static Report verify(BundleFile bundle, Optional<PublicKey> key, LongConsumer progress) throws IOException {
    String label = bundle.path().getFileName().toString();
    Map<String, byte[]> meta = new HashMap<>();
    Map<Digest, Long> blobs = new LinkedHashMap<>();
    int entries = 0;
    long hashed = 0;
    String current = null;
    java.util.Deque<Pending> pendingHashes = new java.util.ArrayDeque<>();
    Map<Digest, Long> offsets = new HashMap<>();
    try (InputStream raw = bundle.tarStream();
        Counting in = new Counting(raw);
        TarArchiveInputStream tar = new TarArchiveInputStream(in, 10240, 512);
        ParallelHasher hasher = new ParallelHasher(LANES, 16)) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        long dataOffset = in.count;
        current = e.getName();
        entries++;
        if (e.isDirectory()) {
          continue;
        }
        if (!e.isFile()) {
          throw new BundleException(label + ": entry " + current + " is not a regular file; a bundle holds only files");
        }
        if (METADATA.contains(current)) {
          if (e.getSize() > MAX_METADATA) {
            throw new BundleException(label + ": entry " + current + " is " + e.getSize() + " bytes, too large for bundle metadata");
          }
          if (meta.put(current, tar.readAllBytes()) != null) {
            throw new BundleException(label + ": entry " + current + " appears twice");
          }
          if (meta.get(current).length != e.getSize()) {
            throw truncated(bundle, label, current, null);
          }
          continue;
        }
        Optional<Digest> named = BundleFormat.blobDigest(current);
        if (named.isEmpty()) {
          throw new BundleException(label + ": unexpected entry " + current + "; a bundle holds only its metadata and blobs/sha256/*");
        }
        ParallelHasher.Entry h = hasher.start(e.getSize());
        long n = 0;
        while (true) {
          byte[] buf = h.buffer();
          int r = tar.read(buf, 0, buf.length);
          if (r <= 0) {
            h.add(buf, 0);
            break;
          }
          h.add(buf, r);
          n += r;
          hashed += r;
          progress.accept(hashed);
        }
        if (n != e.getSize()) {
          throw truncated(bundle, label, current, null);
        }
        pendingHashes.add(new Pending(current, named.get(), n, dataOffset, h.finish()));
        drain(pendingHashes, false, label, blobs, offsets, bundle);
      }
      drain(pendingHashes, true, label, blobs, offsets, bundle);
    } catch (BundleException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw truncated(bundle, label, current, e);
    }
    return check(label, meta, blobs, key, entries, hashed, offsets);
  }

  /** A blob entry whose hash is being computed. */
  private record Pending(String name, Digest named, long size, long offset, java.util.concurrent.Future<Digest> digest) {}

  /** Checks finished hashes in tar order (all of them when {@code all}); the first mismatch is the one named. */
  private static void drain(java.util.Deque<Pending> pending, boolean all, String label, Map<Digest, Long> blobs, Map<Digest, Long> offsets,
      BundleFile bundle) throws IOException {
    while (!pending.isEmpty() && (all || pending.peekFirst().digest().isDone())) {
      Pending p = pending.pollFirst();
      Digest actual = ParallelHasher.get(p.digest());
      if (!actual.equals(p.named())) {
        throw new BundleException(label + ": entry " + p.name() + " is corrupt: its content hashes to " + actual
            + "; the bundle was damaged after packing (copy it again)");
      }
      if (blobs.put(actual, p.size()) != null) {
        throw new BundleException(label + ": entry " + p.name() + " appears twice");
      }
      if (!bundle.compressed()) {
        offsets.put(actual, p.offset());
      }
    }
  }

  private static BundleException truncated(BundleFile bundle, String label, String entry, Throwable cause) {
    String where = entry == null ? "before its first entry" : "in entry " + entry;
    String part = bundle.split()
        ? " (the last part, " + bundle.parts().get(bundle.parts().size() - 1).getFileName() + ", is truncated or a later part is missing)"
        : "";
    String why = cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage();
    return new BundleException(label + " ends early or is damaged " + where + part + why + "; copy it again", cause);
  }

  private static Report check(
      String label, Map<String, byte[]> meta, Map<Digest, Long> blobs, Optional<PublicKey> key, int entries, long hashed, Map<Digest, Long> offsets)
      throws BundleException {
    for (String required : new String[] {BundleFormat.LAYOUT, BundleFormat.LOCK, BundleFormat.CHECKSUMS, BundleFormat.INDEX}) {
      if (!meta.containsKey(required)) {
        throw new BundleException(label + ": entry " + required + " is missing; it is not a Ferry bundle or it is incomplete");
      }
    }
    byte[] lockBytes = meta.get(BundleFormat.LOCK);
    boolean signed = meta.containsKey(BundleFormat.SIGNATURE);
    if (key.isPresent()) {
      if (!signed) {
        throw new SignatureException(label + " is not signed (no " + BundleFormat.SIGNATURE + "); ask the sender for a signed bundle");
      }
      Signatures.check(key.get(), lockBytes, meta.get(BundleFormat.SIGNATURE), label + "'s " + BundleFormat.LOCK);
    }
    Map<String, String> sums = sums(label, meta);
    // The metadata entries first: damage to the lock or index is then named as such, not by its consequences.
    for (String f : new String[] {BundleFormat.LAYOUT, BundleFormat.LOCK, BundleFormat.INDEX}) {
      if (!Digest.sha256(meta.get(f)).hex().equals(sums.get(f))) {
        throw new BundleException(label + ": entry " + f + " does not match its line in " + BundleFormat.CHECKSUMS
            + " (one of them was damaged after packing)");
      }
    }
    BundleLock lock = BundleLock.parse(lockBytes, label + "'s " + BundleFormat.LOCK);
    byte[] indexBytes = meta.get(BundleFormat.INDEX);
    if (!Digest.sha256(indexBytes).equals(lock.layoutIndex())) {
      throw new BundleException(label + ": entry " + BundleFormat.INDEX + " is not the one the lock names (" + lock.layoutIndex() + ")");
    }
    Index index;
    try {
      index = Index.parse(indexBytes, Optional.of(MediaType.OCI_INDEX.value()));
    } catch (IllegalArgumentException e) {
      throw new BundleException(label + ": entry " + BundleFormat.INDEX + " is not a valid OCI index: " + e.getMessage());
    }
    for (BundleLock.LockedBlob b : lock.blobs()) {
      Long size = blobs.get(b.digest());
      if (size == null) {
        throw new BundleException(label + ": entry " + BundleFormat.blobPath(b.digest()) + " is missing (the lock lists it)");
      }
      if (size != b.size()) {
        throw new BundleException(label + ": entry " + BundleFormat.blobPath(b.digest()) + " has " + size + " bytes; the lock says " + b.size());
      }
    }
    Map<Digest, BundleLock.LockedBlob> listed = lock.blobsByDigest();
    for (Digest d : blobs.keySet()) {
      if (!listed.containsKey(d)) {
        throw new BundleException(label + ": entry " + BundleFormat.blobPath(d) + " is not in the lock");
      }
    }
    for (Descriptor root : index.manifests()) {
      if (!listed.containsKey(root.digest())) {
        throw new BundleException(label + ": index.json names " + root.digest() + " that the bundle does not hold");
      }
    }
    checkSums(label, meta, lock, sums);
    return new Report(lock, index, signed, key.isPresent(), entries, hashed, Map.copyOf(offsets));
  }

  private static Map<String, String> sums(String label, Map<String, byte[]> meta) throws BundleException {
    Map<String, String> listed = new LinkedHashMap<>();
    for (String line : new String(meta.get(BundleFormat.CHECKSUMS), StandardCharsets.UTF_8).split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      int sp = line.indexOf("  ");
      if (sp != 64) {
        throw new BundleException(label + ": entry " + BundleFormat.CHECKSUMS + " has a malformed line: " + line);
      }
      listed.put(line.substring(66), line.substring(0, 64));
    }
    return listed;
  }

  private static void checkSums(String label, Map<String, byte[]> meta, BundleLock lock, Map<String, String> listed) throws BundleException {
    Map<String, String> expected = new LinkedHashMap<>();
    for (String f : new String[] {BundleFormat.LAYOUT, BundleFormat.LOCK, BundleFormat.INDEX}) {
      expected.put(f, Digest.sha256(meta.get(f)).hex());
    }
    lock.blobs().forEach(b -> expected.put(BundleFormat.blobPath(b.digest()), b.digest().hex()));
    for (var e : expected.entrySet()) {
      String have = listed.get(e.getKey());
      if (!e.getValue().equals(have)) {
        throw new BundleException(label + ": entry " + e.getKey() + (have == null ? " is missing from " : " does not match its line in ")
            + BundleFormat.CHECKSUMS);
      }
    }
    if (listed.size() != expected.size()) {
      throw new BundleException(label + ": entry " + BundleFormat.CHECKSUMS + " lists entries the bundle does not have");
    }
  }

  /** Counts the bytes the tar reader has taken: at a new entry, where its data starts (the reader does not read ahead). */
  private static final class Counting extends java.io.FilterInputStream {
    long count;

    Counting(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long s = super.skip(n);
      count += s;
      return s;
    }
  }
}
