package dev.ferry.build.services;

import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One service of {@code ferry build-all}: a context and a Dockerfile that build one image. Immutable.
 *
 * @param name the service's name, unique in its file
 * @param context the build context directory
 * @param dockerfile the Dockerfile (default {@code context/Dockerfile})
 * @param image the repository to tag, as written (default: the name); a tag in it wins over {@code --tag}
 * @param args build arguments of this service
 * @param target the stage to build, or empty for the last
 * @param platforms the platforms to build, or empty for the command's
 */
public record Service(
    String name,
    Path context,
    Path dockerfile,
    String image,
    Map<String, String> args,
    Optional<String> target,
    List<Platform> platforms) {
  public Service {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(context, "context");
    Objects.requireNonNull(dockerfile, "dockerfile");
    Objects.requireNonNull(image, "image");
    args = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(args));
    Objects.requireNonNull(target, "target");
    platforms = List.copyOf(platforms);
  }

  /** The reference this service's result gets: {@code image:tag}, or {@code image} when it carries its own tag. */
  public Reference output(String tag) {
    boolean tagged = image.lastIndexOf(':') > image.lastIndexOf('/');
    return Reference.parse(tagged ? image : image + ":" + tag);
  }
}
