package dev.ferry.build.dockerfile;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One {@code RUN --mount=...} option, parsed from its comma-separated {@code key=value} list as BuildKit does.
 * Immutable.
 *
 * <p>Defaults follow BuildKit: the type is {@code bind}; bind mounts are read-only unless {@code rw}; a cache mount's
 * id is its target and its sharing {@code shared}; a secret's target is {@code /run/secrets/<id>} and its id the
 * target's file name; an ssh mount's id is {@code default}.
 *
 * @param type the mount type
 * @param target where it is mounted in the container; empty only for a secret exposed through {@code env} alone
 * @param id the cache, secret or ssh id
 * @param from the stage or image the source is taken from (bind and cache)
 * @param source the path inside {@code from} or the context
 * @param readOnly whether the mount is read-only
 * @param sharing how concurrent builds share a cache mount
 * @param required whether a missing secret or ssh agent is an error
 * @param mode file mode, octal in the Dockerfile
 * @param uid owner uid
 * @param gid owner gid
 * @param size tmpfs size as written
 * @param env the environment variable a secret is exposed as
 * @param spec the option text as written, without {@code --mount=}
 */
public record Mount(
    Type type,
    String target,
    Optional<String> id,
    Optional<String> from,
    Optional<String> source,
    boolean readOnly,
    Sharing sharing,
    boolean required,
    OptionalInt mode,
    OptionalInt uid,
    OptionalInt gid,
    Optional<String> size,
    Optional<String> env,
    String spec) {

  /** The {@code type=} values BuildKit knows. */
  public enum Type {
    BIND,
    CACHE,
    TMPFS,
    SECRET,
    SSH;

    /** The spelling in a Dockerfile. */
    public String keyword() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The {@code sharing=} values of a cache mount. */
  public enum Sharing {
    SHARED,
    PRIVATE,
    LOCKED
  }

  public Mount {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(sharing, "sharing");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(uid, "uid");
    Objects.requireNonNull(gid, "gid");
    Objects.requireNonNull(size, "size");
    Objects.requireNonNull(env, "env");
    Objects.requireNonNull(spec, "spec");
  }

  /**
   * Parses the value of a {@code --mount} flag, e.g. {@code type=cache,target=/root/.cache,sharing=locked}.
   *
   * @throws DockerfileException without a location, naming the bad key or value
   */
  public static Mount parse(String spec) throws DockerfileException {
    Type type = Type.BIND;
    String target = null;
    String id = null;
    String from = null;
    String source = null;
    Boolean readOnly = null;
    Sharing sharing = Sharing.SHARED;
    boolean required = false;
    Integer mode = null;
    Integer uid = null;
    Integer gid = null;
    String size = null;
    String env = null;
    for (String field : csvFields(spec)) {
      int eq = field.indexOf('=');
      String key = (eq < 0 ? field : field.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
      String value = eq < 0 ? null : field.substring(eq + 1);
      switch (key) {
        case "type" -> {
          String t = need(key, value, spec).toLowerCase(Locale.ROOT);
          type = switch (t) {
            case "bind" -> Type.BIND;
            case "cache" -> Type.CACHE;
            case "tmpfs" -> Type.TMPFS;
            case "secret" -> Type.SECRET;
            case "ssh" -> Type.SSH;
            default -> throw new DockerfileException(
                "unsupported mount type '" + t + "' in --mount=" + spec + " (bind, cache, tmpfs, secret or ssh)");
          };
        }
        case "target", "dst", "destination" -> target = need(key, value, spec);
        case "source", "src" -> source = need(key, value, spec);
        case "from" -> from = need(key, value, spec);
        case "id" -> id = need(key, value, spec);
        case "env" -> env = need(key, value, spec);
        case "size" -> size = need(key, value, spec);
        case "readonly", "ro" -> readOnly = bool(key, value, spec);
        case "rw", "readwrite" -> readOnly = !bool(key, value, spec);
        case "required" -> required = bool(key, value, spec);
        case "sharing" -> {
          String s = need(key, value, spec).toLowerCase(Locale.ROOT);
          sharing = switch (s) {
            case "shared" -> Sharing.SHARED;
            case "private" -> Sharing.PRIVATE;
            case "locked" -> Sharing.LOCKED;
            default -> throw new DockerfileException(
                "unsupported sharing '" + s + "' in --mount=" + spec + " (shared, private or locked)");
          };
        }
        case "mode" -> mode = number(key, need(key, value, spec), 8, spec);
        case "uid" -> uid = number(key, need(key, value, spec), 10, spec);
        case "gid" -> gid = number(key, need(key, value, spec), 10, spec);
        default -> throw new DockerfileException("unexpected key '" + key + "' in --mount=" + spec);
      }
    }
    switch (type) {
      case SECRET -> {
        if (id == null && target == null && env == null) {
          throw new DockerfileException("a secret mount needs an id, a target or an env: --mount=" + spec);
        }
        if (id == null) {
          String base = target != null ? target : env;
          id = base.substring(base.lastIndexOf('/') + 1);
        }
        if (target == null && env == null) {
          target = "/run/secrets/" + id;
        }
      }
      case SSH -> {
        if (id == null) {
          id = "default";
        }
        if (target == null) {
          target = "/run/buildkit/ssh_agent.0";
        }
      }
      case CACHE -> {
        if (target == null) {
          throw new DockerfileException("a cache mount needs a target: --mount=" + spec);
        }
        if (id == null) {
          id = target;
        }
      }
      case BIND, TMPFS -> {
        if (target == null) {
          throw new DockerfileException("a " + type.keyword() + " mount needs a target: --mount=" + spec);
        }
      }
    }
    boolean ro = readOnly != null ? readOnly : type == Type.BIND;
    return new Mount(
        type,
        target == null ? "" : target,
        Optional.ofNullable(id),
        Optional.ofNullable(from),
        Optional.ofNullable(source),
        ro,
        sharing,
        required,
        mode == null ? OptionalInt.empty() : OptionalInt.of(mode),
        uid == null ? OptionalInt.empty() : OptionalInt.of(uid),
        gid == null ? OptionalInt.empty() : OptionalInt.of(gid),
        Optional.ofNullable(size),
        Optional.ofNullable(env),
        spec);
  }

  private static String need(String key, String value, String spec) throws DockerfileException {
    if (value == null) {
      throw new DockerfileException("mount option '" + key + "' needs a value: --mount=" + spec);
    }
    return value;
  }

  private static boolean bool(String key, String value, String spec) throws DockerfileException {
    if (value == null || value.equalsIgnoreCase("true")) {
      return true;
    }
    if (value.equalsIgnoreCase("false")) {
      return false;
    }
    throw new DockerfileException(
        "mount option '" + key + "' expects true or false, got '" + value + "': --mount=" + spec);
  }

  private static int number(String key, String value, int radix, String spec) throws DockerfileException {
    try {
      return Integer.parseInt(value, radix);
    } catch (NumberFormatException e) {
      throw new DockerfileException("mount option '" + key + "' expects "
          + (radix == 8 ? "an octal mode" : "a number") + ", got '" + value + "': --mount=" + spec);
    }
  }

  /** The comma-separated fields of a {@code --mount} spec, blank ones dropped. */
  private static List<String> csvFields(String spec) throws DockerfileException {
    List<String> fields;
    try {
      fields = new ArrayList<>(dev.ferry.oci.io.CsvLine.split(spec));
    } catch (IllegalArgumentException e) {
      throw new DockerfileException("unterminated quote in --mount=" + spec);
    }
    fields.removeIf(String::isBlank);
    return fields;
  }
}
