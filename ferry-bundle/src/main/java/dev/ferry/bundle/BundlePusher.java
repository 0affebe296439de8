package dev.ferry.bundle;

import dev.ferry.bundle.spec.Naming;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Index;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Reference;
import dev.ferry.registry.client.ProgressListener;
import dev.ferry.registry.client.RegistryClient;
import dev.ferry.registry.client.RemoteManifest;
import dev.ferry.registry.client.Transfers;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code ferry bundle push}: every image and artifact of a bundle into a registry under one prefix, blobs streamed
 * straight from the bundle file. Order of work: verify the whole bundle (nothing is sent from a damaged one); work
 * out destinations (a flatten collision stops here); for a delta, check with HEAD that the site has every blob left
 * out (stops here listing the missing); then every distinct blob once, in parallel across images (HEAD first), and
 * the other repositories that need it by cross-repository mount; then manifests, children before the index; an
 * index already at the destination tag keeps its other platforms (merged, not overwritten). Stateless.
 */
public final class BundlePusher {
  private BundlePusher() {}

  /**
   * How to push.
   *
   * @param prefix {@code REGISTRY[/PATH]}
   * @param naming how names map under the prefix (empty: the bundle's own)
   * @param parallelism blobs in flight
   */
  public record Options(String prefix, Optional<Naming> naming, int parallelism) {}

  /**
   * One pushed image or artifact.
   *
   * @param source where it came from (the lock's source, or {@code file}/{@code model})
   * @param name its bundle name ({@code name:tag})
   * @param destination where it went
   * @param digest the digest now at the destination tag
   * @param merged whether an index already there was merged with (then {@code digest} differs from the bundle's)
   */
  public record Pushed(String source, String name, Reference destination, Digest digest, boolean merged) {}

  /** What a push did. */
  public record Report(List<Pushed> pushed, int uploaded, int mounted, int existing, long bytesSent, boolean signatureChecked) {}

