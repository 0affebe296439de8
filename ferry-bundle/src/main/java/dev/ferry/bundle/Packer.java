package dev.ferry.bundle;

import dev.ferry.build.BuildProgress;
import dev.ferry.build.BuildRequest;
import dev.ferry.build.BuildResult;
import dev.ferry.build.ImageBuilder;
import dev.ferry.build.dockerfile.DockerfileException;
import dev.ferry.bundle.spec.ArtifactSpec;
import dev.ferry.bundle.spec.DeliverySpec;
import dev.ferry.bundle.spec.ImageSpec;
import dev.ferry.bundle.spec.Target;
import dev.ferry.bundle.spec.WheelhouseSpec;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Index;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import dev.ferry.oci.store.ImageNotFoundException;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.client.PlatformSelection;
import dev.ferry.registry.client.ProgressListener;
import dev.ferry.registry.client.RegistryClient;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code ferry pack}: builds or pulls everything a {@link DeliverySpec} names into the store, then writes the bundle
 * with {@link BundleWriter}. Everything passes through the store, so a second pack of an unchanged spec builds
 * nothing (the step cache hits) and pulls nothing. Not thread-safe; one pack at a time per instance.
 */
public final class Packer {
  private final OciStore store;
  private final RegistryClient registry;
  private final BuildProgress buildProgress;
  private final Consumer<String> log;
  private final WheelhouseProvider wheelhouses;

  public Packer(OciStore store, RegistryClient registry, BuildProgress buildProgress, Consumer<String> log, WheelhouseProvider wheelhouses) {
    this.store = store;
    this.registry = registry;
    this.buildProgress = buildProgress;
    this.log = log;
    this.wheelhouses = wheelhouses;
  }

  /**
   * How to pack.
   *
   * @param targets names of the targets to pack (empty: all of the spec's)
   * @param output the bundle file (parts are {@code output.000}, … when split)
   * @param zstd whether the whole tar is zstd-compressed
   * @param splitSize bytes per part, 0 for one file
   * @param key signs the lock when present
   * @param base what the destination has (a delta leaves those layers out)
   * @param sbom whether SBOMs are generated
   * @param noCache whether builds skip the step cache
   * @param created the time recorded in the lock
   * @param encryptFor recipients the image layers are encrypted for (empty: not encrypted); SBOMs and the lock stay
   *     readable
   */
  public record Options(
      List<String> targets, Path output, boolean zstd, long splitSize, Optional<PrivateKey> key, DeltaBase base,
      boolean sbom, boolean noCache, Instant created, List<java.security.PublicKey> encryptFor) {
    public Options {
      targets = List.copyOf(targets);
      encryptFor = List.copyOf(encryptFor);
    }

    /** Options without encryption. */
    public Options(
        List<String> targets, Path output, boolean zstd, long splitSize, Optional<PrivateKey> key, DeltaBase base,
        boolean sbom, boolean noCache, Instant created) {
      this(targets, output, zstd, splitSize, key, base, sbom, noCache, created, List.of());
    }
  }

  /** What a pack wrote. */
  public record Result(List<Path> files, BundleLock lock, long bytesWritten, long blobBytesLeftOut) {}

  /** Prepares everything in the store and writes the bundle. */
  public Result pack(DeliverySpec spec, Options o) throws IOException, DockerfileException {
    List<Target> targets = selectTargets(spec, o.targets());
    BundleContent content = new BundleContent(store);
    try (OciStore.Session session = store.session()) {
      // wheelhouses first: images may name one to install
      for (WheelhouseSpec w : spec.wheelhouses()) {
        List<Target> its = targets.stream().filter(t -> w.targets().isEmpty() || w.targets().contains(t.name())).toList();
        if (its.isEmpty()) {
          log.accept("skipping wheelhouse " + w.name() + ":" + w.tag() + ": not for " + names(targets));
          continue;
        }
        Descriptor d = wheelhouses.fill(store, spec.directory(), w, its);
        content.addArtifact("wheelhouse", w.name(), w.tag(), dev.ferry.python.WheelhouseBuilder.ARTIFACT_TYPE, d, List.of());
      }
      for (ImageSpec image : spec.images()) {
        List<Target> its = spec.targetsOf(image).stream().filter(targets::contains).toList();
        if (its.isEmpty()) {
          log.accept("skipping " + image.nameAndTag() + ": not for " + names(targets));
          continue;
        }
        List<Platform> platforms = platforms(its);
        Descriptor top = image.build().isPresent() ? build(spec, image, platforms, o.noCache()) : pull(image, platforms);
        if (image.wheelhouse().isPresent()) {
          top = installWheelhouse(image, its, platforms, top);
        }
        content.addImage(image, spec.directory(), its, top, platforms, o.sbom(), o.encryptFor(), log);
      }
      for (ArtifactSpec a : spec.artifacts()) {
        log.accept("adding " + a.kind().label() + " " + a.nameAndTag() + " from " + spec.directory().relativize(a.path().toAbsolutePath()));
        Artifacts.Stored stored = Artifacts.put(store, a);
        store.tag(Images.storeName(a.nameAndTag()), stored.manifest());
        content.addArtifact(a.kind().label(), a.name(), a.tag(), a.kind().artifactType(), stored.manifest(), stored.files());
      }
      if (o.sbom()) {
        content.addSboms(spec, log);
      }
      BundleLock lock = content.lock(spec, targets, o.created(), o.base());
      log.accept("writing " + o.output() + ": " + lock.images().size() + " image(s), " + lock.artifacts().size()
          + " artifact(s), " + lock.blobs().size() + " blobs");
      BundleWriter.Written w = new BundleWriter(store).write(lock, content.layoutIndex(), o.output(), o.zstd(), o.splitSize(), o.key());
      long left = lock.base().stream().mapToLong(BundleLock.BaseBlob::size).sum();
      return new Result(w.files(), lock, w.bytes(), left);
    }
  }

