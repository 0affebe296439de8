package dev.ferry.cli;

import dev.ferry.oci.Reference;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A skopeo-style image location: {@code docker://REF}, {@code oci:DIR[:NAME]}, {@code oci-archive:FILE[:NAME]},
 * {@code docker-archive:FILE[:NAME]} or {@code store:REF} (Ferry's own store). Immutable.
 *
 * @param transport the part before the first colon
 * @param reference the image reference, for {@code docker} and {@code store}
 * @param path the directory or file, for the layout and archive transports
 * @param name the optional name after the path ({@code oci:DIR:NAME})
 */
record Location(Transport transport, Optional<Reference> reference, Optional<Path> path, Optional<String> name) {

  /** Where images can be read from and written to. */
  enum Transport {
    DOCKER("docker"),
    OCI("oci"),
    OCI_ARCHIVE("oci-archive"),
    DOCKER_ARCHIVE("docker-archive"),
    STORE("store");

    final String prefix;

    Transport(String prefix) {
      this.prefix = prefix;
    }
  }

  /**
   * Parses a location.
   *
   * @throws IllegalArgumentException quoting the value and listing the forms
   */
  static Location parse(String value) {
    int colon = value.indexOf(':');
    String prefix = colon < 0 ? "" : value.substring(0, colon);
    String rest = colon < 0 ? "" : value.substring(colon + 1);
    for (Transport t : Transport.values()) {
      if (!t.prefix.equals(prefix)) {
        continue;
      }
      switch (t) {
        case DOCKER -> {
          if (!rest.startsWith("//") || rest.length() == 2) {
            throw bad(value, "docker locations are written docker://REGISTRY/REPOSITORY[:TAG|@DIGEST]");
          }
          return new Location(t, Optional.of(Reference.parse(rest.substring(2))), Optional.empty(), Optional.empty());
        }
        case STORE -> {
          if (rest.isEmpty()) {
            throw bad(value, "store locations are written store:REF");
          }
          return new Location(t, Optional.of(Reference.parse(rest)), Optional.empty(), Optional.empty());
        }
        default -> {
          if (rest.isEmpty()) {
            throw bad(value, t.prefix + " locations are written " + t.prefix + ":PATH[:NAME]");
          }
          // The path ends at the first colon, as in skopeo; names may contain colons (tags).
          int c = rest.indexOf(':');
          String path = c < 0 ? rest : rest.substring(0, c);
          Optional<String> name = c < 0 || c == rest.length() - 1 ? Optional.empty() : Optional.of(rest.substring(c + 1));
          return new Location(t, Optional.empty(), Optional.of(Path.of(path)), name);
        }
      }
    }
    throw bad(value, "it must start with docker://, oci:, oci-archive:, docker-archive: or store:");
  }

  private static IllegalArgumentException bad(String value, String why) {
    return new IllegalArgumentException("invalid image location '" + value + "': " + why);
  }
}
