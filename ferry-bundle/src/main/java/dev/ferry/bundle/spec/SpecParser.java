package dev.ferry.bundle.spec;

import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads and checks {@code ferry.yaml}. The YAML is read as a node tree (not bound to classes) so every problem can
 * name its line and field path; all problems are collected, not just the first. Paths in the spec are resolved
 * against the spec's directory and checked to exist. Stateless.
 */
public final class SpecParser {
  private static final Pattern NAME = Pattern.compile("[a-z0-9]+([._-][a-z0-9]+)*");
  private static final Pattern REPO_PATH = Pattern.compile("[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

  private final String file;
  private final Path dir;
  private final List<SpecException.Problem> problems = new ArrayList<>();
  /** {@code images[i].wheelhouse} values, checked once every wheelhouse is known. */
  private final List<Use> wheelhouseUses = new ArrayList<>();

  private record Use(Node node, String path, String name) {}

  private SpecParser(Path specFile) {
    this.file = specFile.toString();
    Path parent = specFile.toAbsolutePath().getParent();
    this.dir = parent == null ? Path.of(".").toAbsolutePath() : parent;
  }

  /**
   * Parses and checks {@code specFile}.
   *
   * @throws SpecException listing every problem with its line and field path
   * @throws IOException when the file cannot be read
   */
  public static DeliverySpec parse(Path specFile) throws IOException, SpecException {
    SpecParser p = new SpecParser(specFile);
    Node root;
    try (Reader r = Files.newBufferedReader(specFile, StandardCharsets.UTF_8)) {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(false);
      root = new Yaml(new SafeConstructor(options)).compose(r);
    } catch (MarkedYAMLException e) {
      int line = e.getProblemMark() == null ? 1 : e.getProblemMark().getLine() + 1;
      throw new SpecException(List.of(new SpecException.Problem(p.file, line, "", "not valid YAML: " + e.getProblem())));
    } catch (org.yaml.snakeyaml.error.YAMLException e) {
      throw new SpecException(List.of(new SpecException.Problem(p.file, 1, "", "not valid YAML: " + e.getMessage())));
    }
    DeliverySpec spec = p.delivery(root, specFile);
    if (!p.problems.isEmpty()) {
      List<SpecException.Problem> sorted = new ArrayList<>(p.problems);
      sorted.sort(Comparator.comparingInt(SpecException.Problem::line));
      throw new SpecException(sorted);
    }
    return spec;
  }

  private DeliverySpec delivery(Node root, Path specFile) {
    if (root == null) {
      problem(null, "", "the file is empty; 'ferry init' writes a starting point");
      return null;
    }
    Map<String, NodeTuple> top = mapping(root, "", Set.of("name", "version", "targets", "images", "files", "models", "wheelhouses", "destination"));
    if (top == null) {
      return null;
    }
    String name = requiredScalar(root, top, "name", "");
    if (name != null && !NAME.matcher(name).matches()) {
      problem(value(top, "name"), "name", "must be lower-case letters, digits and . _ - (it names the bundle file), got '" + name + "'");
    }
    String version = requiredScalar(root, top, "version", "");
    if (version != null && !TAG.matcher(version).matches()) {
      problem(value(top, "version"), "version", "must be usable as an image tag (letters, digits, . _ -; at most 128), got '" + version + "'");
    }
    List<Target> targets = targets(value(top, "targets"));
    Naming naming = Naming.KEEP_PATH;
    Node dest = value(top, "destination");
    if (dest != null) {
      Map<String, NodeTuple> d = mapping(dest, "destination", Set.of("naming"));
      if (d != null && value(d, "naming") != null) {
        String n = scalar(value(d, "naming"), "destination.naming");
        if (n != null) {
          try {
            naming = Naming.parse(n);
          } catch (IllegalArgumentException e) {
            problem(value(d, "naming"), "destination.naming", e.getMessage());
          }
        }
      }
    }
    String defaultTag = version == null ? "latest" : version;
    List<ImageSpec> images = images(value(top, "images"), defaultTag, targets);
    List<ArtifactSpec> files = artifacts(value(top, "files"), "files", ArtifactSpec.Kind.FILE, defaultTag);
    List<ArtifactSpec> models = artifacts(value(top, "models"), "models", ArtifactSpec.Kind.MODEL, defaultTag);
    List<WheelhouseSpec> wheelhouses = wheelhouses(value(top, "wheelhouses"), defaultTag, targets);
    checkWheelhouseUses(images, wheelhouses, targets);
    if (images.isEmpty() && files.isEmpty() && models.isEmpty() && wheelhouses.isEmpty() && problems.isEmpty()) {
      problem(root, "", "the delivery carries nothing: add images, files, models or wheelhouses");
    }
    checkDestinations(naming, images, files, models, wheelhouses);
    if (!problems.isEmpty()) {
      return null;
    }
    return new DeliverySpec(specFile, name, version, targets, images, files, models, wheelhouses, naming);
  }

  private List<Target> targets(Node node) {
    if (node == null) {
      return List.of(Target.X86_NVIDIA);
    }
    List<Target> out = new ArrayList<>();
    List<Node> items = sequence(node, "targets");
    if (items == null) {
      return out;
    }
    for (int i = 0; i < items.size(); i++) {
      Node item = items.get(i);
      String path = "targets[" + i + "]";
      Target t = null;
      if (item instanceof ScalarNode s) {
        t = Target.builtIn(s.getValue()).orElse(null);
        if (t == null) {
          problem(item, path, "unknown target '" + s.getValue() + "'; built in are x86_nvidia and arm_910b, others need {name, platform}");
        }
      } else {
        Map<String, NodeTuple> m = mapping(item, path, Set.of("name", "platform", "accelerator"));
        if (m == null) {
          continue;
        }
        String name = requiredScalar(item, m, "name", path);
        String platform = requiredScalar(item, m, "platform", path);
        String acc = value(m, "accelerator") == null ? "none" : scalar(value(m, "accelerator"), path + ".accelerator");
        if (name == null || platform == null || acc == null) {
          continue;
        }
        if (Target.builtIn(name).isPresent()) {
          problem(value(m, "name"), path + ".name", "'" + name + "' is a built-in target; list it by name only, or choose another name");
          continue;
        }
        try {
          t = new Target(name, Platform.parse(platform), acc);
        } catch (IllegalArgumentException e) {
          problem(value(m, "platform"), path + ".platform", e.getMessage());
          continue;
        }
      }
      if (t != null) {
        String n = t.name();
        if (out.stream().anyMatch(x -> x.name().equals(n))) {
          problem(item, path, "target '" + n + "' is listed twice");
        } else {
          out.add(t);
        }
      }
    }
    if (out.isEmpty() && problems.isEmpty()) {
      problem(node, "targets", "a delivery needs at least one target");
    }
    return out;
  }

  private List<ImageSpec> images(Node node, String defaultTag, List<Target> targets) {
    List<ImageSpec> out = new ArrayList<>();
    List<Node> items = node == null ? List.of() : sequence(node, "images");
    if (items == null) {
      return out;
    }
    for (int i = 0; i < items.size(); i++) {
      Node item = items.get(i);
      String path = "images[" + i + "]";
      Map<String, NodeTuple> m = mapping(item, path, Set.of("name", "tag", "build", "pull", "targets", "wheelhouse"));
      if (m == null) {
        continue;
      }
      Node build = value(m, "build");
      Node pull = value(m, "pull");
      if ((build == null) == (pull == null)) {
        problem(item, path, "an image needs exactly one of 'build' (a Dockerfile) and 'pull' (a reference)");
        continue;
      }
      Optional<Reference> pulled = Optional.empty();
      if (pull != null) {
        String ref = scalar(pull, path + ".pull");
        if (ref == null) {
          continue;
        }
        try {
          pulled = Optional.of(Reference.parse(ref));
        } catch (IllegalArgumentException e) {
          problem(pull, path + ".pull", e.getMessage());
          continue;
        }
      }
      String name;
      if (value(m, "name") != null) {
        name = scalar(value(m, "name"), path + ".name");
      } else if (pulled.isPresent()) {
        name = pulled.get().repository();
      } else {
        problem(item, path, "missing field 'name' (the repository path at the destination, e.g. demo/service)");
        continue;
      }
      if (name == null) {
        continue;
      }
      if (!REPO_PATH.matcher(name).matches()) {
        problem(value(m, "name"), path + ".name", "must be a repository path (lower-case, '/'-separated, no registry or tag), got '" + name + "'");
        continue;
      }
      String tag = value(m, "tag") != null ? scalar(value(m, "tag"), path + ".tag")
          : pulled.flatMap(Reference::tag).orElse(defaultTag);
      if (tag == null) {
        continue;
      }
      if (!TAG.matcher(tag).matches()) {
        problem(value(m, "tag"), path + ".tag", "not a valid tag: '" + tag + "'");
        continue;
      }
      List<String> its = targetList(value(m, "targets"), path + ".targets", targets);
      Optional<ImageSpec.Build> b = Optional.empty();
      if (build != null) {
        b = build(build, path + ".build");
        if (b.isEmpty()) {
          continue;
        }
      }
      Optional<String> wheelhouse = Optional.empty();
      if (value(m, "wheelhouse") != null) {
        String w = scalar(value(m, "wheelhouse"), path + ".wheelhouse");
        if (w == null) {
          continue;
        }
        wheelhouse = Optional.of(w);
        wheelhouseUses.add(new Use(value(m, "wheelhouse"), path + ".wheelhouse", w));
      }
      out.add(new ImageSpec(name, tag, b, pulled, its, item.getStartMark().getLine() + 1, wheelhouse));
    }
    return out;
  }

  private Optional<ImageSpec.Build> build(Node node, String path) {
    Map<String, NodeTuple> m = mapping(node, path, Set.of("context", "dockerfile", "args", "target"));
    if (m == null) {
      return Optional.empty();
    }
    String context = requiredScalar(node, m, "context", path);
    if (context == null) {
      return Optional.empty();
    }
    Path ctx = dir.resolve(context).normalize();
    if (!Files.isDirectory(ctx)) {
      problem(value(m, "context"), path + ".context", "directory " + context + " does not exist (relative paths start at " + dir + ")");
      return Optional.empty();
    }
    Path dockerfile = ctx.resolve("Dockerfile");
    if (value(m, "dockerfile") != null) {
      String df = scalar(value(m, "dockerfile"), path + ".dockerfile");
      if (df == null) {
        return Optional.empty();
      }
      dockerfile = ctx.resolve(df).normalize();
    }
    if (!Files.isRegularFile(dockerfile)) {
      problem(value(m, "dockerfile") != null ? value(m, "dockerfile") : value(m, "context"), path + ".dockerfile",
          "no Dockerfile at " + dir.relativize(dockerfile.toAbsolutePath()));
      return Optional.empty();
    }
    Map<String, String> args = new LinkedHashMap<>();
    if (value(m, "args") != null) {
      Map<String, NodeTuple> a = mapping(value(m, "args"), path + ".args", null);
      if (a == null) {
        return Optional.empty();
      }
      for (var e : a.entrySet()) {
        String v = scalar(e.getValue().getValueNode(), path + ".args." + e.getKey());
        if (v != null) {
          args.put(e.getKey(), v);
        }
      }
    }
    Optional<String> stage = Optional.empty();
    if (value(m, "target") != null) {
      stage = Optional.ofNullable(scalar(value(m, "target"), path + ".target"));
    }
    return Optional.of(new ImageSpec.Build(ctx, dockerfile, args, stage));
  }

  private List<ArtifactSpec> artifacts(Node node, String field, ArtifactSpec.Kind kind, String defaultTag) {
    List<ArtifactSpec> out = new ArrayList<>();
    List<Node> items = node == null ? List.of() : sequence(node, field);
    if (items == null) {
      return out;
    }
    for (int i = 0; i < items.size(); i++) {
      Node item = items.get(i);
      String path = field + "[" + i + "]";
      Map<String, NodeTuple> m = mapping(item, path, Set.of("name", "tag", "path"));
      if (m == null) {
        continue;
      }
      String name = requiredScalar(item, m, "name", path);
      String p = requiredScalar(item, m, "path", path);
      String tag = value(m, "tag") == null ? defaultTag : scalar(value(m, "tag"), path + ".tag");
      if (name == null || p == null || tag == null) {
        continue;
      }
      if (!REPO_PATH.matcher(name).matches()) {
        problem(value(m, "name"), path + ".name", "must be a repository path (lower-case, '/'-separated), got '" + name + "'");
        continue;
      }
      Path resolved = dir.resolve(p).normalize();
      if (!Files.exists(resolved)) {
        problem(value(m, "path"), path + ".path", p + " does not exist (relative paths start at " + dir + ")");
        continue;
      }
      out.add(new ArtifactSpec(kind, name, tag, resolved));
    }
    return out;
  }

  private List<WheelhouseSpec> wheelhouses(Node node, String defaultTag, List<Target> targets) {
    List<WheelhouseSpec> out = new ArrayList<>();
    List<Node> items = node == null ? List.of() : sequence(node, "wheelhouses");
    if (items == null) {
      return out;
    }
    for (int i = 0; i < items.size(); i++) {
      Node item = items.get(i);
      String path = "wheelhouses[" + i + "]";
      Map<String, NodeTuple> m = mapping(item, path, null);
      if (m == null) {
        continue;
      }
      String name = requiredScalar(item, m, "name", path);
      String tag = value(m, "tag") == null ? defaultTag : scalar(value(m, "tag"), path + ".tag");
      if (name == null || tag == null) {
        continue;
      }
      if (!REPO_PATH.matcher(name).matches()) {
        problem(value(m, "name"), path + ".name", "must be a repository path (lower-case, '/'-separated), got '" + name + "'");
        continue;
      }
      List<String> its = targetList(value(m, "targets"), path + ".targets", targets);
      Map<String, Object> settings = new LinkedHashMap<>();
      for (var e : m.entrySet()) {
        String key = e.getKey();
        Node v = e.getValue().getValueNode();
        switch (key) {
          case "name", "tag", "targets" -> { }
          case "lock" -> {
            String lock = scalar(v, path + ".lock");
            if (lock != null && !Files.isRegularFile(dir.resolve(lock))) {
              problem(v, path + ".lock", "file " + lock + " does not exist (relative paths start at " + dir + ")");
            }
            settings.put(key, plain(v));
          }
          case "find-links" -> {
            for (String d : stringOrList(v, path + ".find-links")) {
              if (!Files.isDirectory(dir.resolve(d))) {
                problem(v, path + ".find-links", "directory " + d + " does not exist (relative paths start at " + dir + ")");
              }
            }
            settings.put(key, plain(v));
          }
          case "index" -> {
            stringOrList(v, path + ".index");
            settings.put(key, plain(v));
          }
          case "python", "glibc" -> {
            String version = scalar(v, path + "." + key);
            String pattern = key.equals("python") ? "3\\.[0-9]+" : "2\\.[0-9]+";
            if (version != null && !version.matches(pattern)) {
              problem(v, path + "." + key, "must be a version like " + (key.equals("python") ? "3.11" : "2.36") + ", got '" + version + "'");
            }
            settings.put(key, plain(v));
          }
          default -> problem(e.getValue().getKeyNode(), path + "." + key,
              "unknown field (a wheelhouse has name, tag, targets, lock, index, find-links, python, glibc)");
        }
      }
      if (!settings.containsKey("lock")) {
        problem(item, path, "missing field 'lock' (requirements.txt with == pins and hashes, or pylock.toml)");
        continue;
      }
      out.add(new WheelhouseSpec(name, tag, its, settings));
    }
    return out;
  }

  private List<String> stringOrList(Node node, String path) {
    if (node instanceof org.yaml.snakeyaml.nodes.ScalarNode) {
      String v = scalar(node, path);
      return v == null ? List.of() : List.of(v);
    }
    List<Node> items = sequence(node, path);
    List<String> out = new ArrayList<>();
    if (items != null) {
      for (int i = 0; i < items.size(); i++) {
        String v = scalar(items.get(i), path + "[" + i + "]");
        if (v != null) {
          out.add(v);
        }
      }
    }
    return out;
  }

  /** Every {@code images[i].wheelhouse} names a wheelhouse that is built for every target of the image. */
  private void checkWheelhouseUses(List<ImageSpec> images, List<WheelhouseSpec> wheelhouses, List<Target> targets) {
    for (Use use : wheelhouseUses) {
      Optional<WheelhouseSpec> w = wheelhouses.stream().filter(x -> x.name().equals(use.name())).findFirst();
      if (w.isEmpty()) {
        problem(use.node(), use.path(), "no wheelhouse named '" + use.name() + "' in 'wheelhouses' (it has: "
            + (wheelhouses.isEmpty() ? "none" : String.join(", ", wheelhouses.stream().map(WheelhouseSpec::name).toList())) + ")");
        continue;
      }
      if (w.get().targets().isEmpty()) {
        continue;
      }
      for (ImageSpec image : images) {
        if (image.wheelhouse().filter(use.name()::equals).isEmpty()) {
          continue;
        }
        List<String> its = image.targets().isEmpty() ? targets.stream().map(Target::name).toList() : image.targets();
        List<String> missing = its.stream().filter(t -> !w.get().targets().contains(t)).toList();
        if (!missing.isEmpty()) {
          problem(use.node(), use.path(), "wheelhouse '" + use.name() + "' is not built for " + String.join(", ", missing)
              + ", a target of this image; add it to the wheelhouse's targets");
        }
      }
    }
  }

  private List<String> targetList(Node node, String path, List<Target> targets) {
    if (node == null) {
      return List.of();
    }
    List<Node> items = sequence(node, path);
    List<String> out = new ArrayList<>();
    if (items == null) {
      return out;
    }
    for (int i = 0; i < items.size(); i++) {
      String t = scalar(items.get(i), path + "[" + i + "]");
      if (t == null) {
        continue;
      }
      if (targets.stream().noneMatch(x -> x.name().equals(t))) {
        problem(items.get(i), path + "[" + i + "]", "'" + t + "' is not a target of this delivery (it has: "
            + String.join(", ", targets.stream().map(Target::name).toList()) + ")");
        continue;
      }
      out.add(t);
    }
    return out;
  }

  private void checkDestinations(Naming naming, List<ImageSpec> images, List<ArtifactSpec> files, List<ArtifactSpec> models, List<WheelhouseSpec> wheelhouses) {
    Map<String, String> seen = new HashMap<>();
    List<String[]> all = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      all.add(new String[] {"images[" + i + "]", images.get(i).name(), images.get(i).tag(), Integer.toString(images.get(i).line())});
    }
    for (int i = 0; i < files.size(); i++) {
      all.add(new String[] {"files[" + i + "]", files.get(i).name(), files.get(i).tag(), "0"});
    }
    for (int i = 0; i < models.size(); i++) {
      all.add(new String[] {"models[" + i + "]", models.get(i).name(), models.get(i).tag(), "0"});
    }
    for (int i = 0; i < wheelhouses.size(); i++) {
      all.add(new String[] {"wheelhouses[" + i + "]", wheelhouses.get(i).name(), wheelhouses.get(i).tag(), "0"});
    }
    for (String[] a : all) {
      String path = naming == Naming.FLATTEN ? a[1].substring(a[1].lastIndexOf('/') + 1) : a[1];
      String key = path + ":" + a[2];
      String before = seen.putIfAbsent(key, a[0]);
      if (before != null) {
        problems.add(new SpecException.Problem(file, Math.max(1, Integer.parseInt(a[3])), a[0] + ".name",
            "destination " + key + " is also that of " + before + (naming == Naming.FLATTEN ? " once flattened (destination.naming: flatten)" : "")));
      }
    }
  }