  private static List<Target> selectTargets(DeliverySpec spec, List<String> wanted) {
    if (wanted.isEmpty()) {
      return spec.targets();
    }
    List<Target> out = new ArrayList<>();
    for (String w : wanted) {
      Target t = spec.target(w).orElseThrow(() -> new IllegalArgumentException(
          "--target " + w + " is not a target of " + spec.file() + " (it has: " + names(spec.targets()) + ")"));
      out.add(t);
    }
    return out;
  }

  private static String names(List<Target> targets) {
    return String.join(", ", targets.stream().map(Target::name).toList());
  }

  private static List<Platform> platforms(List<Target> targets) {
    Set<Platform> ps = new LinkedHashSet<>();
    targets.forEach(t -> ps.add(t.platform()));
    return List.copyOf(ps);
  }

  private Descriptor build(DeliverySpec spec, ImageSpec image, List<Platform> platforms, boolean noCache)
      throws IOException, DockerfileException {
    ImageSpec.Build b = image.build().orElseThrow();
    log.accept("building " + image.nameAndTag() + " for " + platforms + " from " + spec.directory().relativize(b.context()));
    BuildRequest.Builder r = BuildRequest.builder(b.context()).dockerfile(b.dockerfile()).tag(image.nameAndTag()).noCache(noCache)
        .epoch(dev.ferry.oci.layer.LayerWriter.sourceDateEpoch());
    platforms.forEach(r::platform);
    b.args().forEach(r::buildArg);
    b.stage().ifPresent(r::target);
    BuildResult result = ImageBuilder.of(store, Optional.ofNullable(registry), buildProgress).build(r.build());
    return result.image();
  }

  /** The image with the wheels of its wheelhouse installed on every platform (one layer each), named as the image. */
  private Descriptor installWheelhouse(ImageSpec image, List<Target> targets, List<Platform> platforms, Descriptor top)
      throws IOException {
    List<Descriptor> manifests = new ArrayList<>();
    for (Platform p : platforms) {
      Target t = targets.stream().filter(x -> x.platform().equals(p)).findFirst().orElseThrow();
      manifests.add(wheelhouses.install(store, image.wheelhouse().orElseThrow(), t, top, p));
    }
    Descriptor result = manifests.size() == 1 ? manifests.get(0) : store.put(Index.of(manifests));
    store.tag(Images.storeName(image.nameAndTag()), result);
    return result;
  }

  /** The image from the store when it has every platform needed, else pulled (mirrors first). */
  private Descriptor pull(ImageSpec image, List<Platform> platforms) throws IOException {
    Reference ref = image.pull().orElseThrow();
    Optional<Descriptor> have = Images.find(store, ref.toString());
    if (have.isPresent() && covers(have.get(), platforms)) {
      log.accept("using " + ref + " from the store");
      return have.get();
    }
    if (registry == null) {
      throw new ImageNotFoundException(ref + " is not in the store for " + platforms + " and no registry access was given");
    }
    log.accept("pulling " + ref + " for " + platforms);
    return registry.pull(store, ref, PlatformSelection.of(platforms), ProgressListener.NONE).descriptor();
  }

  private boolean covers(Descriptor top, List<Platform> platforms) throws IOException {
    try {
      for (Platform p : platforms) {
        Images.resolve(store, top, Optional.of(p));
      }
      return true;
    } catch (ImageNotFoundException | dev.ferry.oci.store.BlobNotFoundException e) {
      return false;
    }
  }

