package dev.ferry.oci.archive;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.DigestMismatchException;
import dev.ferry.oci.ImageConfig;
import dev.ferry.oci.Index;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.MediaType.Compression;
import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import dev.ferry.oci.internal.json.DockerArchiveJson;
import dev.ferry.oci.store.OciStore;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * Imports and exports {@code docker save} archives ("docker-archive"). Stateless and thread-safe; concurrent
 * imports into one store are safe (the store serialises name updates).
 *
 * <h2>Import</h2>
 *
 * One sequential pass over the tar, which may come from a pipe. {@code docker save} writes {@code manifest.json}
 * last, so which entries are layers is only known at the end: every regular entry larger than {@value
 * #SMALL_ENTRY} bytes (and every entry once {@value #MAX_BUFFERED} bytes of small ones are held) is streamed into
 * the store as it passes, hashed while written; smaller entries (configs, {@code manifest.json}, {@code
 * repositories}, legacy {@code json}/{@code VERSION}) are held in memory. At the end {@code manifest.json} maps
 * images to configs and layers (following the symlinks skopeo writes for the legacy {@code <id>/layer.tar} paths),
 * every layer's diffID is checked against the config's {@code rootfs.diff_ids}, an OCI manifest is written with
 * the config's bytes unchanged (so the image ID, the config digest, is preserved), and each {@code RepoTag} becomes
 * a name, normalised ({@code busybox:1} → {@code docker.io/library/busybox:1}), in one atomic {@code index.json}
 * update. A large entry that turns out not to be a layer stays in the store unnamed until {@code gc} removes it.
 *
 * <p>An uncompressed archive in a regular file is not streamed through the JVM: its headers are walked first, and
 * each large entry is copied by the kernel from the archive into the blob's temp file while a second thread hashes
 * the copied bytes ({@link OciStore.BlobWriter#transferFrom}); each layer is still hashed exactly once, from what
 * was stored. Entries, names, checks and failures are the same as for a stream.
 *
 * <p>Layers are stored as they are in the archive: an uncompressed tar (what docker and skopeo write) becomes an
 * {@code application/vnd.oci.image.layer.v1.tar} blob whose digest is its diffID; a gzip or zstd layer (detected by
 * magic bytes) keeps its compression and media type, and its diffID is computed by decompressing the stored blob
 * once. Compressing on import is not offered yet: do it when pushing. Where an entry's name already gives its
 * digest ({@code blobs/sha256/<hex>} in Docker 25+ archives, {@code <hex>.tar} from skopeo) and the store has that
 * blob, the entry is only hashed, not written.
 *
 * <h2>Export</h2>
 *
 * Writes what {@code docker load} reads: {@code manifest.json} and {@code repositories} first (so that streaming
 * readers know the layout before the data), then {@code <config-hex>.json} for each config and {@code
 * <diffid-hex>/layer.tar} for each distinct layer, both sorted, each written once however many images share it.
 * RepoTags are in the familiar form docker writes ({@code busybox:1}). A compressed layer is decompressed twice,
 * streaming: once to learn its size (a tar header needs it first) and check it against its diffID, then to write it
 * — cheaper than spilling a multi-GiB layer to a temp file, and nothing wrong is ever written. All checks run before
 * the first byte is written.
 *
 * @see <a href="https://github.com/moby/moby/blob/master/image/spec/v1.2.md">Docker image spec v1.2</a>
 */
public final class DockerArchive {
  /** Entries up to this size are held in memory rather than streamed to the store: configs are a few KiB. */
  static final int SMALL_ENTRY = 1 << 20;
  /** At most this much is held in memory in total; later small entries are streamed like large ones. */
  static final long MAX_BUFFERED = 64L << 20;

  private static final Pattern BLOB_PATH = Pattern.compile("blobs/sha256/([0-9a-f]{64})");
  private static final Pattern DIFFID_TAR = Pattern.compile("([0-9a-f]{64})\\.tar");

  private DockerArchive() {}

  /** Imports the docker-archive at {@code archive} (a tar, or a gzip- or zstd-compressed tar). */
  public static ImportResult importFrom(OciStore store, Path archive, ImportOptions options) throws IOException {
    try (ArchiveInput in = ArchiveInput.open(archive, options.progress())) {
      return new Importer(store, in, options).run();
    }
  }

  /** Imports a docker-archive read from {@code archive}, e.g. stdin; does not close it. */
  public static ImportResult importFrom(OciStore store, InputStream archive, ImportOptions options)
      throws IOException {
    try (ArchiveInput in = ArchiveInput.of(archive, "<stream>", options.progress(), false)) {
      return new Importer(store, in, options).run();
    }
  }

  /** Exports the images {@code names} for the host's platform; see {@link #export(OciStore, List, Platform, OutputStream)}. */
  public static void export(OciStore store, List<String> names, OutputStream out) throws IOException {
    export(store, names, Platform.host(), out);
  }

  /**
   * Writes a {@code docker load} tar of the images named {@code names} (normalised first, so {@code busybox:1}
   * finds {@code docker.io/library/busybox:1}). A name that points at an index exports its manifest for {@code
   * platform}. Does not close {@code out}.
   *
   * @throws IOException naming the image when a name is unknown, an index lacks {@code platform} (listing the
   *     platforms it has), or a layer does not match its diffID
   */
  public static void export(OciStore store, List<String> names, Platform platform, OutputStream out)
      throws IOException {
    List<Descriptor> images = new ArrayList<>();
    for (String n : names) {
      images.add(Names.resolve(store, n));
    }
    exportDescriptors(store, images, platform, out);
  }

  /**
   * Like {@link #export(OciStore, List, Platform, OutputStream)} for descriptors of manifests or indexes in the
   * store; a descriptor's {@value Descriptor#REF_NAME} annotation, when it holds a reference with a tag, becomes a
   * RepoTag.
   */
  public static void exportDescriptors(
      OciStore store, List<Descriptor> images, Platform platform, OutputStream out) throws IOException {
    if (images.isEmpty()) {
      throw new IllegalArgumentException("export needs at least one image, got none");
    }
    Map<Digest, ExportImage> byManifest = new LinkedHashMap<>();
    for (Descriptor d : images) {
      String what = d.refName().map(n -> "image '" + n + "'").orElse("image " + d.digest());
      Descriptor md = platformManifest(store, d, platform, what);
      ExportImage known = byManifest.get(md.digest());
      if (known == null) {
        Manifest m = store.readManifest(md);
        ImageConfig c = ImageConfig.parse(store.read(m.config().digest()));
        if (c.diffIds().size() != m.layers().size()) {
          throw new IOException(
              what + ": manifest " + md.digest() + " has " + m.layers().size() + " layers but its config lists "
                  + c.diffIds().size() + " diff_ids");
        }
        known = new ExportImage(m, c, new ArrayList<>());
        byManifest.put(md.digest(), known);
      }
      ExportImage img = known;
      d.refName().flatMap(DockerArchive::repoTag).filter(t -> !img.repoTags().contains(t)).ifPresent(img.repoTags()::add);
    }

    // Every distinct layer by diffID, with the size its uncompressed form has; checked before writing anything.
    Map<Digest, Descriptor> layers = new TreeMap<>();
    Map<Digest, Long> sizes = new HashMap<>();
    for (ExportImage img : byManifest.values()) {
      for (int i = 0; i < img.manifest().layers().size(); i++) {
        Descriptor l = img.manifest().layers().get(i);
        Digest diffId = img.config().diffIds().get(i);
        if (layers.putIfAbsent(diffId, l) == null) {
          sizes.put(diffId, uncompressedSize(store, l, diffId));
        }
      }
    }

    TarWriter tar = new TarWriter(out);
    List<DockerArchiveJson.Entry> entries = new ArrayList<>();
    Map<String, Map<String, String>> repositories = new TreeMap<>();
    for (ExportImage img : byManifest.values()) {
      List<Digest> diffIds = img.config().diffIds();
      entries.add(
          new DockerArchiveJson.Entry(
              img.config().digest().hex() + ".json",
              img.repoTags(),
              diffIds.stream().map(d -> d.hex() + "/layer.tar").toList()));
      if (!diffIds.isEmpty()) {
        for (String t : img.repoTags()) {
          int colon = t.lastIndexOf(':');
          repositories
              .computeIfAbsent(t.substring(0, colon), k -> new TreeMap<>())
              .put(t.substring(colon + 1), diffIds.get(diffIds.size() - 1).hex());
        }
      }
    }
    tar.file("manifest.json", DockerArchiveJson.manifest(entries));
    tar.file("repositories", DockerArchiveJson.repositories(repositories));
    Map<Digest, ImageConfig> configs = new TreeMap<>();
    byManifest.values().forEach(i -> configs.put(i.config().digest(), i.config()));
    for (ImageConfig c : configs.values()) {
      tar.file(c.digest().hex() + ".json", c.bytes());
    }
    for (Map.Entry<Digest, Descriptor> e : layers.entrySet()) {
      Descriptor l = e.getValue();
      tar.directory(e.getKey().hex());
      try (InputStream in = Layers.decompress(store.open(l), compression(l))) {
        tar.file(e.getKey().hex() + "/layer.tar", sizes.get(e.getKey()), in);
      }
    }
    tar.finish();
  }

  private record ExportImage(Manifest manifest, ImageConfig config, List<String> repoTags) {}

  /** The familiar {@code repo:tag} docker writes, for a name that is a reference with a tag. */
  private static Optional<String> repoTag(String name) {
    try {
      Reference r = Reference.parse(name);
      return r.tag().map(t -> Reference.parse(r.name() + ":" + t).familiar());
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Follows indexes down to the manifest for {@code platform}. */
  static Descriptor platformManifest(OciStore store, Descriptor d, Platform platform, String what)
      throws IOException {
    for (int depth = 0; d.isIndex(); depth++) {
      if (depth > 4) {
        throw new IOException(what + " nests indexes more than 4 deep");
      }
      Index idx = store.readIndex(d);
      Optional<Descriptor> m = idx.find(platform);
      if (m.isEmpty()) {
        throw new IOException(
            what + " has no image for platform " + platform + "; it has: "
                + (idx.platforms().isEmpty() ? "(no platforms)" : idx.platforms().stream().map(Object::toString).distinct().toList())
                + "; choose one of those");
      }
      d = m.get();
    }
    if (!d.isManifest()) {
      throw new IOException(what + " is a " + d.mediaType() + ", not an image manifest or index");
    }
    return d;
  }

  private static Compression compression(Descriptor layer) throws IOException {
    return MediaType.find(layer.mediaType())
        .filter(MediaType::isLayer)
        .map(MediaType::compression)
        .orElseThrow(() -> new IOException("layer " + layer.digest() + " has media type " + layer.mediaType() + ", which is not a layer Ferry can export"));
  }

  /** The uncompressed size of a stored layer, checking that it hashes to {@code diffId}. */
  private static long uncompressedSize(OciStore store, Descriptor layer, Digest diffId) throws IOException {
    Compression c = compression(layer);
    if (c == Compression.NONE) {
      if (!layer.digest().equals(diffId)) {
        throw new DigestMismatchException("uncompressed layer (diffID)", diffId, layer.digest());
      }
      return layer.size();
    }
    Layers.Hashed h = Layers.hash(Layers.decompress(store.open(layer), c));
    if (!h.digest().equals(diffId)) {
      throw new DigestMismatchException("layer " + layer.digest() + " decompressed (diffID)", diffId, h.digest());
    }
    return h.size();
  }

  // ---------------------------------------------------------------- import

  /** An archive entry's content: held in memory, or already streamed into the store. */
  private sealed interface Content permits InMemory, Stored {}

  private record InMemory(byte[] bytes) implements Content {}

  private record Stored(Digest digest, long size, Compression compression) implements Content {}

  private record LayerBlob(Descriptor descriptor, Digest diffId) {}

  /** One import. Not thread-safe. */
  private static final class Importer {
    private final OciStore store;
    private final ArchiveInput in;
    private final ImportOptions options;
    private final Map<String, Content> files = new HashMap<>();
    private final Map<String, String> links = new HashMap<>();
    private final Map<String, LayerBlob> layerBlobs = new HashMap<>();
    private final byte[] buf = new byte[Layers.BUFFER];
    private long buffered;
    private int written;
    private int skipped;

    Importer(OciStore store, ArchiveInput in, ImportOptions options) {
      this.store = store;
      this.in = in;
      this.options = options;
    }

    ImportResult run() throws IOException {
      try (OciStore.Session s = store.session()) {
        for (ArchiveInput.Entry e; (e = in.next()) != null; ) {
          TarArchiveEntry t = e.tar();
          if (t.isSymbolicLink() || t.isLink()) {
            links.put(e.name(), in.linkTarget(e.name(), t));
          } else if (t.isFile() && !t.isCharacterDevice() && !t.isBlockDevice() && !t.isFIFO()) {
            long size = t.getSize();
            if (size <= SMALL_ENTRY && buffered + size <= MAX_BUFFERED) {
              files.put(e.name(), new InMemory(in.readAll(e)));
              buffered += size;
            } else {
              files.put(e.name(), stream(e, size));
            }
          }
        }
        return finish();
      }
    }

    /** Streams the current entry into the store, or only hashes it when its name says the store has it. */
    private Stored stream(ArchiveInput.Entry e, long size) throws IOException {
      InputStream src = in.content();
      byte[] head = read(e, src, new byte[4]);
      Compression c = ArchiveInput.compression(head, head.length);
      Matcher blob = BLOB_PATH.matcher(e.name());
      Matcher tar = DIFFID_TAR.matcher(e.name());
      Optional<Digest> named = Optional.empty();
      if (blob.matches()) {
        named = Optional.of(Digest.parse("sha256:" + blob.group(1)));
      } else if (tar.matches() && c == Compression.NONE) {
        named = Optional.of(Digest.parse("sha256:" + tar.group(1)));
      }
      if (named.isPresent() && store.exists(named.get())) {
        java.security.MessageDigest sha = Digest.Algorithm.SHA256.newMessageDigest();
        sha.update(head);
        long total = head.length + copy(e, src, sha::update, size - head.length);
        Digest actual = Digest.of(Digest.Algorithm.SHA256, sha.digest());
        if (!actual.equals(named.get())) {
          throw in.invalid(e.name(), "entry " + e.name() + " is named for " + named.get() + " but its content hashes to " + actual);
        }
        skipped++;
        return new Stored(actual, total, c);
      }
      try (OciStore.BlobWriter w = store.newBlob()) {
        w.write(head);
        if (!in.transferTo(e, head.length, w)) {
          copy(e, src, w::write, size - head.length);
        }
        Digest d;
        if (blob.matches()) {
          try {
            d = w.commit(named.get(), size);
          } catch (DigestMismatchException m) {
            throw new DigestMismatchException("archive entry " + e.name() + " of " + in.label(), m.expected(), m.actual());
          }
        } else {
          d = w.commit();
        }
        written++;
        return new Stored(d, size, c);
      }
    }

    private byte[] read(ArchiveInput.Entry e, InputStream src, byte[] b) throws IOException {
      try {
        return src.readNBytes(b.length);
      } catch (IOException | RuntimeException ex) {
        throw in.corrupt(e.name(), ex);
      }
    }

    @FunctionalInterface
    private interface Sink {
      void write(byte[] b, int off, int len) throws IOException;
    }

    /** Moves exactly {@code expected} more bytes of the entry to {@code sink}; a short entry is corrupt. */
    private long copy(ArchiveInput.Entry e, InputStream src, Sink sink, long expected) throws IOException {
      long total = 0;
      while (true) {
        int n;
        try {
          n = src.read(buf);
        } catch (IOException | RuntimeException ex) {
          throw in.corrupt(e.name(), ex);
        }
        if (n < 0) {
          break;
        }
        sink.write(buf, 0, n);
        total += n;
      }
      if (total != expected) {
        throw in.corrupt(e.name(), new EOFException("entry ended after " + total + " of " + expected + " bytes"));
      }
      return total;
    }

    private ImportResult finish() throws IOException {
      Content manifestFile = files.get("manifest.json");
      if (manifestFile == null) {
        boolean oci = files.containsKey("oci-layout");
        throw in.invalid(
            null,
            "no manifest.json at the top level, so it is not a docker-archive (docker save) tar"
                + (oci ? "; it has oci-layout: import it as an oci-archive" : ""));
      }
      List<DockerArchiveJson.Entry> images;
      try {
        images = DockerArchiveJson.parseManifest(bytes(manifestFile));
      } catch (IllegalArgumentException ex) {
        throw in.invalid("manifest.json", ex.getMessage());
      }
      if (images.isEmpty()) {
        throw in.invalid("manifest.json", "manifest.json lists no images");
      }
      if (options.nameOverride().isPresent() && images.size() != 1) {
        throw new IllegalArgumentException(
            "a name override needs an archive with exactly one image, but " + in.label() + " has " + images.size());
      }
      List<ImportedImage> result = new ArrayList<>();
      for (DockerArchiveJson.Entry image : images) {
        String what = image.repoTags().isEmpty() ? "image with config " + image.config() : "image " + image.repoTags();
        String configPath = resolve(image.config(), what);
        byte[] configBytes = bytes(files.get(configPath));
        ImageConfig config;
        try {
          config = ImageConfig.parse(configBytes);
        } catch (IllegalArgumentException ex) {
          throw in.invalid(configPath, what + ": config " + configPath + " is not an image config: " + ex.getMessage());
        }
        List<Digest> diffIds = config.diffIds();
        if (diffIds.size() != image.layers().size()) {
          throw in.invalid(
              "manifest.json",
              what + " lists " + image.layers().size() + " layers but its config has " + diffIds.size() + " rootfs.diff_ids");
        }
        List<Descriptor> layers = new ArrayList<>();
        for (int i = 0; i < diffIds.size(); i++) {
          String path = resolve(image.layers().get(i), what);
          LayerBlob l = layer(path);
          if (!l.diffId().equals(diffIds.get(i))) {
            throw in.invalid(
                path,
                what + ": layer " + i + " (" + path + ") has diffID " + l.diffId() + " but the config's rootfs.diff_ids["
                    + i + "] is " + diffIds.get(i));
          }
          layers.add(l.descriptor());
        }
        Descriptor configDescriptor = Descriptor.of(MediaType.OCI_CONFIG, config.digest(), configBytes.length);
        if (!store.exists(config.digest())) {
          store.put(config.digest(), configBytes);
          written++;
        }
        Manifest m = Manifest.of(configDescriptor, layers);
        if (!store.exists(m.digest())) {
          store.put(m);
          written++;
        }
        List<String> names = new ArrayList<>();
        if (options.nameOverride().isPresent()) {
          names.add(options.nameOverride().get());
        } else {
          for (String tag : image.repoTags()) {
            names.add(
                Names.normalise(tag).orElseThrow(() -> in.invalid("manifest.json", what + " has a RepoTag '" + tag + "' that is not a valid image reference")));
          }
        }
        if (names.isEmpty()) {
          result.add(new ImportedImage(Optional.empty(), m.descriptor()));
        }
        for (String n : names) {
          result.add(new ImportedImage(Optional.of(n), m.descriptor().withAnnotation(Descriptor.REF_NAME, n)));
        }
      }
      StoreNames.apply(store, result);
      return new ImportResult(result, in.bytesRead(), written, skipped);
    }

    /** An archive path from manifest.json, normalised and with links followed. */
    private String resolve(String raw, String what) throws IOException {
      String p = ArchiveInput.normalize(raw);
      if (p == null || raw.startsWith("/")) {
        throw in.invalid("manifest.json", what + " names '" + raw + "', which leaves the archive");
      }
      for (int hops = 0; links.containsKey(p); hops++) {
        if (hops > 16) {
          throw in.invalid(p, "links starting at " + raw + " form a loop");
        }
        p = links.get(p);
      }
      if (!files.containsKey(p)) {
        throw in.invalid(p, what + " needs " + raw + ", which is not in the archive");
      }
      return p;
    }

    private byte[] bytes(Content c) throws IOException {
      return switch (c) {
        case InMemory m -> m.bytes();
        case Stored s -> store.read(s.digest());
      };
    }

    /** The stored layer for an archive path, storing a small in-memory one now; memoised per path. */
    private LayerBlob layer(String path) throws IOException {
      LayerBlob known = layerBlobs.get(path);
      if (known != null) {
        return known;
      }
      Content content = files.get(path);
      Digest digest;
      long size;
      Compression c;
      switch (content) {
        case InMemory m -> {
          byte[] b = m.bytes();
          c = ArchiveInput.compression(b, b.length);
          digest = Digest.sha256(b);
          size = b.length;
          if (!store.exists(digest)) {
            store.put(digest, b);
            written++;
          }
        }
        case Stored s -> {
          digest = s.digest();
          size = s.size();
          c = s.compression();
        }
      }
      Digest diffId =
          c == Compression.NONE ? digest : Layers.hash(Layers.decompress(content instanceof InMemory m ? new ByteArrayInputStream(m.bytes()) : store.open(digest), c)).digest();
      LayerBlob l = new LayerBlob(Descriptor.of(MediaType.ociLayer(c), digest, size), diffId);
      layerBlobs.put(path, l);
      return l;
    }
  }
}