  // --- node helpers ---------------------------------------------------------------------------------------------

  private Map<String, NodeTuple> mapping(Node node, String path, Set<String> allowed) {
    if (!(node instanceof MappingNode m)) {
      problem(node, path, "must be a mapping (key: value), got " + describe(node));
      return null;
    }
    Map<String, NodeTuple> out = new LinkedHashMap<>();
    for (NodeTuple t : m.getValue()) {
      if (!(t.getKeyNode() instanceof ScalarNode k)) {
        problem(t.getKeyNode(), path, "keys must be plain words");
        continue;
      }
      String key = k.getValue();
      String at = path.isEmpty() ? key : path + "." + key;
      if (allowed != null && !allowed.contains(key)) {
        problem(k, at, "unknown field '" + key + "'; allowed here: " + String.join(", ", allowed.stream().sorted().toList()));
        continue;
      }
      if (out.putIfAbsent(key, t) != null) {
        problem(k, at, "field '" + key + "' is given twice");
      }
    }
    return out;
  }

  private List<Node> sequence(Node node, String path) {
    if (!(node instanceof SequenceNode s)) {
      problem(node, path, "must be a list, got " + describe(node));
      return null;
    }
    return s.getValue();
  }

  private static Node value(Map<String, NodeTuple> m, String key) {
    NodeTuple t = m.get(key);
    return t == null ? null : t.getValueNode();
  }