  /** Pushes {@code bundle}, which {@code verified} is the verification of. */
  public static Report push(RegistryClient client, BundleFile bundle, BundleVerifier.Report verified, Options o, ProgressListener progress)
      throws IOException {
    BundleLock lock = verified.lock();
    // A plain bundle is read in place, blobs in parallel; a compressed one can only be read front to back.
    BundleBlobs blobs = bundle.compressed() ? null : new BundleBlobs(bundle, verified);
    Documents docs;
    if (blobs != null) {
      docs = blobs::read;
    } else {
      java.util.Set<Digest> wanted = new HashSet<>();
      lock.blobs().stream().filter(b -> MediaType.find(b.mediaType()).map(t -> t.isManifest() || t.isIndex()).orElse(false))
          .forEach(b -> wanted.add(b.digest()));
      Map<Digest, byte[]> read = BundleMetadata.readBlobs(bundle, wanted);
      docs = d -> {
        byte[] b = read.get(d);
        if (b == null) {
          throw new BundleException(bundle.path().getFileName() + " does not hold document " + d);
        }
        return b;
      };
    }
    Naming naming = o.naming().orElse(Naming.parse(lock.naming()));
    String prefix = o.prefix().endsWith("/") ? o.prefix().substring(0, o.prefix().length() - 1) : o.prefix();

    // Destinations, and what each needs.
    List<Root> roots = new ArrayList<>();
    for (Descriptor d : verified.index().manifests()) {
      String name = d.annotations().getOrDefault(BundleFormat.DELIVERY_NAME, d.refName().orElseThrow());
      int colon = name.lastIndexOf(':');
      Reference dest = naming.destination(prefix, name.substring(0, colon), name.substring(colon + 1));
      String source = lock.images().stream().filter(i -> i.nameAndTag().equals(name)).map(BundleLock.LockedImage::source).findFirst()
          .orElse(lock.artifacts().stream().filter(a -> a.nameAndTag().equals(name)).map(BundleLock.LockedArtifact::kind).findFirst().orElse(""));
      Root r = new Root(name, source, Descriptor.of(d.mediaType(), d.digest(), d.size()), dest);
      collect(docs, r.top, r);
      for (BundleLock.LockedImage i : lock.images()) {
        if (i.nameAndTag().equals(name)) {
          for (BundleLock.LockedPlatform p : i.platforms()) {
            if (p.sbomManifest().isPresent()) {
              Descriptor m = Descriptor.of(MediaType.OCI_MANIFEST.value(), p.sbomManifest().get(), lock.blobsByDigest().get(p.sbomManifest().get()).size());
              Manifest parsed = Manifest.parse(docs.read(m.digest()), Optional.of(m.mediaType()));
              r.blobs.putIfAbsent(parsed.config().digest(), Descriptor.of(parsed.config().mediaType(), parsed.config().digest(), parsed.config().size()));
              parsed.layers().forEach(l -> r.blobs.putIfAbsent(l.digest(), Descriptor.of(l.mediaType(), l.digest(), l.size())));
              r.referrers.add(new Referrer(new Descriptor(m.mediaType(), m.digest(), m.size(), Map.of(), Optional.empty(),
                  Optional.of(BundleFormat.SBOM_MEDIA_TYPE), List.of()), parsed.subject().orElseThrow()));
            }
          }
        }
      }
      roots.add(r);
    }
    Map<Reference, String> seen = new HashMap<>();
    for (Root r : roots) {
      String before = seen.putIfAbsent(r.destination, r.name);
      if (before != null) {
        throw new BundleException("both " + before + " and " + r.name + " would be pushed to " + r.destination
            + (naming == Naming.FLATTEN ? " (--map flatten drops the path); use --map keep-path" : ""));
      }
    }

    // A delta: every blob left out must be at the site already.
    Map<Digest, BundleLock.BaseBlob> base = new HashMap<>();
    lock.base().forEach(b -> base.put(b.digest(), b));
    Map<String, Optional<String>> baseMount = new HashMap<>(); // "repo|digest" -> mount source (empty: already there)
    Set<Digest> missing = new LinkedHashSet<>();
    String registry = prefix.contains("/") ? prefix.substring(0, prefix.indexOf('/')) : prefix;
    String path = prefix.contains("/") ? prefix.substring(prefix.indexOf('/') + 1) : "";
    for (Root r : roots) {
      for (Descriptor b : r.blobs.values()) {
        BundleLock.BaseBlob bb = base.get(b.digest());
        if (bb == null) {
          continue;
        }
        if (client.hasBlob(r.destination, b.digest())) {
          baseMount.put(r.destination.name() + "|" + b.digest(), Optional.empty());
          continue;
        }
        Optional<String> from = Optional.empty();
        for (String repo : bb.repositories()) {
          Reference there = Reference.parse(registry + "/" + (path.isEmpty() ? "" : path + "/") + repo + ":x");
          if (client.hasBlob(there, b.digest())) {
            from = Optional.of(there.repository());
            break;
          }
        }
        if (from.isEmpty()) {
          missing.add(b.digest());
        } else {
          baseMount.put(r.destination.name() + "|" + b.digest(), from);
        }
      }
    }
    if (!missing.isEmpty()) {
      List<String> shown = missing.stream().limit(10).map(Digest::toString).toList();
      throw new BundleException("this delta needs " + missing.size() + " blob(s) that " + prefix + " does not have: "
          + String.join(", ", shown) + (missing.size() > shown.size() ? ", …" : "")
          + "; push the bundle it was made against first, or pack a full bundle");
    }

    // Blobs: each distinct one uploaded once, then mounted wherever else it is needed.
    Map<Digest, Root> firstHome = new LinkedHashMap<>();
    List<Job> first = new ArrayList<>();
    List<Job> rest = new ArrayList<>();
    for (Root r : roots) {
      for (Descriptor b : r.blobs.values()) {
        Optional<String> baseFrom = baseMount.get(r.destination.name() + "|" + b.digest());
        if (base.containsKey(b.digest())) {
          if (baseFrom != null && baseFrom.isPresent()) {
            rest.add(new Job(r.destination, b, baseFrom));
          }
          continue;
        }
        Root home = firstHome.putIfAbsent(b.digest(), r);
        if (home == null) {
          first.add(new Job(r.destination, b, Optional.empty()));
        } else if (!home.destination.name().equals(r.destination.name())) {
          rest.add(new Job(r.destination, b, Optional.of(home.destination.repository())));
        }
      }
    }
    AtomicInteger uploaded = new AtomicInteger();
    AtomicInteger mounted = new AtomicInteger();
    AtomicInteger existing = new AtomicInteger();
    java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
    ProgressListener counting = new ProgressListener() {
      @Override
      public void started(Descriptor blob) {
        progress.started(blob);
      }

      @Override
      public void transferred(Descriptor blob, long bytes) {
        sent.addAndGet(bytes);
        progress.transferred(blob, bytes);
      }

      @Override
      public void restarted(Descriptor blob) {
        progress.restarted(blob);
      }

      @Override
      public void finished(Descriptor blob, Outcome outcome) {
        progress.finished(blob, outcome);
      }

      @Override
      public void note(String line) {
        progress.note(line);
      }
    };
    Transfers.Task<Job> send = j -> {
      switch (client.pushBlob(j.repository, j.blob, j.source, j.mountFrom, counting)) {
        case TRANSFERRED -> uploaded.incrementAndGet();
        case MOUNTED -> mounted.incrementAndGet();
        case EXISTED -> existing.incrementAndGet();
      }
    };
    if (blobs != null) {
      for (List<Job> phase : List.of(first, rest)) {
        Transfers.forEach(phase.stream().map(j -> j.from(blobs)).toList(), o.parallelism(), send);
      }
    } else {
      // Front to back, one blob at a time, each as its entry passes; mounts need no bytes.
      Map<Digest, Job> byDigest = new HashMap<>();
      first.forEach(j -> byDigest.put(j.blob.digest(), j));
      BundleMetadata.forEachBlob(bundle, (d, size, content) -> {
        Job j = byDigest.get(d);
        if (j != null) {
          boolean[] opened = {false};
          send.run(j.from(desc -> {
            if (opened[0]) {
              throw new BundleException("the upload of " + d + " must start over, which a zstd-compressed bundle cannot do;"
                  + " decompress it (zstd -d) and push again");
            }
            opened[0] = true;
            return content;
          }));
        }
      });
      Transfers.forEach(rest.stream().map(j -> j.from(desc -> {
        throw new BundleException("the registry did not mount " + desc.digest() + " and a zstd-compressed bundle cannot be read"
            + " again; decompress it (zstd -d) and push again");
      })).toList(), o.parallelism(), send);
    }

    // Manifests, children first; then the top by tag, merged with an index already there.
    List<Pushed> pushed = new ArrayList<>();
    for (Root r : roots) {
      for (Descriptor doc : r.documents) {
        if (!doc.digest().equals(r.top.digest())) {
          client.putManifest(Reference.parse(r.destination.name() + "@" + doc.digest()), doc, docs.read(doc.digest()));
        }
      }
      Descriptor top = r.top;
      byte[] bytes = docs.read(top.digest());
      boolean merged = false;
      Optional<Descriptor> there = client.head(r.destination);
      if (top.isIndex() && there.isPresent() && there.get().isIndex() && !there.get().digest().equals(top.digest())) {
        RemoteManifest theirs = client.manifest(Reference.parse(r.destination.name() + "@" + there.get().digest()));
        Index ours = Index.parse(bytes, Optional.of(top.mediaType()));
        Index other = Index.parse(theirs.bytes(), Optional.of(theirs.descriptor().mediaType()));
        Set<String> ourPlatforms = new HashSet<>();
        ours.manifests().forEach(d -> d.platform().ifPresent(p -> ourPlatforms.add(p.toString())));
        List<Descriptor> entries = new ArrayList<>(ours.manifests());
        other.manifests().stream().filter(d -> d.platform().map(p -> !ourPlatforms.contains(p.toString())).orElse(false)).forEach(entries::add);
        if (entries.size() > ours.manifests().size()) {
          client.putManifest(Reference.parse(r.destination.name() + "@" + top.digest()), top, bytes);
          Index m = Index.of(ours.mediaType(), entries, ours.annotations());
          top = m.descriptor();
          bytes = m.bytes();
          merged = true;
        }
      }
      client.putManifest(r.destination, top, bytes);
      for (Referrer ref : r.referrers) {
        pushReferrer(client, r.destination, ref, docs.read(ref.manifest().digest()));
      }
      pushed.add(new Pushed(r.source, r.name, r.destination, top.digest(), merged));
    }
    return new Report(pushed, uploaded.get(), mounted.get(), existing.get(), sent.get(), verified.signatureChecked());
  }

