package dev.ferry.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.internal.json.OciJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An image index (OCI 1.1) or manifest list (Docker v2.2) with the exact bytes it was read from. Immutable.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/main/image-index.md">OCI image index</a>
 */
public final class Index {
  private final byte[] bytes;
  private final Digest digest;
  private final MediaType mediaType;
  private final List<Descriptor> manifests;
  private final Map<String, String> annotations;
  private final Optional<Descriptor> subject;
  private final Optional<String> artifactType;

  private Index(
      byte[] bytes,
      MediaType mediaType,
      List<Descriptor> manifests,
      Map<String, String> annotations,
      Optional<Descriptor> subject,
      Optional<String> artifactType) {
    this.bytes = bytes;
    this.digest = Digest.sha256(bytes);
    this.mediaType = mediaType;
    this.manifests = List.copyOf(manifests);
    this.annotations = Map.copyOf(annotations);
    this.subject = subject;
    this.artifactType = artifactType;
  }

  /** Parses an index or manifest list; {@code declaredType} as in {@link Manifest#parse}. */
  public static Index parse(byte[] bytes, Optional<String> declaredType) {
    byte[] copy = bytes.clone();
    ObjectNode n = OciJson.parseObject(copy, "image index");
    JsonNode sv = n.get("schemaVersion");
    if (sv == null || !sv.isInt() || sv.asInt() != 2) {
      throw new IllegalArgumentException(
          "image index must have schemaVersion 2, got " + (sv == null ? "none" : sv.toString()));
    }
    MediaType type =
        MediaType.parse(OciJson.optText(n, "mediaType").or(() -> declaredType).orElse(MediaType.OCI_INDEX.value()));
    if (!type.isIndex()) {
      throw new IllegalArgumentException("expected an image index but the document is a " + type.value());
    }
    JsonNode ms = n.get("manifests");
    if (ms == null || !ms.isArray()) {
      throw new IllegalArgumentException("image index needs a 'manifests' array");
    }
    List<Descriptor> manifests = new ArrayList<>();
    int i = 0;
    for (JsonNode m : ms) {
      manifests.add(OciJson.descriptor(m, "index entry " + i++));
    }
    Optional<Descriptor> subject =
        n.has("subject") ? Optional.of(OciJson.descriptor(n.get("subject"), "index subject")) : Optional.empty();
    return new Index(
        copy, type, manifests, OciJson.stringMap(n.get("annotations")), subject, OciJson.optText(n, "artifactType"));
  }

  /** Writes a new index of the given type in canonical compact form. */
  public static Index of(MediaType type, List<Descriptor> manifests, Map<String, String> annotations) {
    if (!type.isIndex()) {
      throw new IllegalArgumentException("an index's media type must be an index type, got " + type.value());
    }
    ObjectNode n = OciJson.object();
    n.put("schemaVersion", 2);
    n.put("mediaType", type.value());
    n.set("manifests", OciJson.toJson(manifests));
    if (!annotations.isEmpty()) {
      ObjectNode a = n.putObject("annotations");
      new java.util.TreeMap<>(annotations).forEach(a::put);
    }
    return new Index(OciJson.bytes(n), type, manifests, annotations, Optional.empty(), Optional.empty());
  }

  public static Index of(List<Descriptor> manifests) {
    return of(MediaType.OCI_INDEX, manifests, Map.of());
  }

  public byte[] bytes() {
    return bytes.clone();
  }

  public Digest digest() {
    return digest;
  }

  public MediaType mediaType() {
    return mediaType;
  }

  public List<Descriptor> manifests() {
    return manifests;
  }

  public Map<String, String> annotations() {
    return annotations;
  }

  public Optional<Descriptor> subject() {
    return subject;
  }

  public Optional<String> artifactType() {
    return artifactType;
  }

  public Descriptor descriptor() {
    return Descriptor.of(mediaType, digest, bytes.length);
  }

  /** The first manifest entry whose platform matches {@code wanted}. */
  public Optional<Descriptor> find(Platform wanted) {
    return manifests.stream().filter(d -> d.platform().map(wanted::matches).orElse(false)).findFirst();
  }

  /** The platforms of the entries that have one, in index order. */
  public List<Platform> platforms() {
    return manifests.stream().flatMap(d -> d.platform().stream()).toList();
  }
}