  private String requiredScalar(Node parent, Map<String, NodeTuple> m, String key, String path) {
    Node v = value(m, key);
    String at = path.isEmpty() ? key : path + "." + key;
    if (v == null) {
      problem(parent, at, "missing field '" + key + "'");
      return null;
    }
    return scalar(v, at);
  }

  private String scalar(Node node, String path) {
    if (!(node instanceof ScalarNode s)) {
      problem(node, path, "must be a single value, got " + describe(node));
      return null;
    }
    if (s.getValue().isBlank()) {
      problem(node, path, "must not be empty");
      return null;
    }
    return s.getValue();
  }

  private static Object plain(Node node) {
    if (node instanceof ScalarNode s) {
      return s.getValue();
    }
    if (node instanceof SequenceNode s) {
      return s.getValue().stream().map(SpecParser::plain).toList();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    for (NodeTuple t : ((MappingNode) node).getValue()) {
      m.put(String.valueOf(plain(t.getKeyNode())), plain(t.getValueNode()));
    }
    return m;
  }

  private static String describe(Node node) {
    if (node instanceof ScalarNode s) {
      return "'" + s.getValue() + "'";
    }
    return node instanceof SequenceNode ? "a list" : "a mapping";
  }

  private void problem(Node at, String path, String message) {
    int line = at == null ? 1 : at.getStartMark().getLine() + 1;
    problems.add(new SpecException.Problem(file, line, path, message));
  }
}
