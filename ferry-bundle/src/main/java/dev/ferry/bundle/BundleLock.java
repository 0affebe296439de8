package dev.ferry.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Platform;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code ferry.lock.json}: everything a bundle holds, by digest, so that it can be verified offline and pushed
 * without guessing. The signature covers its exact bytes; through the digests it lists, it covers every blob and
 * the layout's {@code index.json}. Immutable.
 *
 * @param name product name
 * @param version delivery version
 * @param created when it was packed (ISO-8601; from {@code SOURCE_DATE_EPOCH} when set)
 * @param naming default naming at the destination ({@code keep-path} or {@code flatten})
 * @param targets the targets packed: name, platform, accelerator
 * @param images every image, with every platform
 * @param artifacts files, models and wheelhouses
 * @param blobs every blob in the bundle's layout, each once
 * @param base blobs the images need but the bundle leaves out (a delta): the destination must already have them
 * @param layoutIndex digest of the layout's {@code index.json} entry
 */
public record BundleLock(
    String name,
    String version,
    String created,
    String naming,
    List<LockedTarget> targets,
    List<LockedImage> images,
    List<LockedArtifact> artifacts,
    List<LockedBlob> blobs,
    List<BaseBlob> base,
    Digest layoutIndex) {
  /** The lock's format version. */
  public static final int SCHEMA_VERSION = 1;

  public BundleLock {
    Objects.requireNonNull(name, "name");
    targets = List.copyOf(targets);
    images = List.copyOf(images);
    artifacts = List.copyOf(artifacts);
    blobs = List.copyOf(blobs);
    base = List.copyOf(base);
    Objects.requireNonNull(layoutIndex, "layoutIndex");
  }

  /** A target as packed. */
  public record LockedTarget(String name, Platform platform, String accelerator) {}

  /**
   * One image.
   *
   * @param name repository path at the destination
   * @param tag tag at the destination
   * @param source where it came from: {@code build:CONTEXT} or the pulled reference
   * @param mediaType of the top document (an index or, for one platform from a manifest, a manifest)
   * @param digest the top document's digest in the bundle (what a push by digest gives)
   * @param size its size
   * @param sourceDigest the digest it had at its source when the bundle carries a different top document (an index
   *     reduced to the delivery's platforms)
   * @param platforms each platform's manifest
   */
  public record LockedImage(
      String name, String tag, String source, String mediaType, Digest digest, long size,
      Optional<Digest> sourceDigest, List<LockedPlatform> platforms) {
    public LockedImage {
      platforms = List.copyOf(platforms);
    }

    /** {@code name:tag}. */
    public String nameAndTag() {
      return name + ":" + tag;
    }
  }

  /**
   * One platform of an image: its manifest, config, targets, bytes and SBOM ({@code sbom} the CycloneDX blob,
   * {@code sbomManifest} the OCI artifact that refers to the platform's manifest as its subject and carries it, so
   * that registries list it as a referrer).
   */
  public record LockedPlatform(
      Platform platform, List<String> targets, Digest digest, long size, Digest config, long layerBytes, Optional<Digest> sbom,
      Optional<Digest> sbomManifest) {
    public LockedPlatform {
      targets = List.copyOf(targets);
    }

    /** This platform with its SBOM referrer. */
    public LockedPlatform withSbomManifest(Digest d) {
      return new LockedPlatform(platform, targets, digest, size, config, layerBytes, sbom, Optional.of(d));
    }
  }

  /** A file, model or wheelhouse artifact. */
  public record LockedArtifact(
      String kind, String name, String tag, String artifactType, Digest digest, long size, List<LockedFile> files,
      Optional<Digest> sbom) {
    public LockedArtifact {
      files = List.copyOf(files);
    }

    /** {@code name:tag}. */
    public String nameAndTag() {
      return name + ":" + tag;
    }
  }

  /** One file of an artifact: its path inside it, digest and size. */
  public record LockedFile(String path, Digest digest, long size) {}

  /** A blob of the layout. */
  public record LockedBlob(Digest digest, long size, String mediaType) {}

  /** A blob left out of a delta and where the site had it ({@code repositories} under the inventory's prefix). */
  public record BaseBlob(Digest digest, long size, String mediaType, List<String> repositories) {
    public BaseBlob {
      repositories = List.copyOf(repositories);
    }
  }

  /** Whether this is a delta (some blobs are expected at the destination). */
  public boolean isDelta() {
    return !base.isEmpty();
  }

  /** Blob bytes in the bundle. */
  public long blobBytes() {
    return blobs.stream().mapToLong(LockedBlob::size).sum();
  }

  /** Blobs by digest. */
  public Map<Digest, LockedBlob> blobsByDigest() {
    Map<Digest, LockedBlob> m = new LinkedHashMap<>();
    blobs.forEach(b -> m.put(b.digest(), b));
    return m;
  }

  // --- JSON ------------------------------------------------------------------------------------------------------

  /** The lock's bytes: pretty JSON, keys in a fixed order, newline at the end. */
  public byte[] bytes() {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("schemaVersion", SCHEMA_VERSION);
    o.put("name", name);
    o.put("version", version);
    o.put("created", created);
    o.put("naming", naming);
    ArrayNode ts = o.putArray("targets");
    targets.forEach(t -> ts.addObject().put("name", t.name()).put("platform", t.platform().toString()).put("accelerator", t.accelerator()));
    ArrayNode is = o.putArray("images");
    for (LockedImage i : images) {
      ObjectNode n = is.addObject();
      n.put("name", i.name()).put("tag", i.tag()).put("destination", destination(i.name(), i.tag()))
          .put("source", i.source()).put("mediaType", i.mediaType())
          .put("digest", i.digest().toString()).put("size", i.size());
      i.sourceDigest().ifPresent(d -> n.put("sourceDigest", d.toString()));
      ArrayNode ps = n.putArray("platforms");
      for (LockedPlatform p : i.platforms()) {
        ObjectNode pn = ps.addObject();
        pn.put("platform", p.platform().toString());
        ArrayNode tn = pn.putArray("targets");
        p.targets().forEach(tn::add);
        pn.put("digest", p.digest().toString()).put("size", p.size()).put("config", p.config().toString())
            .put("layerBytes", p.layerBytes());
        p.sbom().ifPresent(d -> pn.put("sbom", d.toString()));
        p.sbomManifest().ifPresent(d -> pn.put("sbomManifest", d.toString()));
      }
    }
    ArrayNode as = o.putArray("artifacts");
    for (LockedArtifact a : artifacts) {
      ObjectNode n = as.addObject();
      n.put("kind", a.kind()).put("name", a.name()).put("tag", a.tag()).put("destination", destination(a.name(), a.tag()))
          .put("artifactType", a.artifactType())
          .put("digest", a.digest().toString()).put("size", a.size());
      ArrayNode fs = n.putArray("files");
      a.files().forEach(f -> fs.addObject().put("path", f.path()).put("digest", f.digest().toString()).put("size", f.size()));
      a.sbom().ifPresent(d -> n.put("sbom", d.toString()));
    }
    ArrayNode bs = o.putArray("blobs");
    blobs.forEach(b -> bs.addObject().put("digest", b.digest().toString()).put("size", b.size()).put("mediaType", b.mediaType()));
    ArrayNode base = o.putArray("base");
    for (BaseBlob b : this.base) {
      ObjectNode n = base.addObject().put("digest", b.digest().toString()).put("size", b.size()).put("mediaType", b.mediaType());
      ArrayNode rs = n.putArray("repositories");
      b.repositories().forEach(rs::add);
    }
    o.put("layoutIndex", layoutIndex.toString());
    try {
      byte[] b = Json.MAPPER.writeValueAsBytes(o);
      byte[] out = java.util.Arrays.copyOf(b, b.length + 1);
      out[b.length] = '\n';
      return out;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Where {@code name:tag} goes under a push prefix with this lock's naming: {@code PREFIX/<this>}. */
  public String destination(String name, String tag) {
    return (naming.equals("flatten") ? name.substring(name.lastIndexOf('/') + 1) : name) + ":" + tag;
  }

  /** Parses lock bytes; {@code label} names the source in messages. */
  public static BundleLock parse(byte[] bytes, String label) throws BundleException {
    try {
      JsonNode o = Json.MAPPER.readTree(bytes);
      int v = o.path("schemaVersion").asInt(-1);
      if (v != SCHEMA_VERSION) {
        throw new BundleException(label + " has lock format version " + v + "; this Ferry reads version " + SCHEMA_VERSION);
      }
      List<LockedTarget> targets = new ArrayList<>();
      for (JsonNode t : o.path("targets")) {
        targets.add(new LockedTarget(text(t, "name"), Platform.parse(text(t, "platform")), t.path("accelerator").asText("")));
      }
      List<LockedImage> images = new ArrayList<>();
      for (JsonNode i : o.path("images")) {
        List<LockedPlatform> ps = new ArrayList<>();
        for (JsonNode p : i.path("platforms")) {
          List<String> ts = new ArrayList<>();
          p.path("targets").forEach(t -> ts.add(t.asText()));
          ps.add(new LockedPlatform(Platform.parse(text(p, "platform")), ts, digest(p, "digest"), p.path("size").asLong(),
              digest(p, "config"), p.path("layerBytes").asLong(), optDigest(p, "sbom"), optDigest(p, "sbomManifest")));
        }
        images.add(new LockedImage(text(i, "name"), text(i, "tag"), text(i, "source"), text(i, "mediaType"),
            digest(i, "digest"), i.path("size").asLong(), optDigest(i, "sourceDigest"), ps));
      }
      List<LockedArtifact> artifacts = new ArrayList<>();
      for (JsonNode a : o.path("artifacts")) {
        List<LockedFile> fs = new ArrayList<>();
        for (JsonNode f : a.path("files")) {
          fs.add(new LockedFile(text(f, "path"), digest(f, "digest"), f.path("size").asLong()));
        }
        artifacts.add(new LockedArtifact(text(a, "kind"), text(a, "name"), text(a, "tag"), text(a, "artifactType"),
            digest(a, "digest"), a.path("size").asLong(), fs, optDigest(a, "sbom")));
      }
      List<LockedBlob> blobs = new ArrayList<>();
      for (JsonNode b : o.path("blobs")) {
        blobs.add(new LockedBlob(digest(b, "digest"), b.path("size").asLong(), text(b, "mediaType")));
      }
      List<BaseBlob> base = new ArrayList<>();
      for (JsonNode b : o.path("base")) {
        List<String> rs = new ArrayList<>();
        b.path("repositories").forEach(r -> rs.add(r.asText()));
        base.add(new BaseBlob(digest(b, "digest"), b.path("size").asLong(), text(b, "mediaType"), rs));
      }
      return new BundleLock(text(o, "name"), text(o, "version"), o.path("created").asText(""), o.path("naming").asText("keep-path"),
          targets, images, artifacts, blobs, base, digest(o, "layoutIndex"));
    } catch (IOException | IllegalArgumentException e) {
      throw new BundleException(label + " is not a valid ferry.lock.json: " + e.getMessage(), e);
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException("missing text field '" + field + "'");
    }
    return v.asText();
  }

  private static Digest digest(JsonNode n, String field) {
    return Digest.parse(text(n, field));
  }

  private static Optional<Digest> optDigest(JsonNode n, String field) {
    return n.hasNonNull(field) ? Optional.of(Digest.parse(n.get(field).asText())) : Optional.empty();
  }
}
