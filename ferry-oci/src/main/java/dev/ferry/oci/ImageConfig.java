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
 * An image configuration (OCI {@code config.v1} or Docker {@code container.image.v1}) with its exact bytes.
 * Immutable; {@link #toBuilder()} edits a copy and keeps fields Ferry does not model.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/main/config.md">OCI image configuration</a>
 */
public final class ImageConfig {

  /** One entry of the config's {@code history}, as {@code docker history} shows it. */
  public record History(
      Optional<String> created,
      Optional<String> createdBy,
      Optional<String> author,
      Optional<String> comment,
      boolean emptyLayer) {

    public static History of(String created, String createdBy, boolean emptyLayer) {
      return new History(
          Optional.ofNullable(created), Optional.ofNullable(createdBy), Optional.empty(), Optional.empty(), emptyLayer);
    }
  }

  private final byte[] bytes;
  private final Digest digest;
  private final ObjectNode tree;

  private ImageConfig(byte[] bytes, ObjectNode tree) {
    this.bytes = bytes;
    this.digest = Digest.sha256(bytes);
    this.tree = tree;
  }

  /** Parses a config; the bytes are kept exactly. */
  public static ImageConfig parse(byte[] bytes) {
    byte[] copy = bytes.clone();
    ObjectNode n = OciJson.parseObject(copy, "image config");
    JsonNode rootfs = n.get("rootfs");
    if (rootfs != null && !rootfs.isObject()) {
      throw new IllegalArgumentException("image config 'rootfs' must be an object");
    }
    ImageConfig c = new ImageConfig(copy, n);
    c.diffIds(); // validates every diff_id
    return c;
  }

  /** A fresh config for a platform, with an empty rootfs and history. */
  public static Builder builder(Platform platform) {
    ObjectNode n = OciJson.object();
    n.put("architecture", platform.architecture());
    n.put("os", platform.os());
    if (!platform.variant().isEmpty()) {
      n.put("variant", platform.variant());
    }
    n.putObject("config");
    ObjectNode rootfs = n.putObject("rootfs");
    rootfs.put("type", "layers");
    rootfs.putArray("diff_ids");
    n.putArray("history");
    return new Builder(n);
  }

  public Builder toBuilder() {
    return new Builder(tree.deepCopy());
  }

  public byte[] bytes() {
    return bytes.clone();
  }

  public Digest digest() {
    return digest;
  }

  public Platform platform() {
    return new Platform(
        OciJson.optText(tree, "os").orElse("linux"),
        OciJson.optText(tree, "architecture").orElse("unknown"),
        OciJson.optText(tree, "variant").orElse(""),
        OciJson.optText(tree, "os.version").orElse(""),
        OciJson.strings(tree.get("os.features")));
  }

  public Optional<String> created() {
    return OciJson.optText(tree, "created");
  }

  public Optional<String> author() {
    return OciJson.optText(tree, "author");
  }

  private JsonNode config() {
    JsonNode c = tree.get("config");
    return c == null || !c.isObject() ? OciJson.object() : c;
  }

  public List<String> env() {
    return OciJson.strings(config().get("Env"));
  }

  public List<String> entrypoint() {
    return OciJson.strings(config().get("Entrypoint"));
  }

  public List<String> cmd() {
    return OciJson.strings(config().get("Cmd"));
  }

  public Optional<String> workingDir() {
    return OciJson.optText(config(), "WorkingDir").filter(s -> !s.isEmpty());
  }

  public Optional<String> user() {
    return OciJson.optText(config(), "User").filter(s -> !s.isEmpty());
  }

  public Map<String, String> labels() {
    return OciJson.stringMap(config().get("Labels"));
  }

  public List<String> exposedPorts() {
    List<String> out = new ArrayList<>();
    JsonNode p = config().get("ExposedPorts");
    if (p != null) {
      p.fieldNames().forEachRemaining(out::add);
    }
    return out;
  }

  public Optional<String> stopSignal() {
    return OciJson.optText(config(), "StopSignal");
  }

  /** The {@code SHELL} a Dockerfile set ({@code config.Shell}, Docker's extension); empty when none. */
  public List<String> shell() {
    return OciJson.strings(config().get("Shell"));
  }

  /** The {@code ONBUILD} triggers ({@code config.OnBuild}, Docker's extension), in order. */
  public List<String> onBuild() {
    return OciJson.strings(config().get("OnBuild"));
  }

  /** The {@code config.Volumes} paths, in file order. */
  public List<String> volumes() {
    List<String> out = new ArrayList<>();
    JsonNode v = config().get("Volumes");
    if (v != null) {
      v.fieldNames().forEachRemaining(out::add);
    }
    return out;
  }

  /** The uncompressed layer digests, bottom first. */
  public List<Digest> diffIds() {
    JsonNode rootfs = tree.get("rootfs");
    List<Digest> out = new ArrayList<>();
    if (rootfs != null) {
      for (String s : OciJson.strings(rootfs.get("diff_ids"))) {
        out.add(Digest.parse(s));
      }
    }
    return out;
  }

  public List<History> history() {
    List<History> out = new ArrayList<>();
    JsonNode h = tree.get("history");
    if (h != null && h.isArray()) {
      for (JsonNode e : h) {
        out.add(
            new History(
                OciJson.optText(e, "created"),
                OciJson.optText(e, "created_by"),
                OciJson.optText(e, "author"),
                OciJson.optText(e, "comment"),
                e.path("empty_layer").asBoolean(false)));
      }
    }
    return out;
  }

  /** The config as indented JSON, for {@code ferry inspect}. */
  public String toPrettyJson() {
    return OciJson.pretty(tree);
  }

  /** Edits a copy of a config. Not thread-safe. */
  public static final class Builder {
    private final ObjectNode tree;

    private Builder(ObjectNode tree) {
      this.tree = tree;
    }

    private ObjectNode config() {
      JsonNode c = tree.get("config");
      if (c == null || !c.isObject()) {
        return tree.putObject("config");
      }
      return (ObjectNode) c;
    }

    public Builder created(String rfc3339) {
      tree.put("created", rfc3339);
      return this;
    }

    public Builder author(String author) {
      tree.put("author", author);
      return this;
    }

    public Builder env(List<String> env) {
      putStrings(config(), "Env", env);
      return this;
    }

    public Builder entrypoint(List<String> entrypoint) {
      putStrings(config(), "Entrypoint", entrypoint);
      return this;
    }

    public Builder cmd(List<String> cmd) {
      putStrings(config(), "Cmd", cmd);
      return this;
    }

    public Builder workingDir(String dir) {
      config().put("WorkingDir", dir);
      return this;
    }

    public Builder user(String user) {
      config().put("User", user);
      return this;
    }

    public Builder label(String key, String value) {
      JsonNode l = config().get("Labels");
      ObjectNode labels = l instanceof ObjectNode o ? o : config().putObject("Labels");
      labels.put(key, value);
      return this;
    }

    /** Adds {@code port} ({@code 80/tcp}) to {@code config.ExposedPorts}. */
    public Builder exposedPort(String port) {
      JsonNode p = config().get("ExposedPorts");
      (p instanceof ObjectNode o ? o : config().putObject("ExposedPorts")).putObject(port);
      return this;
    }

    /** Adds {@code path} to {@code config.Volumes}. */
    public Builder volume(String path) {
      JsonNode v = config().get("Volumes");
      (v instanceof ObjectNode o ? o : config().putObject("Volumes")).putObject(path);
      return this;
    }

    public Builder stopSignal(String signal) {
      config().put("StopSignal", signal);
      return this;
    }

    /** Sets {@code config.Shell}, the default shell of shell-form commands in builds on this image (Docker's). */
    public Builder shell(List<String> shell) {
      putStrings(config(), "Shell", shell);
      return this;
    }

    /** Sets {@code config.OnBuild}, the triggers builds on this image run first (Docker's). */
    public Builder onBuild(List<String> triggers) {
      putStrings(config(), "OnBuild", triggers);
      return this;
    }

    /**
     * Sets {@code config.Healthcheck} as Docker writes it: durations in nanoseconds, a zero duration or retry count
     * left out (inherit the default). {@code test} is {@code ["NONE"]}, {@code ["CMD", ...]} or
     * {@code ["CMD-SHELL", line]}.
     */
    public Builder healthcheck(
        List<String> test, long intervalNanos, long timeoutNanos, long startPeriodNanos, long startIntervalNanos,
        int retries) {
      ObjectNode h = config().putObject("Healthcheck");
      putStrings(h, "Test", test);
      if (intervalNanos > 0) {
        h.put("Interval", intervalNanos);
      }
      if (timeoutNanos > 0) {
        h.put("Timeout", timeoutNanos);
      }
      if (startPeriodNanos > 0) {
        h.put("StartPeriod", startPeriodNanos);
      }
      if (startIntervalNanos > 0) {
        h.put("StartInterval", startIntervalNanos);
      }
      if (retries > 0) {
        h.put("Retries", retries);
      }
      return this;
    }

    /** Appends a layer's diffID and its history entry. */
    public Builder addLayer(Digest diffId, History history) {
      rootfs().withArray("diff_ids").add(diffId.toString());
      addHistory(new History(history.created(), history.createdBy(), history.author(), history.comment(), false));
      return this;
    }

    /** Appends a history entry; an entry with {@code emptyLayer} adds no diffID. */
    public Builder addHistory(History h) {
      JsonNode hs = tree.get("history");
      ArrayNode arr = hs instanceof ArrayNode a ? a : tree.putArray("history");
      ObjectNode e = arr.addObject();
      h.created().ifPresent(v -> e.put("created", v));
      h.createdBy().ifPresent(v -> e.put("created_by", v));
      h.author().ifPresent(v -> e.put("author", v));
      h.comment().ifPresent(v -> e.put("comment", v));
      if (h.emptyLayer()) {
        e.put("empty_layer", true);
      }
      return this;
    }

    private ObjectNode rootfs() {
      JsonNode r = tree.get("rootfs");
      if (r instanceof ObjectNode o) {
        return o;
      }
      ObjectNode o = tree.putObject("rootfs");
      o.put("type", "layers");
      return o;
    }

    private static void putStrings(ObjectNode n, String field, List<String> values) {
      ArrayNode a = n.putArray(field);
      values.forEach(a::add);
    }

    public ImageConfig build() {
      return new ImageConfig(OciJson.bytes(tree), tree.deepCopy());
    }
  }
}
