package dev.ferry.oci.internal.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Platform;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Jackson plumbing for OCI documents: a strict parser (duplicate keys refused, so two readers cannot disagree on a
 * document) and translators between JSON trees and Ferry's model. Thread-safe.
 */
public final class OciJson {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .disable(SerializationFeature.INDENT_OUTPUT)
          .build();

  static {
    // Documents are manifests and configs, never more than a few MiB; deep nesting is an attack.
    MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(100).build());
  }

  private OciJson() {}

  public static JsonNodeFactory nodes() {
    return MAPPER.getNodeFactory();
  }

  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** Parses a JSON object; {@code what} names the document in the error. */
  public static ObjectNode parseObject(byte[] bytes, String what) {
    try {
      JsonNode n = MAPPER.readTree(bytes);
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException(what + " is not a JSON object");
      }
      return (ObjectNode) n;
    } catch (IOException e) {
      throw new IllegalArgumentException(what + " is not valid JSON: " + firstLine(e.getMessage()), e);
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** Compact serialisation in the tree's field order. */
  public static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise JSON", e);
    }
  }

  /** Pretty serialisation for humans. */
  public static String pretty(JsonNode node) {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise JSON", e);
    }
  }

  public static String text(JsonNode node, String field, String what) {
    JsonNode v = node.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException(what + " needs a string field '" + field + "'");
    }
    return v.asText();
  }

  public static Optional<String> optText(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && v.isTextual() ? Optional.of(v.asText()) : Optional.empty();
  }

  public static List<String> strings(JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node != null && node.isArray()) {
      node.forEach(n -> out.add(n.asText()));
    }
    return out;
  }

  public static Map<String, String> stringMap(JsonNode node) {
    Map<String, String> out = new LinkedHashMap<>();
    if (node != null && node.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = node.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        out.put(e.getKey(), e.getValue().asText());
      }
    }
    return out;
  }

  public static Descriptor descriptor(JsonNode n, String what) {
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException(what + " must be a descriptor object");
    }
    String mediaType = text(n, "mediaType", what);
    Digest digest;
    try {
      digest = Digest.parse(text(n, "digest", what));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
    }
    JsonNode size = n.get("size");
    if (size == null || !size.canConvertToLong() || !size.isIntegralNumber()) {
      throw new IllegalArgumentException(what + " needs an integer field 'size'");
    }
    Optional<Platform> platform = Optional.empty();
    JsonNode p = n.get("platform");
    if (p != null && p.isObject()) {
      platform =
          Optional.of(
              new Platform(
                  text(p, "os", what + " platform"),
                  text(p, "architecture", what + " platform"),
                  optText(p, "variant").orElse(""),
                  optText(p, "os.version").orElse(""),
                  strings(p.get("os.features"))));
    }
    return new Descriptor(
        mediaType,
        digest,
        size.asLong(),
        stringMap(n.get("annotations")),
        platform,
        optText(n, "artifactType"),
        strings(n.get("urls")));
  }

  public static ObjectNode toJson(Descriptor d) {
    ObjectNode n = object();
    n.put("mediaType", d.mediaType());
    n.put("digest", d.digest().toString());
    n.put("size", d.size());
    if (!d.urls().isEmpty()) {
      ArrayNode urls = n.putArray("urls");
      d.urls().forEach(urls::add);
    }
    if (!d.annotations().isEmpty()) {
      ObjectNode a = n.putObject("annotations");
      d.annotations().forEach(a::put);
    }
    d.platform().ifPresent(p -> n.set("platform", toJson(p)));
    d.artifactType().ifPresent(t -> n.put("artifactType", t));
    return n;
  }

  public static ObjectNode toJson(Platform p) {
    ObjectNode n = object();
    n.put("architecture", p.architecture());
    n.put("os", p.os());
    if (!p.osVersion().isEmpty()) {
      n.put("os.version", p.osVersion());
    }
    if (!p.osFeatures().isEmpty()) {
      ArrayNode f = n.putArray("os.features");
      p.osFeatures().forEach(f::add);
    }
    if (!p.variant().isEmpty()) {
      n.put("variant", p.variant());
    }
    return n;
  }

  public static ArrayNode toJson(List<Descriptor> ds) {
    ArrayNode a = MAPPER.createArrayNode();
    ds.forEach(d -> a.add(toJson(d)));
    return a;
  }
}
