package dev.ferry.bundle.spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed, checked {@code ferry.yaml}: what one delivery of a product carries. Immutable; made by
 * {@link SpecParser}. The JSON Schema of the file is {@code dev/ferry/bundle/ferry.schema.json} (also
 * {@code docs/ferry.schema.json}).
 *
 * @param file the spec file (relative paths in it are resolved against its directory)
 * @param name product name
 * @param version delivery version; the default tag of everything in it
 * @param targets the targets the delivery ships for, in order
 * @param images images to carry
 * @param files plain files to carry as artifacts
 * @param models model files to carry as artifacts
 * @param wheelhouses Python wheelhouses (filled by a {@link dev.ferry.bundle.WheelhouseProvider})
 * @param naming how names map onto a destination prefix
 */
public record DeliverySpec(
    Path file,
    String name,
    String version,
    List<Target> targets,
    List<ImageSpec> images,
    List<ArtifactSpec> files,
    List<ArtifactSpec> models,
    List<WheelhouseSpec> wheelhouses,
    Naming naming) {
  public DeliverySpec {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(version, "version");
    targets = List.copyOf(targets);
    images = List.copyOf(images);
    files = List.copyOf(files);
    models = List.copyOf(models);
    wheelhouses = List.copyOf(wheelhouses);
    Objects.requireNonNull(naming, "naming");
  }

  /** The directory relative paths are resolved against. */
  public Path directory() {
    Path parent = file.toAbsolutePath().getParent();
    return parent == null ? Path.of(".").toAbsolutePath() : parent;
  }

  /** The delivery's target called {@code name}. */
  public Optional<Target> target(String name) {
    return targets.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  /** The targets {@code image} is delivered for, in delivery order. */
  public List<Target> targetsOf(ImageSpec image) {
    if (image.targets().isEmpty()) {
      return targets;
    }
    return targets.stream().filter(t -> image.targets().contains(t.name())).toList();
  }

  /** Files and models together. */
  public List<ArtifactSpec> artifacts() {
    List<ArtifactSpec> all = new ArrayList<>(files);
    all.addAll(models);
    return all;
  }

  /** {@code NAME-VERSION.ferry}: the default bundle file name. */
  public String defaultBundleName() {
    return name + "-" + version + ".ferry";
  }
}
