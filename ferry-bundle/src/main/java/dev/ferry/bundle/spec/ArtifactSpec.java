package dev.ferry.bundle.spec;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A file or a directory of files carried as an OCI artifact (architecture-neutral, carried once). Immutable.
 *
 * @param kind whether it is a model or a plain file set
 * @param name repository path at the destination ({@code models/bert})
 * @param tag tag at the destination (default: the delivery's version)
 * @param path the file or directory, resolved against the spec's directory
 */
public record ArtifactSpec(Kind kind, String name, String tag, Path path) {
  /** The two kinds of artifact, each with its own artifact and layer media types. */
  public enum Kind {
    FILE("application/vnd.ferry.file.v1", "application/vnd.ferry.file.layer.v1"),
    MODEL("application/vnd.ferry.model.v1", "application/vnd.ferry.model.layer.v1");

    private final String artifactType;
    private final String layerType;

    Kind(String artifactType, String layerType) {
      this.artifactType = artifactType;
      this.layerType = layerType;
    }

    /** The manifest's {@code artifactType}. */
    public String artifactType() {
      return artifactType;
    }

    /** The media type of each file (one layer per file). */
    public String layerType() {
      return layerType;
    }

    /** {@code file} or {@code model}, as in the lock. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public ArtifactSpec {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(tag, "tag");
    Objects.requireNonNull(path, "path");
  }

  /** {@code name:tag}. */
  public String nameAndTag() {
    return name + ":" + tag;
  }
}
