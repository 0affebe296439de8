package dev.ferry.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.internal.json.OciJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An image manifest (OCI 1.1 or Docker v2.2 schema 2) with the exact bytes it was read from. Immutable.
 *
 * <p>{@link #digest()} is the hash of {@link #bytes()}, never of a re-serialisation.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/main/manifest.md">OCI image manifest</a>
 */
public final class Manifest {
  private final byte[] bytes;
  private final Digest digest;
  private final MediaType mediaType;
  private final Descriptor config;
  private final List<Descriptor> layers;
  private final Optional<Descriptor> subject;
  private final Optional<String> artifactType;
  private final Map<String, String> annotations;

  private Manifest(
      byte[] bytes,
      MediaType mediaType,
      Descriptor config,
      List<Descriptor> layers,
      Optional<Descriptor> subject,
      Optional<String> artifactType,
      Map<String, String> annotations) {
    this.bytes = bytes;
    this.digest = Digest.sha256(bytes);
    this.mediaType = mediaType;
    this.config = config;
    this.layers = List.copyOf(layers);
    this.subject = subject;
    this.artifactType = artifactType;
    this.annotations = Map.copyOf(annotations);
  }

  /**
   * Parses a manifest. {@code declaredType} is the media type it was served or described with, if any; a type in
   * the document wins when both exist (registries and layouts sometimes describe a Docker manifest loosely).
   *
   * @throws IllegalArgumentException when the bytes are not a manifest Ferry understands
   */
  public static Manifest parse(byte[] bytes, Optional<String> declaredType) {
    byte[] copy = bytes.clone();
    ObjectNode n = OciJson.parseObject(copy, "image manifest");
    JsonNode sv = n.get("schemaVersion");
    if (sv == null || !sv.isInt() || sv.asInt() != 2) {
      throw new IllegalArgumentException(
          "image manifest must have schemaVersion 2, got " + (sv == null ? "none" : sv.toString()));
    }
    String typeName =
        OciJson.optText(n, "mediaType").or(() -> declaredType).orElse(MediaType.OCI_MANIFEST.value());
    MediaType type = MediaType.parse(typeName);
    if (!type.isManifest()) {
      throw new IllegalArgumentException(
          "expected an image manifest but the document is a " + type.value() + "; use the index reader");
    }
    if (!n.has("config")) {
      throw new IllegalArgumentException("image manifest has no config descriptor");
    }
    Descriptor config = OciJson.descriptor(n.get("config"), "manifest config");
    List<Descriptor> layers = new ArrayList<>();
    JsonNode ls = n.get("layers");
    if (ls != null && !ls.isArray()) {
      throw new IllegalArgumentException("image manifest 'layers' must be an array");
    }
    if (ls != null) {
      int i = 0;
      for (JsonNode l : ls) {
        layers.add(OciJson.descriptor(l, "manifest layer " + i++));
      }
    }
    Optional<Descriptor> subject =
        n.has("subject") ? Optional.of(OciJson.descriptor(n.get("subject"), "manifest subject")) : Optional.empty();
    return new Manifest(
        copy,
        type,
        config,
        layers,
        subject,
        OciJson.optText(n, "artifactType"),
        OciJson.stringMap(n.get("annotations")));
  }

  /** Writes a new manifest of the given type in canonical compact form. */
  public static Manifest of(
      MediaType type,
      Descriptor config,
      List<Descriptor> layers,
      Map<String, String> annotations,
      Optional<Descriptor> subject,
      Optional<String> artifactType) {
    if (!type.isManifest()) {
      throw new IllegalArgumentException("a manifest's media type must be a manifest type, got " + type.value());
    }
    ObjectNode n = OciJson.object();
    n.put("schemaVersion", 2);
    n.put("mediaType", type.value());
    artifactType.ifPresent(t -> n.put("artifactType", t));
    n.set("config", OciJson.toJson(config));
    ArrayNode ls = n.putArray("layers");
    layers.forEach(l -> ls.add(OciJson.toJson(l)));
    subject.ifPresent(s -> n.set("subject", OciJson.toJson(s)));
    if (!annotations.isEmpty()) {
      ObjectNode a = n.putObject("annotations");
      new java.util.TreeMap<>(annotations).forEach(a::put);
    }
    return new Manifest(OciJson.bytes(n), type, config, layers, subject, artifactType, annotations);
  }

  /** An OCI image manifest with no annotations. */
  public static Manifest of(Descriptor config, List<Descriptor> layers) {
    return of(MediaType.OCI_MANIFEST, config, layers, Map.of(), Optional.empty(), Optional.empty());
  }

  /** The exact bytes; a copy. */
  public byte[] bytes() {
    return bytes.clone();
  }

  public Digest digest() {
    return digest;
  }

  public MediaType mediaType() {
    return mediaType;
  }

  public Descriptor config() {
    return config;
  }

  public List<Descriptor> layers() {
    return layers;
  }

  public Optional<Descriptor> subject() {
    return subject;
  }

  public Optional<String> artifactType() {
    return artifactType;
  }

  public Map<String, String> annotations() {
    return annotations;
  }

  /** A descriptor of this manifest. */
  public Descriptor descriptor() {
    return Descriptor.of(mediaType, digest, bytes.length);
  }

  /** Sum of the config and layer sizes, the bytes a pull moves besides the manifest. */
  public long contentSize() {
    return config.size() + layers.stream().mapToLong(Descriptor::size).sum();
  }
}