  /** An image or artifact to push. */
  private static final class Root {
    final String name;
    final String source;
    final Descriptor top;
    final Reference destination;
    final Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
    final List<Descriptor> documents = new ArrayList<>();
    final List<Referrer> referrers = new ArrayList<>();

    Root(String name, String source, Descriptor top, Reference destination) {
      this.name = name;
      this.source = source;
      this.top = top;
      this.destination = destination;
    }
  }

  /** An artifact that refers to one of the image's manifests (an SBOM). */
  private record Referrer(Descriptor manifest, Descriptor subject) {}

  /**
   * Puts a referrer by digest, then adds it to the subject's referrers tag ({@code sha256-<hex>}, the distribution
   * spec's fallback for registries without the referrers API, which readers such as {@link RegistryClient#referrers}
   * and oras consult), keeping what the tag already lists.
   */
  private static void pushReferrer(RegistryClient client, Reference destination, Referrer ref, byte[] bytes) throws IOException {
    client.putManifest(Reference.parse(destination.name() + "@" + ref.manifest().digest()), ref.manifest(), bytes);
    Reference tag = Reference.parse(destination.name() + ":" + ref.subject().digest().algorithm().id() + "-" + ref.subject().digest().hex());
    List<Descriptor> entries = new ArrayList<>();
    Optional<Descriptor> there = client.head(tag);
    if (there.isPresent() && there.get().isIndex()) {
      RemoteManifest m = client.manifest(Reference.parse(destination.name() + "@" + there.get().digest()));
      entries.addAll(Index.parse(m.bytes(), Optional.of(m.descriptor().mediaType())).manifests());
    }
    if (entries.stream().noneMatch(e -> e.digest().equals(ref.manifest().digest()))) {
      entries.add(ref.manifest());
      Index index = Index.of(entries);
      client.putManifest(tag, index.descriptor(), index.bytes());
    }
  }

