package dev.ferry.registry.client.internal;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Index;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Reference;
import dev.ferry.oci.store.ImageNotFoundException;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.client.ProgressListener;
import dev.ferry.registry.client.PushResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Pushes an image of a store to a registry: every blob (HEAD, mount or upload, in parallel), then each manifest
 * after its blobs and the index after its children, with the exact stored bytes and their media types. An index
 * whose children are not all in the store (a partial pull) is refused, naming what is missing. Thread-safe.
 */
public final class Pusher {
  private final Function<String, Transport> transports;
  private final Locations locations;
  private final long monolithicLimit;
  private final long chunkSize;

  public Pusher(Function<String, Transport> transports, Locations locations, long monolithicLimit, long chunkSize) {
    this.transports = transports;
    this.locations = locations;
    this.monolithicLimit = monolithicLimit;
    this.chunkSize = chunkSize;
  }

  public PushResult push(OciStore store, String storeName, Reference dest, ProgressListener progress) throws IOException {
    Descriptor named = Images.require(store, storeName);
    Descriptor top = Descriptor.of(named.mediaType(), named.digest(), named.size());
    if (dest.digest().isPresent() && !dest.digest().get().equals(top.digest())) {
      throw new IllegalArgumentException(
          "destination " + dest + " names digest " + dest.digest().get() + " but " + storeName + " is " + top.digest());
    }
    Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
    List<Descriptor> documents = new ArrayList<>();
    collect(store, storeName, named.withAnnotations(Map.of()), blobs, documents);

    Transport t = transports.apply(dest.registry());
    String repo = dest.repository();
    Optional<String> sourceRepo = sameRegistryRepository(storeName, dest);
    AtomicInteger uploaded = new AtomicInteger();
    AtomicInteger mounted = new AtomicInteger();
    AtomicInteger existing = new AtomicInteger();
    AtomicLong bytes = new AtomicLong();
    Parallel.forEach(new ArrayList<>(blobs.values()), t.limiter(), b -> {
      Optional<String> from = locations.find(dest.registry(), b.digest(), repo).or(() -> sourceRepo);
      progress.started(b);
      BlobUpload.Outcome o = BlobUpload.put(t, repo, b, store::open, from, monolithicLimit, chunkSize, progress);
      bytes.addAndGet(o.bytesSent());
      switch (o.result()) {
        case EXISTED -> {
          existing.incrementAndGet();
          progress.finished(b, ProgressListener.Outcome.EXISTED);
        }
        case MOUNTED -> {
          mounted.incrementAndGet();
          progress.finished(b, ProgressListener.Outcome.MOUNTED);
        }
        case UPLOADED -> {
          uploaded.incrementAndGet();
          progress.finished(b, ProgressListener.Outcome.TRANSFERRED);
        }
      }
      locations.record(dest.registry(), b.digest(), repo);
    });
    for (Descriptor d : documents) {
      byte[] bytesOf = store.read(d.digest());
      boolean isTop = d.digest().equals(top.digest());
      String as = isTop && dest.tag().isPresent() ? dest.tag().get() : d.digest().toString();
      Manifests.put(t, repo, as, d, bytesOf);
    }
    return new PushResult(dest, top, uploaded.get(), mounted.get(), existing.get(), bytes.get(), documents.size());
  }

  /** The repository of the store name when it is on the destination registry: a mount source. */
  private static Optional<String> sameRegistryRepository(String storeName, Reference dest) {
    try {
      Reference src = Reference.parse(storeName);
      if (src.registry().equals(dest.registry()) && !src.repository().equals(dest.repository())) {
        return Optional.of(src.repository());
      }
    } catch (IllegalArgumentException notAReference) {
      // a name another tool wrote; no mount hint
    }
    return Optional.empty();
  }

  /** Gathers blobs and documents depth first, children before parents. */
  private void collect(OciStore store, String storeName, Descriptor d, Map<Digest, Descriptor> blobs, List<Descriptor> documents)
      throws IOException {
    if (d.isIndex()) {
      Index index = store.readIndex(d);
      List<String> missing = new ArrayList<>();
      for (Descriptor child : index.manifests()) {
        if (!store.exists(child.digest())) {
          missing.add(child.platform().map(Object::toString).orElse("entry") + " (" + child.digest().shortHex() + ")");
        }
      }
      if (!missing.isEmpty()) {
        throw new ImageNotFoundException(
            storeName + " is a partially pulled index: " + String.join(", ", missing)
                + " not in the store; pull it again with --all-platforms (or the missing --platform) before pushing");
      }
      for (Descriptor child : index.manifests()) {
        collect(store, storeName, Descriptor.of(child.mediaType(), child.digest(), child.size()), blobs, documents);
      }
    } else if (d.isManifest()) {
      Manifest m = store.readManifest(d);
      List<Descriptor> parts = new ArrayList<>();
      parts.add(m.config());
      parts.addAll(m.layers());
      for (Descriptor p : parts) {
        boolean foreign = !p.urls().isEmpty() && p.knownMediaType().map(x -> x.kind() == MediaType.Kind.FOREIGN_LAYER).orElse(false);
        if (foreign) {
          continue;
        }
        if (!store.exists(p.digest())) {
          throw new ImageNotFoundException(
              storeName + " refers to blob " + p.digest() + " (" + p.mediaType() + ") that is not in the store; 'ferry fsck' checks the store");
        }
        blobs.putIfAbsent(p.digest(), p);
      }
    } else {
      throw new ImageNotFoundException(storeName + " is a " + d.mediaType() + ", not an image manifest or index");
    }
    if (documents.stream().noneMatch(x -> x.digest().equals(d.digest()))) {
      documents.add(d);
    }
  }
}
