package dev.ferry.oci;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An image reference in the Docker grammar: {@code [registry[:port]/]repository[:tag][@digest]}. Immutable.
 *
 * <p>Normalisation follows the Docker CLI: a first component that has a {@code .} or {@code :} or is
 * {@code localhost} is a registry, otherwise the registry is {@code docker.io}; a one-component repository on
 * {@code docker.io} gets the {@code library/} prefix; {@code index.docker.io} becomes {@code docker.io}. With neither
 * tag nor digest the tag is {@code latest}.
 *
 * @see <a href="https://github.com/distribution/reference/blob/main/reference.go">the reference grammar</a>
 */
public final class Reference {
  public static final String DEFAULT_REGISTRY = "docker.io";
  public static final String DEFAULT_TAG = "latest";

  private static final String ALNUM = "[a-z0-9]+";
  private static final String SEPARATOR = "(?:[._]|__|[-]+)";
  private static final Pattern PATH_COMPONENT = Pattern.compile(ALNUM + "(?:" + SEPARATOR + ALNUM + ")*");
  private static final String DOMAIN_LABEL = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
  private static final Pattern DOMAIN =
      Pattern.compile("(?:" + DOMAIN_LABEL + "(?:\\." + DOMAIN_LABEL + ")*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
  private static final int NAME_MAX = 255;

  private final String registry;
  private final String repository;
  private final @Nullable String tag;
  private final @Nullable Digest digest;

  private Reference(String registry, String repository, @Nullable String tag, @Nullable Digest digest) {
    this.registry = registry;
    this.repository = repository;
    this.tag = tag;
    this.digest = digest;
  }

  /**
   * Parses and normalises a reference.
   *
   * @throws IllegalArgumentException quoting the bad value and saying what is wrong with it
   */
  public static Reference parse(String value) {
    Objects.requireNonNull(value, "reference");
    String rest = value.trim();
    if (rest.isEmpty()) {
      throw bad(value, "it is empty");
    }
    Digest digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      try {
        digest = Digest.parse(rest.substring(at + 1));
      } catch (IllegalArgumentException e) {
        throw bad(value, e.getMessage());
      }
      rest = rest.substring(0, at);
    }
    String tag = null;
    int lastColon = rest.lastIndexOf(':');
    int lastSlash = rest.lastIndexOf('/');
    if (lastColon > lastSlash) {
      tag = rest.substring(lastColon + 1);
      rest = rest.substring(0, lastColon);
      if (!TAG.matcher(tag).matches()) {
        throw bad(value, "tag '" + tag + "' must be 1-128 of [A-Za-z0-9_.-], not starting with . or -");
      }
    }
    if (rest.isEmpty()) {
      throw bad(value, "the repository name is empty");
    }
    String registry = DEFAULT_REGISTRY;
    String path = rest;
    int slash = rest.indexOf('/');
    if (slash >= 0) {
      String first = rest.substring(0, slash);
      if (first.contains(".") || first.contains(":") || first.equals("localhost") || !first.equals(first.toLowerCase(java.util.Locale.ROOT))) {
        if (!DOMAIN.matcher(first).matches()) {
          throw bad(value, "registry '" + first + "' is not a valid host[:port]");
        }
        registry = first;
        path = rest.substring(slash + 1);
      }
    }
    if (registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")) {
      registry = DEFAULT_REGISTRY;
    }
    for (String component : path.split("/", -1)) {
      if (!PATH_COMPONENT.matcher(component).matches()) {
        if (!component.equals(component.toLowerCase(java.util.Locale.ROOT))) {
          throw bad(value, "repository name must be lowercase");
        }
        throw bad(
            value,
            "repository component '"
                + component
                + "' must be lowercase letters and digits separated by '.', '_', '__' or '-'");
      }
    }
    if (registry.equals(DEFAULT_REGISTRY) && !path.contains("/")) {
      path = "library/" + path;
    }
    if ((registry + "/" + path).length() > NAME_MAX) {
      throw bad(value, "the name is longer than " + NAME_MAX + " characters");
    }
    if (tag == null && digest == null) {
      tag = DEFAULT_TAG;
    }
    return new Reference(registry, path, tag, digest);
  }

  private static IllegalArgumentException bad(String value, String why) {
    return new IllegalArgumentException("invalid image reference '" + value + "': " + why);
  }

  /** Registry host and optional port, e.g. {@code docker.io} or {@code localhost:5000}. */
  public String registry() {
    return registry;
  }

  /** Repository path, e.g. {@code library/busybox}. */
  public String repository() {
    return repository;
  }

  public Optional<String> tag() {
    return Optional.ofNullable(tag);
  }

  public Optional<Digest> digest() {
    return Optional.ofNullable(digest);
  }

  /** {@code registry/repository}, without tag or digest. */
  public String name() {
    return registry + "/" + repository;
  }

  public Reference withTag(String newTag) {
    return parse(name() + ":" + newTag);
  }

  public Reference withDigest(Digest newDigest) {
    return new Reference(registry, repository, tag, newDigest);
  }

  /** The tag or, for a digest-only reference, the digest: what a registry's manifest endpoint takes. */
  public String tagOrDigest() {
    return digest != null ? digest.toString() : Objects.requireNonNull(tag);
  }

  /** The shortest form a Docker user would type: {@code busybox:1} rather than {@code docker.io/library/busybox:1}. */
  public String familiar() {
    return familiarName() + suffix();
  }

  /** {@link #familiar()} without tag or digest: {@code busybox}, {@code localhost:5000/team/app}. */
  public String familiarName() {
    if (registry.equals(DEFAULT_REGISTRY)) {
      return repository.startsWith("library/") ? repository.substring("library/".length()) : repository;
    }
    return name();
  }

  private String suffix() {
    return (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
  }

  /** The full normalised form, e.g. {@code docker.io/library/busybox:latest}. */
  @Override
  public String toString() {
    return name() + suffix();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Reference r && r.toString().equals(toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }
}
