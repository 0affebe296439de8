package dev.ferry.registry.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.oci.Reference;
import dev.ferry.registry.client.internal.json.RegistryJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The registries configuration, {@code registries.yaml}: mirrors tried before an upstream registry, and registries
 * reached over plain HTTP. Immutable.
 *
 * <pre>{@code
 * mirrors:
 *   docker.io:
 *     - host: harbor.corp:443
 *       prefix: dockerhub-proxy      # harbor.corp:443/dockerhub-proxy/library/busybox:1
 *     - mirror.local:5000            # host[/prefix] in one string works too
 * insecure:
 *   - harbor.corp:5000
 * }</pre>
 *
 * @param mirrors upstream registry (as in references: {@code docker.io}) to its mirrors, in the order to try
 * @param insecure registries (host[:port]) reached over plain HTTP
 * @param source where the configuration was read from, for messages
 */
public record MirrorsConfig(Map<String, List<Mirror>> mirrors, Set<String> insecure, String source) {
  /** The environment variable naming the configuration file. */
  public static final String ENV = "FERRY_REGISTRIES_CONFIG";

  /**
   * One mirror of an upstream registry.
   *
   * @param host host[:port] of the mirror
   * @param prefix a repository prefix on the mirror (Harbor's proxy-cache project), or empty
   */
  public record Mirror(String host, String prefix) {
    public Mirror {
      if (!isHost(host)) {
        throw new IllegalArgumentException("mirror host must be host[:port], got '" + host + "'");
      }
      prefix = prefix == null ? "" : prefix.replaceAll("^/+|/+$", "");
      if (!prefix.isEmpty()) {
        // Validates the prefix with the reference grammar: lowercase components.
        Reference.parse(host + "/" + prefix + "/x");
      }
    }

    /** Where {@code upstream} lives on this mirror: same repository (under the prefix), same tag and digest. */
    public Reference rewrite(Reference upstream) {
      String name = host + "/" + (prefix.isEmpty() ? "" : prefix + "/") + upstream.repository();
      String tail =
          upstream.tag().map(t -> ":" + t).orElse("") + upstream.digest().map(d -> "@" + d).orElse("");
      return Reference.parse(name + tail);
    }

    @Override
    public String toString() {
      return host + (prefix.isEmpty() ? "" : "/" + prefix);
    }
  }

  public MirrorsConfig {
    Map<String, List<Mirror>> m = new LinkedHashMap<>();
    mirrors.forEach((k, v) -> m.put(normalizeRegistry(k), List.copyOf(v)));
    mirrors = java.util.Collections.unmodifiableMap(m);
    insecure = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(insecure));
  }

  /** No mirrors, nothing insecure. */
  public static MirrorsConfig empty() {
    return new MirrorsConfig(Map.of(), Set.of(), "(none)");
  }

  /** {@code $FERRY_REGISTRIES_CONFIG}, else {@code $XDG_CONFIG_HOME/ferry/registries.yaml}, else {@code ~/.config/ferry/registries.yaml}. */
  public static Path defaultPath() {
    String env = System.getenv(ENV);
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    String xdg = System.getenv("XDG_CONFIG_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
    return base.resolve("ferry").resolve("registries.yaml");
  }

  /** The default file's configuration, or {@link #empty()} when it does not exist. */
  public static MirrorsConfig loadDefault() throws IOException {
    Path p = defaultPath();
    return Files.exists(p) ? load(p) : empty();
  }

  /** Reads a configuration file. */
  public static MirrorsConfig load(Path file) throws IOException {
    try {
      return parse(Files.readAllBytes(file), file.toString());
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(file.toString(), null, "registries configuration not found");
    }
  }

  /**
   * Parses YAML text.
   *
   * @throws IOException naming {@code source} and what is wrong, for bad YAML or bad entries
   */
  public static MirrorsConfig parse(byte[] yaml, String source) throws IOException {
    JsonNode root = RegistryJson.parseYaml(yaml, source);
    Map<String, List<Mirror>> mirrors = new LinkedHashMap<>();
    Set<String> insecure = new LinkedHashSet<>();
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!key.equals("mirrors") && !key.equals("insecure")) {
        throw new IOException(source + ": unknown key '" + key + "' (expected 'mirrors' and 'insecure')");
      }
    }
    JsonNode ms = root.get("mirrors");
    if (ms != null && !ms.isNull()) {
      if (!ms.isObject()) {
        throw new IOException(source + ": 'mirrors' must map a registry to a list of mirrors");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = ms.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String upstream = e.getKey();
        if (!isHost(normalizeRegistry(upstream))) {
          throw new IOException(source + ": mirrors key must be a registry host[:port], got '" + upstream + "'");
        }
        List<Mirror> list = new ArrayList<>();
        JsonNode entries = e.getValue();
        if (!entries.isArray()) {
          throw new IOException(source + ": mirrors of " + upstream + " must be a list");
        }
        for (JsonNode m : entries) {
          try {
            if (m.isTextual()) {
              String s = m.asText().replaceFirst("^https?://", "");
              int slash = s.indexOf('/');
              list.add(slash < 0 ? new Mirror(s, "") : new Mirror(s.substring(0, slash), s.substring(slash + 1)));
            } else if (m.isObject()) {
              list.add(new Mirror(RegistryJson.text(m, "host").replaceFirst("^https?://", ""), RegistryJson.text(m, "prefix")));
            } else {
              throw new IllegalArgumentException("a mirror is {host: H, prefix: P} or \"host[/prefix]\", got " + m);
            }
          } catch (IllegalArgumentException bad) {
            throw new IOException(source + ": mirror of " + upstream + ": " + bad.getMessage(), bad);
          }
        }
        mirrors.put(upstream, list);
      }
    }
    JsonNode in = root.get("insecure");
    if (in != null && !in.isNull()) {
      if (!in.isArray()) {
        throw new IOException(source + ": 'insecure' must be a list of host[:port]");
      }
      for (JsonNode h : in) {
        String host = h.asText();
        if (!isHost(host)) {
          throw new IOException(source + ": insecure entry must be host[:port], got '" + host + "'");
        }
        insecure.add(host);
      }
    }
    return new MirrorsConfig(mirrors, insecure, source);
  }

  /** The mirrors of {@code registry}, in order; none when it has none. */
  public List<Mirror> mirrorsFor(String registry) {
    return mirrors.getOrDefault(normalizeRegistry(registry), List.of());
  }

  private static String normalizeRegistry(String r) {
    return r.equals("index.docker.io") || r.equals("registry-1.docker.io") ? Reference.DEFAULT_REGISTRY : r;
  }

  private static boolean isHost(String host) {
    if (host == null || host.isEmpty() || host.contains("/")) {
      return false;
    }
    try {
      return Reference.parse(host + "/x").registry().equals(normalizeRegistry(host));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