  /** What goes into the bundle, gathered from the store. Not thread-safe. */
  static final class BundleContent {
    private final OciStore store;
    private final List<Descriptor> roots = new ArrayList<>();
    private final List<BundleLock.LockedImage> images = new ArrayList<>();
    private final List<BundleLock.LockedArtifact> artifacts = new ArrayList<>();
    private final Map<Digest, Descriptor> documents = new LinkedHashMap<>();
    private final Map<Digest, Descriptor> payload = new LinkedHashMap<>();
    private final Map<Digest, String> sbomOwners = new LinkedHashMap<>();
    private Index layoutIndex;

    BundleContent(OciStore store) {
      this.store = store;
    }

    void addImage(ImageSpec image, Path specDir, List<Target> targets, Descriptor named, List<Platform> platforms, boolean sbom,
        List<java.security.PublicKey> encryptFor, Consumer<String> log) throws IOException {
      Descriptor top = Descriptor.of(named.mediaType(), named.digest(), named.size());
      Optional<Digest> sourceDigest = Optional.empty();
      List<BundleLock.LockedPlatform> locked = new ArrayList<>();
      List<Descriptor> chosen = new ArrayList<>();
      for (Platform p : platforms) {
        Images.Image img = Images.resolve(store, top, Optional.of(p));
        if (chosen.stream().noneMatch(c -> c.digest().equals(img.manifestDescriptor().digest()))) {
          chosen.add(img.manifestDescriptor());
        }
        List<String> ts = targets.stream().filter(t -> t.platform().equals(p)).map(Target::name).toList();
        long layers = img.manifest().layers().stream().mapToLong(Descriptor::size).sum();
        Optional<Digest> bom = Optional.empty();
        if (sbom) {
          // From the plain layers, before any encryption: the site's scanners read the SBOM, not the layers.
          Descriptor d = store.put(BundleFormat.SBOM_MEDIA_TYPE, Sboms.forImage(store, image.nameAndTag(), p, img.manifestDescriptor().digest(), img.manifest(), log));
          documents.putIfAbsent(d.digest(), d);
          bom = Optional.of(d.digest());
        }
        locked.add(new BundleLock.LockedPlatform(p, ts, img.manifestDescriptor().digest(), img.manifestDescriptor().size(),
            img.manifest().config().digest(), layers, bom, Optional.empty()));
      }
      if (top.isIndex()) {
        Index index = store.readIndex(top);
        List<Descriptor> entries = index.manifests().stream().filter(d -> chosen.stream().anyMatch(c -> c.digest().equals(d.digest()))).toList();
        if (entries.size() != index.manifests().size()) {
          // The delivery carries only its targets' platforms: a reduced index, its source digest kept in the lock.
          sourceDigest = Optional.of(top.digest());
          Descriptor reduced = store.put(Index.of(index.mediaType(), entries, index.annotations()));
          top = Descriptor.of(reduced.mediaType(), reduced.digest(), reduced.size());
        }
      }
      if (!encryptFor.isEmpty()) {
        top = dev.ferry.bundle.crypt.ImageEncryption.encrypt(store, top, encryptFor);
        List<BundleLock.LockedPlatform> encrypted = new ArrayList<>();
        for (BundleLock.LockedPlatform p : locked) {
          Images.Image img = Images.resolve(store, top, Optional.of(p.platform()));
          encrypted.add(new BundleLock.LockedPlatform(p.platform(), p.targets(), img.manifestDescriptor().digest(),
              img.manifestDescriptor().size(), p.config(), img.manifest().layers().stream().mapToLong(Descriptor::size).sum(), p.sbom(),
              Optional.empty()));
        }
        locked = encrypted;
      }
      walk(top);
      List<BundleLock.LockedPlatform> withReferrers = new ArrayList<>();
      for (BundleLock.LockedPlatform p : locked) {
        withReferrers.add(p.sbom().isEmpty() ? p : p.withSbomManifest(sbomReferrer(p)));
      }
      locked = withReferrers;
      String name = image.nameAndTag();
      roots.add(top.withAnnotation(Descriptor.REF_NAME, name).withAnnotation(BundleFormat.DELIVERY_NAME, name));
      images.add(new BundleLock.LockedImage(image.name(), image.tag(), image.source(specDir), top.mediaType(), top.digest(),
          top.size(), sourceDigest, locked));
    }

