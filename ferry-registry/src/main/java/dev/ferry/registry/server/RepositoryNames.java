package dev.ferry.registry.server;

import dev.ferry.oci.Reference;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Repository names of the distribution API and how they map onto store names. Stateless.
 *
 * <p>Repository {@code R} with tag {@code T} is the store name {@code Reference.parse(R + ":" + T)}: {@code busybox}
 * and {@code library/busybox} are both {@code docker.io/library/busybox}, {@code harbor.corp/x/y} stays as it is.
 * Back from a store name, the repository is the name without its tag and without a leading {@code docker.io/}.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests">name
 *     grammar</a>
 */
final class RepositoryNames {
  /** distribution's grammar: path components of lowercase alphanumerics joined by {@code .}, {@code _}, {@code __} or dashes. */
  private static final Pattern NAME =
      Pattern.compile("[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*");

  private static final Pattern TAG = Pattern.compile("[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");
  /** distribution's limit on a repository name. */
  static final int MAX_NAME = 255;

  private RepositoryNames() {}

  /** Whether {@code name} is a valid repository name. */
  static boolean isValid(String name) {
    return name.length() <= MAX_NAME && NAME.matcher(name).matches() && parses(name);
  }

  private static boolean parses(String name) {
    try {
      Reference.parse(name + ":" + Reference.DEFAULT_TAG);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  static boolean isTag(String ref) {
    return TAG.matcher(ref).matches();
  }

  /**
   * The key under which a repository's links are kept: the normalised {@code registry/repository}, so that the
   * spellings of one store name share one scope.
   */
  static String key(String repository) {
    return Reference.parse(repository + ":" + Reference.DEFAULT_TAG).name();
  }

  /** The store name of {@code repository:tag}. */
  static String storeName(String repository, String tag) {
    return Reference.parse(repository + ":" + tag).toString();
  }

  /** A store name (the key of a repository plus a tag) seen by a registry client, if it is served. */
  record Served(String repository, String key, String tag) {}

  /**
   * What a store name looks like through the API: empty for names that are not references with a tag (another
   * tool's), or whose repository a client could not spell.
   */
  static Optional<Served> fromStoreName(String storeName) {
    Reference r;
    try {
      r = Reference.parse(storeName);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (r.tag().isEmpty() || r.digest().isPresent() || !r.toString().equals(storeName)) {
      return Optional.empty();
    }
    String repository =
        r.registry().equals(Reference.DEFAULT_REGISTRY) ? r.repository() : r.registry() + "/" + r.repository();
    if (!isValid(repository) || !key(repository).equals(r.name())) {
      return Optional.empty();
    }
    return Optional.of(new Served(repository, r.name(), r.tag().orElseThrow()));
  }
}
