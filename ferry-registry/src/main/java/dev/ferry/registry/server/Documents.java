package dev.ferry.registry.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Index;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Validation of manifests and indexes pushed to the server, on top of the model's parsers. Stateless. */
final class Documents {
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

  static {
    // Pushed documents are at most 4 MiB; deep nesting is an attack, not a manifest.
    JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
  }

  private Documents() {}

  /** A pushed manifest or index, validated. */
  record Parsed(
      String mediaType,
      boolean isIndex,
      Digest digest,
      List<Descriptor> references,
      Optional<Descriptor> subject,
      Optional<String> artifactType,
      Map<String, String> annotations) {

    /** The descriptor this document has in a referrers list. */
    Descriptor asReferrer(long size) {
      return new Descriptor(mediaType, digest, size, annotations, Optional.empty(), artifactType, List.of());
    }
  }

  /**
   * Parses and validates a manifest or index. {@code contentType} is the request's Content-Type, if any.
   *
   * @throws IllegalArgumentException saying what is wrong, for a {@code MANIFEST_INVALID} answer
   */
  static Parsed parse(byte[] bytes, Optional<String> contentType) {
    JsonNode n;
    try {
      n = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new IllegalArgumentException("manifest is not valid JSON: " + firstLine(e.getMessage()));
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("manifest is not a JSON object");
    }
    JsonNode mt = n.get("mediaType");
    if (mt != null && !mt.isTextual()) {
      throw new IllegalArgumentException("manifest mediaType must be a string, got " + mt);
    }
    Optional<String> declared = Optional.ofNullable(mt).map(JsonNode::asText);
    Optional<String> header = contentType.map(Documents::bare).filter(t -> !t.isEmpty());
    if (declared.isPresent() && header.isPresent() && !declared.get().equals(header.get())) {
      throw new IllegalArgumentException(
          "Content-Type " + header.get() + " does not match the manifest's mediaType " + declared.get());
    }
    String type = declared.or(() -> header).orElseGet(() -> n.has("manifests") ? MediaType.OCI_INDEX.value() : MediaType.OCI_MANIFEST.value());
    MediaType known =
        MediaType.find(type)
            .filter(t -> t.isIndex() || t.isManifest())
            .orElseThrow(
                () -> new IllegalArgumentException("unsupported manifest media type '" + type + "'"));
    if (known.isIndex()) {
      Index i = Index.parse(bytes, Optional.of(type));
      return new Parsed(type, true, i.digest(), i.manifests(), i.subject(), i.artifactType(), i.annotations());
    }
    Manifest m = Manifest.parse(bytes, Optional.of(type));
    List<Descriptor> refs = new ArrayList<>();
    refs.add(m.config());
    for (Descriptor l : m.layers()) {
      // Non-distributable layers with URLs live elsewhere by design.
      if (l.urls().isEmpty()) {
        refs.add(l);
      }
    }
    Optional<String> artifactType = m.artifactType().or(() -> Optional.of(m.config().mediaType()));
    return new Parsed(type, false, m.digest(), refs, m.subject(), artifactType, m.annotations());
  }

  /** The document's own mediaType field, if it is JSON and has one. */
  static Optional<String> declaredMediaType(byte[] bytes) {
    try {
      JsonNode mt = JSON.readTree(bytes).get("mediaType");
      return mt != null && mt.isTextual() ? Optional.of(mt.asText()) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  static String guessMediaType(byte[] bytes) {
    try {
      return JSON.readTree(bytes).has("manifests") ? MediaType.OCI_INDEX.value() : MediaType.OCI_MANIFEST.value();
    } catch (IOException | RuntimeException e) {
      return MediaType.OCI_MANIFEST.value();
    }
  }

  private static String bare(String contentType) {
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