    /** The OCI artifact carrying a platform's SBOM with the platform's manifest as its subject (a referrer). */
    private Digest sbomReferrer(BundleLock.LockedPlatform p) throws IOException {
      Descriptor sbom = documents.get(p.sbom().orElseThrow());
      Descriptor subject = documents.get(p.digest());
      Descriptor config = store.put(MediaType.OCI_EMPTY.value(), "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      Manifest m = Manifest.of(MediaType.OCI_MANIFEST, config,
          List.of(Descriptor.of(sbom.mediaType(), sbom.digest(), sbom.size()).withAnnotation("org.opencontainers.image.title", "sbom.cdx.json")),
          Map.of(), Optional.of(Descriptor.of(subject.mediaType(), subject.digest(), subject.size())), Optional.of(BundleFormat.SBOM_MEDIA_TYPE));
      Descriptor d = store.put(m);
      documents.putIfAbsent(config.digest(), config);
      documents.putIfAbsent(d.digest(), d);
      return d.digest();
    }

    void addArtifact(String kind, String name, String tag, String artifactType, Descriptor top, List<BundleLock.LockedFile> files) throws IOException {
      Descriptor plain = Descriptor.of(top.mediaType(), top.digest(), top.size());
      walk(plain);
      String n = name + ":" + tag;
      roots.add(plain.withAnnotation(Descriptor.REF_NAME, n).withAnnotation(BundleFormat.DELIVERY_NAME, n));
      artifacts.add(new BundleLock.LockedArtifact(kind, name, tag, artifactType, plain.digest(), plain.size(), files, Optional.empty()));
    }

    /** Documents (index, manifests, configs) and payload (layers, files) reachable from {@code d}. */
    private void walk(Descriptor d) throws IOException {
      if (documents.containsKey(d.digest())) {
        return;
      }
      documents.put(d.digest(), d);
      if (d.isIndex()) {
        for (Descriptor c : store.readIndex(d).manifests()) {
          walk(Descriptor.of(c.mediaType(), c.digest(), c.size()));
        }
      } else if (d.isManifest()) {
        Manifest m = store.readManifest(d);
        Descriptor config = m.config();
        documents.putIfAbsent(config.digest(), Descriptor.of(config.mediaType(), config.digest(), config.size()));
        for (Descriptor l : m.layers()) {
          if (!l.urls().isEmpty() && !store.exists(l.digest())) {
            continue; // a non-distributable layer that names where to get it
          }
          payload.putIfAbsent(l.digest(), Descriptor.of(l.mediaType(), l.digest(), l.size()));
        }
      }
    }

    void addSboms(DeliverySpec spec, Consumer<String> log) throws IOException {
      for (int i = 0; i < artifacts.size(); i++) {
        BundleLock.LockedArtifact a = artifacts.get(i);
        if (a.files().isEmpty()) {
          continue;
        }
        byte[] sbom = Sboms.forArtifact(a);
        Descriptor d = store.put(BundleFormat.SBOM_MEDIA_TYPE, sbom);
        documents.putIfAbsent(d.digest(), d);
        artifacts.set(i, new BundleLock.LockedArtifact(a.kind(), a.name(), a.tag(), a.artifactType(), a.digest(), a.size(), a.files(), Optional.of(d.digest())));
      }
      log.accept("SBOMs: " + images.stream().mapToInt(x -> x.platforms().size()).sum() + " image(s), " + artifacts.stream().filter(a -> a.sbom().isPresent()).count() + " artifact(s)");
    }

    Index layoutIndex() {
      return layoutIndex;
    }

    BundleLock lock(DeliverySpec spec, List<Target> targets, Instant created, DeltaBase base) {
      layoutIndex = Index.of(roots);
      List<BundleLock.LockedBlob> blobs = new ArrayList<>();
      List<BundleLock.BaseBlob> left = new ArrayList<>();
      for (Descriptor d : documents.values()) {
        blobs.add(new BundleLock.LockedBlob(d.digest(), d.size(), d.mediaType()));
      }
      for (Descriptor d : payload.values()) {
        if (documents.containsKey(d.digest())) {
          continue;
        }
        if (base.has(d.digest())) {
          left.add(new BundleLock.BaseBlob(d.digest(), d.size(), d.mediaType(), base.blobs().get(d.digest())));
        } else {
          blobs.add(new BundleLock.LockedBlob(d.digest(), d.size(), d.mediaType()));
        }
      }
      List<BundleLock.LockedTarget> ts = targets.stream().map(t -> new BundleLock.LockedTarget(t.name(), t.platform(), t.accelerator())).toList();
      return new BundleLock(spec.name(), spec.version(), created.toString(), spec.naming().toString(), ts, images, artifacts,
          blobs, left, layoutIndex.digest());
    }
  }
}
