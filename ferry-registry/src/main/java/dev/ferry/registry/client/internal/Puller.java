package dev.ferry.registry.client.internal;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Index;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.client.MirrorsConfig;
import dev.ferry.registry.client.PlatformSelection;
import dev.ferry.registry.client.ProgressListener;
import dev.ferry.registry.client.PullResult;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Pulls an image into a store: tries the mirrors of its registry in order, then the registry itself (unless
 * offline); resolves the manifest or index, chooses platforms, fetches configs and layers in parallel (skipping
 * blobs the store has), stores manifest and index bytes exactly, and names the image last, all inside one store
 * session. Stateless apart from its collaborators; thread-safe.
 */
public final class Puller {
  private final Function<String, Transport> transports;
  private final MirrorsConfig mirrors;
  private final boolean offline;
  private final Locations locations;

  public Puller(Function<String, Transport> transports, MirrorsConfig mirrors, boolean offline, Locations locations) {
    this.transports = transports;
    this.mirrors = mirrors;
    this.offline = offline;
    this.locations = locations;
  }

  /** The references to try for {@code ref}: its mirrors' rewrites in order, then itself unless offline. */
  public List<Reference> candidates(Reference ref) {
    List<Reference> out = new ArrayList<>();
    for (MirrorsConfig.Mirror m : mirrors.mirrorsFor(ref.registry())) {
      out.add(m.rewrite(ref));
    }
    if (!offline) {
      out.add(ref);
    }
    return out;
  }

  public PullResult pull(OciStore store, Reference ref, PlatformSelection selection, ProgressListener progress)
      throws IOException {
    List<Reference> candidates = candidates(ref);
    if (candidates.isEmpty()) {
      throw new IOException(
          "cannot pull " + ref + " offline: no mirror is configured for " + ref.registry() + " (" + mirrors.source() + ")");
    }
    List<String> attempts = new ArrayList<>();
    IOException last = null;
    for (Reference source : candidates) {
      try {
        PullResult r = pullFrom(store, ref, source, selection, progress, attempts);
        if (!source.equals(ref)) {
          progress.note("pulled " + ref + " from mirror " + source);
        }
        return r;
      } catch (InterruptedIOException e) {
        throw e;
      } catch (dev.ferry.oci.store.ImageNotFoundException e) {
        // The image exists but not for the platform asked; another source will not differ.
        throw e;
      } catch (IOException e) {
        last = e;
        attempts.add(source + ": " + e.getMessage());
        if (candidates.size() > 1) {
          progress.note("could not pull from " + source.registry() + ": " + e.getMessage());
        }
      }
    }
    if (candidates.size() == 1) {
      throw last;
    }
    throw new IOException("could not pull " + ref + " from any source: " + String.join("; ", attempts), last);
  }

  private PullResult pullFrom(
      OciStore store, Reference ref, Reference source, PlatformSelection selection, ProgressListener progress, List<String> attempts)
      throws IOException {
    Transport t = transports.apply(source.registry());
    String repo = source.repository();
    try (OciStore.Session session = store.session()) {
      Manifests.Fetched top = Manifests.get(t, repo, source.tagOrDigest(), -1);
      Map<Digest, Manifests.Fetched> documents = new LinkedHashMap<>();
      List<Manifest> images = new ArrayList<>();
      List<Platform> platforms = new ArrayList<>();
      boolean partial = false;
      if (top.isIndex()) {
        Index index = Index.parse(top.bytes(), Optional.of(top.descriptor().mediaType()));
        List<Descriptor> chosen = selection.choose(index, ref.toString());
        partial = chosen.size() < index.manifests().size();
        for (Descriptor d : chosen) {
          collect(t, repo, store, d, documents, images, selection);
          d.platform().ifPresent(platforms::add);
        }
      } else {
        images.add(Manifest.parse(top.bytes(), Optional.of(top.descriptor().mediaType())));
      }
      Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
      for (Manifest m : images) {
        blobs.putIfAbsent(m.config().digest(), m.config());
        for (Descriptor l : m.layers()) {
          if (l.urls().isEmpty() || !l.knownMediaType().map(x -> x.kind() == MediaType.Kind.FOREIGN_LAYER).orElse(false)) {
            blobs.putIfAbsent(l.digest(), l);
          }
        }
      }
      List<Descriptor> missing = new ArrayList<>();
      int skipped = 0;
      for (Descriptor b : blobs.values()) {
        if (store.exists(b.digest()) && store.size(b.digest()) == b.size()) {
          skipped++;
          progress.finished(b, ProgressListener.Outcome.EXISTED);
        } else {
          missing.add(b);
        }
      }
      AtomicLong bytes = new AtomicLong();
      AtomicInteger fetched = new AtomicInteger();
      Parallel.forEach(missing, t.limiter(), b -> {
        progress.started(b);
        bytes.addAndGet(BlobDownload.fetch(t, repo, b, store, progress));
        fetched.incrementAndGet();
        progress.finished(b, ProgressListener.Outcome.TRANSFERRED);
      });
      for (Manifests.Fetched f : documents.values()) {
        store.put(f.descriptor().digest(), f.bytes());
      }
      store.put(top.descriptor().digest(), top.bytes());
      if (!top.isIndex() && platforms.isEmpty()) {
        Manifest only = images.get(0);
        if (only.config().knownMediaType().map(x -> x.kind() == MediaType.Kind.CONFIG && x != MediaType.OCI_EMPTY).orElse(false)) {
          try {
            platforms.add(store.readConfig(only.config()).platform());
          } catch (IllegalArgumentException notAnImageConfig) {
            // an artifact: no platform
          }
        }
      }
      Descriptor named = top.descriptor();
      if (partial) {
        named = named.withAnnotation(Images.PARTIAL, "true");
      }
      String name = ref.toString();
      store.tag(name, named);
      for (Descriptor b : blobs.values()) {
        locations.record(source.registry(), b.digest(), repo);
      }
      return new PullResult(
          ref, source, top.descriptor(), name, platforms, partial, fetched.get(), skipped, bytes.get(), attempts);
    }
  }

  private void collect(
      Transport t,
      String repo,
      OciStore store,
      Descriptor d,
      Map<Digest, Manifests.Fetched> documents,
      List<Manifest> images,
      PlatformSelection selection)
      throws IOException {
    if (documents.containsKey(d.digest())) {
      return;
    }
    Manifests.Fetched f;
    if (store.exists(d.digest()) && store.size(d.digest()) == d.size()) {
      f = new Manifests.Fetched(store.read(d.digest()), d);
    } else {
      f = Manifests.get(t, repo, d.digest().toString(), d.size());
    }
    documents.put(d.digest(), f);
    if (f.isIndex()) {
      // A nested index (rare): take all of it; its entries are not platform variants of the outer choice.
      Index nested = Index.parse(f.bytes(), Optional.of(f.descriptor().mediaType()));
      for (Descriptor child : nested.manifests()) {
        collect(t, repo, store, child, documents, images, selection);
      }
    } else {
      images.add(Manifest.parse(f.bytes(), Optional.of(f.descriptor().mediaType())));
    }
  }
}
