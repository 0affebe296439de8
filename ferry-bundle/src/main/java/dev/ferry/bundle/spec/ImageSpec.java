package dev.ferry.bundle.spec;

import dev.ferry.oci.Reference;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One image of a delivery: built from a Dockerfile or pulled by reference, for some of the delivery's targets.
 * Immutable.
 *
 * @param name repository path at the destination ({@code demo/service}), without registry or tag
 * @param tag tag at the destination (default: the delivery's version, or the pulled reference's tag)
 * @param build how to build it, when it is built
 * @param pull what to pull, when it is pulled
 * @param targets names of the targets it is delivered for (default: every target of the delivery)
 * @param line the spec line it was declared on, for messages (0 when not from a file)
 * @param wheelhouse the name of a wheelhouse of the delivery whose wheels are installed into the image, per target
 */
public record ImageSpec(
    String name, String tag, Optional<Build> build, Optional<Reference> pull, List<String> targets, int line,
    Optional<String> wheelhouse) {
  public ImageSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(tag, "tag");
    Objects.requireNonNull(wheelhouse, "wheelhouse");
    targets = List.copyOf(targets);
    if (build.isPresent() == pull.isPresent()) {
      throw new IllegalArgumentException("image " + name + " needs exactly one of build and pull");
    }
  }

  /** An image without a wheelhouse. */
  public ImageSpec(String name, String tag, Optional<Build> build, Optional<Reference> pull, List<String> targets, int line) {
    this(name, tag, build, pull, targets, line, Optional.empty());
  }

  /** Where and how to build an image. */
  public record Build(Path context, Path dockerfile, Map<String, String> args, Optional<String> stage) {
    public Build {
      Objects.requireNonNull(context, "context");
      Objects.requireNonNull(dockerfile, "dockerfile");
      args = Map.copyOf(args);
    }
  }

  /** {@code name:tag}: how the image is named in the store and in the bundle. */
  public String nameAndTag() {
    return name + ":" + tag;
  }

  /** Where the image comes from, for the lock and reports: {@code build:CONTEXT} or the pulled reference. */
  public String source(Path specDir) {
    return pull.map(Reference::toString).orElseGet(() -> {
      String rel = specDir.toAbsolutePath().normalize().relativize(build.get().context().toAbsolutePath().normalize()).toString();
      return "build:" + (rel.isEmpty() ? "." : rel);
    });
  }
}
