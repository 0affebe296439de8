package dev.ferry.oci.internal.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The JSON of a {@code docker save} archive: {@code manifest.json} and {@code repositories}. Thread-safe.
 *
 * @see <a href="https://github.com/moby/moby/blob/master/image/spec/v1.2.md">Docker image spec v1.2, "Combined
 *     Image JSON + Filesystem Changeset Format"</a>
 */
public final class DockerArchiveJson {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

  /** One entry of {@code manifest.json}: paths inside the archive and the tags docker gave the image. */
  public record Entry(String config, List<String> repoTags, List<String> layers) {
    public Entry {
      repoTags = List.copyOf(repoTags);
      layers = List.copyOf(layers);
    }
  }

  private DockerArchiveJson() {}

  /**
   * Parses {@code manifest.json}.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static List<Entry> parseManifest(byte[] bytes) {
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw new IllegalArgumentException("manifest.json is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
    }
    if (root == null || !root.isArray()) {
      throw new IllegalArgumentException("manifest.json must be a JSON array of images");
    }
    List<Entry> out = new ArrayList<>();
    int i = 0;
    for (JsonNode n : root) {
      String what = "manifest.json entry " + i++;
      if (!n.isObject() || !n.path("Config").isTextual()) {
        throw new IllegalArgumentException(what + " has no \"Config\" path");
      }
      JsonNode layers = n.get("Layers");
      if (layers != null && !layers.isArray() || n.has("RepoTags") && !n.get("RepoTags").isArray() && !n.get("RepoTags").isNull()) {
        throw new IllegalArgumentException(what + ": \"Layers\" and \"RepoTags\" must be arrays of strings");
      }
      out.add(new Entry(n.get("Config").asText(), strings(n.get("RepoTags"), what), strings(layers, what)));
    }
    return out;
  }

  private static List<String> strings(JsonNode n, String what) {
    List<String> out = new ArrayList<>();
    if (n != null) {
      for (JsonNode s : n) {
        if (!s.isTextual()) {
          throw new IllegalArgumentException(what + ": expected strings, got " + s);
        }
        out.add(s.asText());
      }
    }
    return out;
  }

  /** Writes {@code manifest.json} (compact, entries in the given order). */
  public static byte[] manifest(List<Entry> entries) {
    ArrayNode a = MAPPER.createArrayNode();
    for (Entry e : entries) {
      ObjectNode n = a.addObject();
      n.put("Config", e.config());
      ArrayNode tags = n.putArray("RepoTags");
      e.repoTags().forEach(tags::add);
      ArrayNode ls = n.putArray("Layers");
      e.layers().forEach(ls::add);
    }
    return write(a);
  }

  /** Writes {@code repositories}: repository → tag → top layer id; pass sorted maps for stable output. */
  public static byte[] repositories(Map<String, Map<String, String>> repos) {
    ObjectNode root = MAPPER.createObjectNode();
    repos.forEach((repo, tags) -> tags.forEach((tag, id) -> root.with(repo).put(tag, id)));
    return write(root);
  }

  private static byte[] write(JsonNode n) {
    try {
      return MAPPER.writeValueAsBytes(n);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise JSON", e);
    }
  }
}
