package dev.ferry.build.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the services of {@code ferry build-all}: a {@code services.yaml}, or a directory whose subdirectories holding
 * a {@code Dockerfile} are the services. Every problem is a {@link ServicesException} whose one line names the file
 * and the service. Stateless.
 *
 * <pre>{@code
 * services:
 *   - name: api                 # required, unique
 *     context: ./api            # required, relative to this file
 *     dockerfile: Dockerfile    # relative to the context (default Dockerfile)
 *     image: team/api           # repository to tag (default: the name)
 *     args: {VERSION: "1.2"}
 *     target: runtime
 *     platforms: [linux/amd64, linux/arm64]
 * }</pre>
 */
public final class ServicesFile {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");
  private static final Set<String> KEYS = Set.of("name", "context", "dockerfile", "image", "args", "target", "platforms");

  private ServicesFile() {}

  /** A {@code services.yaml} when {@code path} is a file, else the services of the directory {@code path}. */
  public static List<Service> read(Path path) throws IOException {
    if (Files.isDirectory(path)) {
      return scan(path);
    }
    if (!Files.isRegularFile(path)) {
      throw new ServicesException(path + ": no such services file or directory");
    }
    return load(path);
  }

  /** Every subdirectory of {@code dir} that holds a {@code Dockerfile}, named after it, in name order. */
  public static List<Service> scan(Path dir) throws IOException {
    List<Path> subdirs;
    try (Stream<Path> s = Files.list(dir)) {
      subdirs = s.filter(p -> Files.isDirectory(p) && Files.isRegularFile(p.resolve("Dockerfile"))).sorted().toList();
    }
    if (subdirs.isEmpty()) {
      throw new ServicesException(dir + ": no subdirectory holds a Dockerfile, so there is no service to build");
    }
    List<Service> out = new ArrayList<>();
    for (Path d : subdirs) {
      String name = d.getFileName().toString();
      if (!NAME.matcher(name).matches()) {
        throw new ServicesException(d + ": directory name '" + name
            + "' cannot name a service (lowercase letters, digits, '.', '_', '-'); list it in a services.yaml with a name");
      }
      out.add(new Service(name, d, d.resolve("Dockerfile"), name, Map.of(), Optional.empty(), List.of()));
    }
    return out;
  }

  /** Reads a {@code services.yaml}; paths in it are relative to its directory. */
  public static List<Service> load(Path file) throws IOException {
    return parse(Files.readAllBytes(file), file);
  }

  /** Parses {@code services.yaml} text; {@code file} names it in messages and anchors relative paths. */
  public static List<Service> parse(byte[] yaml, Path file) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (IOException e) {
      throw new ServicesException(file + ": not valid YAML: " + firstLine(e.getMessage()));
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw new ServicesException(file + ": empty, expected 'services:' with a list of services");
    }
    if (!root.isObject()) {
      throw new ServicesException(file + ": expected a mapping with 'services:', got " + root.getNodeType().name().toLowerCase());
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!k.equals("services")) {
        throw new ServicesException(file + ": unknown key '" + k + "' (only 'services' is known)");
      }
    }
    JsonNode list = root.path("services");
    if (!list.isArray() || list.isEmpty()) {
      throw new ServicesException(file + ": 'services' must be a non-empty list");
    }
    Path base = file.toAbsolutePath().getParent();
    Map<String, Service> byName = new LinkedHashMap<>();
    int i = 0;
    for (JsonNode n : list) {
      i++;
      String where = file + ": service #" + i;
      if (!n.isObject()) {
        throw new ServicesException(where + ": expected a mapping (name:, context:, ...)");
      }
      String name = text(n, "name", where);
      if (name == null) {
        throw new ServicesException(where + ": 'name' is required");
      }
      where = file + ": service " + name;
      if (!NAME.matcher(name).matches()) {
        throw new ServicesException(where + ": name must be lowercase letters, digits, '.', '_', '-'");
      }
      if (byName.containsKey(name)) {
        throw new ServicesException(where + ": duplicate service name '" + name + "'");
      }
      for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        if (!KEYS.contains(k)) {
          throw new ServicesException(where + ": unknown key '" + k + "' (known: name, context, dockerfile, image, args, target, platforms)");
        }
      }
      String ctx = text(n, "context", where);
      if (ctx == null) {
        throw new ServicesException(where + ": 'context' is required");
      }
      Path context = base.resolve(ctx).normalize();
      if (!Files.isDirectory(context)) {
        throw new ServicesException(where + ": context " + ctx + " (" + context + ") is not a directory");
      }
      String df = Optional.ofNullable(text(n, "dockerfile", where)).orElse("Dockerfile");
      Path dockerfile = context.resolve(df).normalize();
      if (!Files.isRegularFile(dockerfile)) {
        throw new ServicesException(where + ": Dockerfile " + dockerfile + " not found");
      }
      String image = Optional.ofNullable(text(n, "image", where)).orElse(name);
      try {
        Reference r = Reference.parse(image);
        if (r.digest().isPresent()) {
          throw new ServicesException(where + ": image " + image + " must not name a digest");
        }
      } catch (IllegalArgumentException e) {
        if (e instanceof ServicesException s) {
          throw s;
        }
        throw new ServicesException(where + ": image: " + e.getMessage());
      }
      Map<String, String> args = new LinkedHashMap<>();
      JsonNode a = n.path("args");
      if (!a.isMissingNode() && !a.isNull()) {
        if (!a.isObject()) {
          throw new ServicesException(where + ": 'args' must be a mapping of NAME: value");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          if (!e.getValue().isValueNode()) {
            throw new ServicesException(where + ": args." + e.getKey() + " must be a plain value");
          }
          args.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText());
        }
      }
      Optional<String> target = Optional.ofNullable(text(n, "target", where));
      List<Platform> platforms = new ArrayList<>();
      JsonNode p = n.path("platforms");
      if (!p.isMissingNode() && !p.isNull()) {
        List<String> values = new ArrayList<>();
        if (p.isTextual()) {
          values.addAll(List.of(p.asText().split(",")));
        } else if (p.isArray()) {
          p.forEach(x -> values.add(x.asText()));
        } else {
          throw new ServicesException(where + ": 'platforms' must be a list like [linux/amd64, linux/arm64]");
        }
        for (String v : values) {
          try {
            platforms.add(Platform.parse(v.strip()));
          } catch (IllegalArgumentException e) {
            throw new ServicesException(where + ": platform " + v + ": " + e.getMessage());
          }
        }
      }
      byName.put(name, new Service(name, context, dockerfile, image, args, target, platforms));
    }
    return List.copyOf(byName.values());
  }

  private static String text(JsonNode n, String key, String where) {
    JsonNode v = n.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isValueNode() || v.asText().isBlank()) {
      throw new ServicesException(where + ": '" + key + "' must be a non-empty string");
    }
    return v.asText();
  }

  private static String firstLine(String m) {
    if (m == null) {
      return "";
    }
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
