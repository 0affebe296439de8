package dev.ferry.oci.archive;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.DigestMismatchException;
import dev.ferry.oci.Index;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.internal.json.OciJson;
import dev.ferry.oci.store.OciStore;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Imports and exports OCI image layouts, as a tar ("oci-archive", what {@code skopeo copy … oci-archive:f.tar} and
 * {@code buildah push … oci-archive:} write) or as a directory ("oci:DIR"). Stateless and thread-safe.
 *
 * <h2>Names</h2>
 *
 * Each entry of the layout's {@code index.json} is one image (a manifest, or an index kept whole with every
 * platform). Its {@value Descriptor#REF_NAME} annotation is whatever the writer put there: skopeo writes the text
 * after the path verbatim ({@code oci-archive:f.tar:myimage:1} gives {@code myimage:1}, and no annotation without
 * it), Ferry writes the full reference ({@code docker.io/library/x:1}). On import a ref.name that parses as a
 * reference is normalised and becomes the store name ({@code myimage:1} → {@code docker.io/library/myimage:1}); note
 * that a bare tag such as {@code 1} parses as a repository and becomes {@code docker.io/library/1:latest}, so pass
 * {@link ImportOptions#nameOverride()} for such archives. Anything else leaves the image unnamed (listed in the
 * result only). On export each image is listed under its full store name, so {@code skopeo inspect
 * oci-archive:f.tar:docker.io/library/x:1} finds it.
 *
 * <h2>Import</h2>
 *
 * One streaming pass. Each {@code blobs/<alg>/<hex>} entry is stored with its content checked against its name
 * ({@link DigestMismatchException} otherwise, and nothing stored for it); blobs the store already has are read past
 * without writing. Other entries than {@code oci-layout}, {@code index.json} and blobs are ignored (Docker 25+
 * archives carry a {@code manifest.json} too). Before any name is written, everything reachable from {@code
 * index.json} must have been in the archive with its declared size.
 *
 * <h2>Export</h2>
 *
 * {@code oci-layout} and {@code index.json} first, then every reachable blob once, sorted by digest, streamed from
 * the store with its digest verified; mtime 0, uid/gid 0.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/main/image-layout.md">OCI image layout</a>
 */
public final class OciArchive {
  private static final Pattern BLOB_PATH = Pattern.compile("blobs/([a-z0-9]+)/([0-9a-f]+)");
  private static final byte[] LAYOUT = "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);

  private OciArchive() {}

  /** Imports the oci-archive at {@code archive} (a tar, or a gzip- or zstd-compressed tar). */
  public static ImportResult importFrom(OciStore store, Path archive, ImportOptions options) throws IOException {
    try (ArchiveInput in = ArchiveInput.open(archive, options.progress())) {
      return importFrom(store, in, options);
    }
  }

  /** Imports an oci-archive read from {@code archive}, e.g. stdin; does not close it. */
  public static ImportResult importFrom(OciStore store, InputStream archive, ImportOptions options)
      throws IOException {
    try (ArchiveInput in = ArchiveInput.of(archive, "<stream>", options.progress(), false)) {
      return importFrom(store, in, options);
    }
  }

  /**
   * Imports the images of the OCI layout directory {@code layout} (what {@code oci:DIR} means to skopeo), copying
   * the blobs they reach; nothing is written into {@code layout}. {@link ImportResult#bytesRead()} counts blob
   * bytes copied.
   */
  public static ImportResult importLayout(OciStore store, Path layout, ImportOptions options) throws IOException {
    BlobSource source = BlobSource.ofLayout(layout);
    List<Descriptor> roots = source.entries();
    ImageGraph g = ImageGraph.walk(source, roots, d -> true).check("OCI layout " + layout + " is incomplete");
    try (OciStore.Session s = store.session()) {
      Copied c = copy(source, g, store, options);
      List<ImportedImage> images = name(roots, options, layout.toString());
      StoreNames.apply(store, images);
      return new ImportResult(images, c.bytes(), c.written(), c.skipped());
    }
  }

  /**
   * Writes the images named {@code names} into the OCI layout directory {@code layout} (created if missing),
   * skipping blobs it already has, and names each there by its full reference. An index is copied whole.
   */
  public static void exportLayout(OciStore store, List<String> names, Path layout) throws IOException {
    List<Descriptor> roots = resolve(store, names);
    ImageGraph g = ImageGraph.walk(BlobSource.of(store), roots, d -> true).check("cannot export from " + store.root());
    OciStore target = OciStore.open(layout);
    try (OciStore.Session s = target.session()) {
      copy(BlobSource.of(store), g, target, ImportOptions.defaults());
      StoreNames.apply(target, roots.stream().map(d -> new ImportedImage(d.refName(), d)).toList());
    }
  }

  /**
   * Writes an oci-archive of the images named {@code names} (normalised first) to {@code out}, with every platform
   * of an index. Does not close {@code out}.
   *
   * @throws IOException naming the image when a name is unknown or a blob it reaches is missing
   */
  public static void export(OciStore store, List<String> names, OutputStream out) throws IOException {
    exportDescriptors(store, resolve(store, names), out);
  }

  /**
   * Writes an oci-archive of {@code roots} to {@code out}; each is listed in the archive's {@code index.json} with the
   * annotations it carries (its {@link Descriptor#REF_NAME} names it there). Does not close {@code out}.
   */
  public static void exportDescriptors(OciStore store, List<Descriptor> roots, OutputStream out) throws IOException {
    if (roots.isEmpty()) {
      throw new IllegalArgumentException("export needs at least one image, got none");
    }
    ImageGraph g = ImageGraph.walk(BlobSource.of(store), roots, d -> true).check("cannot export from " + store.root());
    Map<Digest, Descriptor> sorted = new TreeMap<>(g.blobs());
    TarWriter tar = new TarWriter(out);
    tar.file("oci-layout", LAYOUT);
    tar.file("index.json", Index.of(roots).bytes());
    tar.directory("blobs");
    Set<String> dirs = new HashSet<>();
    for (Descriptor d : sorted.values()) {
      String alg = d.digest().algorithm().id();
      if (dirs.add(alg)) {
        tar.directory("blobs/" + alg);
      }
      try (InputStream in = store.open(d)) {
        tar.file("blobs/" + alg + "/" + d.digest().hex(), d.size(), in);
      }
    }
    tar.finish();
  }

  /**
   * Copies the image {@code root} (an index with all its platforms) from one store or layout to another and names it
   * {@code name} there (as given: other tools' layouts may use short names), replacing what the name meant.
   */
  public static Descriptor copy(OciStore from, Descriptor root, OciStore to, String name) throws IOException {
    ImageGraph g = ImageGraph.walk(BlobSource.of(from), List.of(root), d -> true).check("cannot copy from " + from.root());
    Descriptor named = root.withAnnotation(Descriptor.REF_NAME, name);
    try (OciStore.Session s = to.session()) {
      copy(BlobSource.of(from), g, to, ImportOptions.defaults());
      StoreNames.apply(to, List.of(new ImportedImage(java.util.Optional.of(name), named)));
    }
    return named;
  }

  private static List<Descriptor> resolve(OciStore store, List<String> names) throws IOException {
    if (names.isEmpty()) {
      throw new IllegalArgumentException("export needs at least one image name, got none");
    }
    List<Descriptor> roots = new ArrayList<>();
    for (String n : names) {
      Descriptor d = Names.resolve(store, n);
      if (roots.stream().noneMatch(d::equals)) {
        roots.add(d);
      }
    }
    return roots;
  }

  private record Copied(long bytes, int written, int skipped) {}

  private static Copied copy(BlobSource from, ImageGraph g, OciStore to, ImportOptions options) throws IOException {
    long bytes = 0;
    int written = 0;
    int skipped = 0;
    for (Descriptor d : g.blobs().values()) {
      if (to.exists(d.digest())) {
        skipped++;
        continue;
      }
      try (InputStream in = from.open(d.digest())) {
        to.put(in, d.digest(), d.size());
      }
      written++;
      bytes += d.size();
      options.progress().accept(bytes);
    }
    return new Copied(bytes, written, skipped);
  }

  /** What each index.json entry is named in the store. */
  private static List<ImportedImage> name(List<Descriptor> roots, ImportOptions options, String label) {
    if (options.nameOverride().isPresent() && roots.size() != 1) {
      throw new IllegalArgumentException(
          "a name override needs a layout with exactly one image, but " + label + " lists " + roots.size()
              + " in index.json");
    }
    List<ImportedImage> out = new ArrayList<>();
    for (Descriptor d : roots) {
      Optional<String> n = options.nameOverride().or(() -> d.refName().flatMap(Names::normalise));
      out.add(new ImportedImage(n, d.withAnnotation(Descriptor.REF_NAME, n.orElse(null))));
    }
    return out;
  }

  private static ImportResult importFrom(OciStore store, ArchiveInput in, ImportOptions options) throws IOException {
    try (OciStore.Session s = store.session()) {
      Set<Digest> inArchive = new HashSet<>();
      byte[] index = null;
      byte[] layout = null;
      boolean docker = false;
      int written = 0;
      int skipped = 0;
      byte[] buf = new byte[Layers.BUFFER];
      for (ArchiveInput.Entry e; (e = in.next()) != null; ) {
        var t = e.tar();
        if (!t.isFile() || t.isSymbolicLink() || t.isLink() || t.isCharacterDevice() || t.isBlockDevice() || t.isFIFO()) {
          continue;
        }
        switch (e.name()) {
          case "index.json" -> index = small(in, e, OciStore.MAX_DOCUMENT_SIZE);
          case "oci-layout" -> layout = small(in, e, 4096);
          case "manifest.json" -> docker = true;
          default -> {
            Matcher m = BLOB_PATH.matcher(e.name());
            if (!m.matches()) {
              continue;
            }
            Digest d;
            try {
              d = Digest.parse(m.group(1) + ":" + m.group(2));
            } catch (IllegalArgumentException ex) {
              throw in.invalid(e.name(), "blob file " + e.name() + " is not named by a digest: " + ex.getMessage());
            }
            if (!inArchive.add(d) || store.exists(d)) {
              skipped++;
              continue; // the reader skips the entry's data
            }
            try (OciStore.BlobWriter w = store.newBlob()) {
              boolean transferred = in.transferTo(e, 0, w); // a kernel copy when reading a plain tar file
              long total = transferred ? t.getSize() : 0;
              while (!transferred) {
                int n;
                try {
                  n = in.content().read(buf);
                } catch (IOException | RuntimeException ex) {
                  throw in.corrupt(e.name(), ex);
                }
                if (n < 0) {
                  break;
                }
                w.write(buf, 0, n);
                total += n;
              }
              if (total != t.getSize()) {
                throw in.corrupt(e.name(), new EOFException("entry ended after " + total + " of " + t.getSize() + " bytes"));
              }
              try {
                w.commit(d, t.getSize());
              } catch (DigestMismatchException ex) {
                throw new DigestMismatchException(
                    "archive entry " + e.name() + " of " + in.label(), ex.expected(), ex.actual());
              }
              written++;
            }
          }
        }
      }
      if (layout == null) {
        throw in.invalid(
            null,
            "no oci-layout file at the top level, so it is not an oci-archive"
                + (docker ? "; it has manifest.json: import it as a docker-archive" : ""));
      }
      String version;
      List<Descriptor> roots;
      try {
        version = OciJson.optText(OciJson.parseObject(layout, "oci-layout"), "imageLayoutVersion").orElse("");
        if (index == null) {
          throw in.invalid(null, "no index.json at the top level");
        }
        roots = Index.parse(index, Optional.of(MediaType.OCI_INDEX.value())).manifests();
      } catch (IllegalArgumentException ex) {
        throw in.invalid("index.json", ex.getMessage());
      }
      if (!version.startsWith("1.")) {
        throw in.invalid("oci-layout", "imageLayoutVersion is '" + version + "'; Ferry reads OCI image layout 1.x only");
      }
      ImageGraph g = ImageGraph.walk(BlobSource.of(store), roots, d -> inArchive.contains(d) || options.fromStore().contains(d));
      if (!g.problems().isEmpty()) {
        throw in.invalid(
            "index.json",
            "the archive is incomplete: " + String.join("; ", g.problems().subList(0, Math.min(10, g.problems().size()))));
      }
      List<ImportedImage> images = name(roots, options, in.label());
      StoreNames.apply(store, images);
      return new ImportResult(images, in.bytesRead(), written, skipped);
    }
  }

  private static byte[] small(ArchiveInput in, ArchiveInput.Entry e, long limit) throws IOException {
    if (e.tar().getSize() > limit) {
      throw in.invalid(e.name(), e.name() + " is " + e.tar().getSize() + " bytes; more than the " + limit + " allowed");
    }
    return in.readAll(e);
  }
}
