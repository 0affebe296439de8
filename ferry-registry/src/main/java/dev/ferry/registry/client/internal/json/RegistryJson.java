package dev.ferry.registry.client.internal.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Jackson plumbing for what registries and their tools send: error bodies, token responses, tag and catalog
 * pages, {@code ~/.docker/config.json}, credential-helper output and {@code registries.yaml}. Never in a public
 * signature. Thread-safe.
 */
public final class RegistryJson {
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();
  private static final ObjectMapper YAML = new YAMLMapper(YAMLFactory.builder().build());

  static {
    // Everything parsed here is small; deep nesting in a response is an attack, not data.
    StreamReadConstraints limits = StreamReadConstraints.builder().maxNestingDepth(64).build();
    JSON.getFactory().setStreamReadConstraints(limits);
    YAML.getFactory().setStreamReadConstraints(limits);
  }

  private RegistryJson() {}

  /** One entry of a distribution-spec error body. */
  public record ErrorEntry(String code, String message, String detail) {}

  /** A parsed token-service answer. */
  public record TokenAnswer(String token, long expiresInSeconds) {}

  /** The first entries of {@code {"errors":[{"code","message","detail"}]}}, or empty when the body is not one. */
  public static List<ErrorEntry> errors(byte[] body) {
    List<ErrorEntry> out = new ArrayList<>();
    try {
      JsonNode n = JSON.readTree(body);
      JsonNode errors = n == null ? null : n.get("errors");
      if (errors != null && errors.isArray()) {
        for (JsonNode e : errors) {
          JsonNode detail = e.get("detail");
          out.add(
              new ErrorEntry(
                  text(e, "code"),
                  text(e, "message"),
                  detail == null || detail.isNull() ? "" : detail.isTextual() ? detail.asText() : detail.toString()));
        }
      }
    } catch (IOException | RuntimeException notJson) {
      // Proxies answer with HTML; the caller reports the status alone.
    }
    return out;
  }

  /** {@code token} (or {@code access_token}) and {@code expires_in} of a token response. */
  public static TokenAnswer token(byte[] body, String realm) throws IOException {
    JsonNode n = parseObject(body, "token response from " + realm);
    String token = text(n, "token");
    if (token.isEmpty()) {
      token = text(n, "access_token");
    }
    if (token.isEmpty()) {
      throw new IOException("token response from " + realm + " has neither 'token' nor 'access_token'");
    }
    JsonNode exp = n.get("expires_in");
    // The token spec: "If omitted, it should be assumed to be 60 seconds."
    long expires = exp != null && exp.canConvertToLong() && exp.asLong() > 0 ? exp.asLong() : 60;
    return new TokenAnswer(token, expires);
  }

  /** The strings of array {@code field} (e.g. {@code tags}, {@code repositories}); a null field gives none. */
  public static List<String> stringList(byte[] body, String field, String what) throws IOException {
    JsonNode n = parseObject(body, what);
    JsonNode a = n.get(field);
    List<String> out = new ArrayList<>();
    if (a == null || a.isNull()) {
      return out;
    }
    if (!a.isArray()) {
      throw new IOException(what + ": '" + field + "' is not an array");
    }
    a.forEach(v -> out.add(v.asText()));
    return out;
  }

  public static ObjectNode parseObject(byte[] body, String what) throws IOException {
    JsonNode n;
    try {
      n = JSON.readTree(body);
    } catch (IOException e) {
      throw new IOException(what + " is not valid JSON: " + firstLine(e.getMessage()), e);
    }
    if (n == null || !n.isObject()) {
      throw new IOException(what + " is not a JSON object");
    }
    return (ObjectNode) n;
  }

  /** Parses YAML (a superset of JSON) into a tree; an empty document is an empty object. */
  public static ObjectNode parseYaml(byte[] body, String what) throws IOException {
    JsonNode n;
    try {
      n = YAML.readTree(body);
    } catch (IOException e) {
      throw new IOException(what + " is not valid YAML: " + firstLine(e.getMessage()), e);
    }
    if (n == null || n.isNull() || n.isMissingNode()) {
      return JSON.createObjectNode();
    }
    if (!n.isObject()) {
      throw new IOException(what + " must be a mapping at the top level");
    }
    return (ObjectNode) n;
  }

  public static ObjectNode object() {
    return JSON.createObjectNode();
  }

  /** Pretty JSON with a trailing newline, as the Docker CLI writes its config. */
  public static byte[] prettyBytes(JsonNode n) throws IOException {
    return (JSON.writeValueAsString(n) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  public static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? "" : v.asText();
  }

  public static Optional<String> optText(JsonNode n, String field) {
    String t = text(n, field);
    return t.isEmpty() ? Optional.empty() : Optional.of(t);
  }

  /** The {@code mediaType} field of a manifest-like document, if it has one. */
  public static Optional<String> mediaTypeField(byte[] document) {
    try {
      JsonNode n = JSON.readTree(document);
      if (n != null && n.isObject()) {
        if (n.hasNonNull("mediaType")) {
          return Optional.of(n.get("mediaType").asText());
        }
        if (n.has("manifests")) {
          return Optional.of("application/vnd.oci.image.index.v1+json");
        }
      }
    } catch (IOException | RuntimeException e) {
      // the caller's parse reports it
    }
    return Optional.empty();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