  private record Job(Reference repository, Descriptor blob, Optional<String> mountFrom, dev.ferry.registry.client.BlobOpener source) {
    Job(Reference repository, Descriptor blob, Optional<String> mountFrom) {
      this(repository, blob, mountFrom, null);
    }

    Job from(dev.ferry.registry.client.BlobOpener s) {
      return new Job(repository, blob, mountFrom, s);
    }
  }

  /** Manifests and indexes of the bundle by digest. */
  @FunctionalInterface
  private interface Documents {
    byte[] read(Digest d) throws IOException;
  }

  /** Blobs and documents under {@code d}, documents children first. Base blobs (not in the bundle) are listed too. */
  private static void collect(Documents blobs, Descriptor d, Root r) throws IOException {
    if (r.documents.stream().anyMatch(x -> x.digest().equals(d.digest()))) {
      return;
    }
    if (d.isIndex()) {
      for (Descriptor c : Index.parse(blobs.read(d.digest()), Optional.of(d.mediaType())).manifests()) {
        collect(blobs, Descriptor.of(c.mediaType(), c.digest(), c.size()), r);
      }
    } else if (d.isManifest()) {
      Manifest m = Manifest.parse(blobs.read(d.digest()), Optional.of(d.mediaType()));
      r.blobs.putIfAbsent(m.config().digest(), Descriptor.of(m.config().mediaType(), m.config().digest(), m.config().size()));
      for (Descriptor l : m.layers()) {
        boolean foreign = !l.urls().isEmpty() && l.knownMediaType().map(t -> t.kind() == MediaType.Kind.FOREIGN_LAYER).orElse(false);
        if (!foreign) {
          r.blobs.putIfAbsent(l.digest(), Descriptor.of(l.mediaType(), l.digest(), l.size()));
        }
      }
    }
    r.documents.add(d);
  }
}
