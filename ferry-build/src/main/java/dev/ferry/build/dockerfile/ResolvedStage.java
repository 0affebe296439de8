package dev.ferry.build.dockerfile;

import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A stage with its {@code FROM} resolved for one build: the image text after {@code ARG} expansion, whether it builds
 * on an earlier stage, on {@code scratch} or on an external image, its platform and the stages it depends on.
 * Immutable and thread-safe. {@link BuildPlan} makes them.
 */
public final class ResolvedStage {
  private final Stage stage;
  private final String image;
  private final Optional<Integer> baseStage;
  private final Optional<Reference> baseImage;
  private final Platform platform;
  private final Set<Integer> dependencies;
  private final List<ExternalImage> externalImages;
  private final char escape;
  private final BuildOptions options;
  private final Map<String, String> globalArgs;

  ResolvedStage(
      Stage stage,
      String image,
      Optional<Integer> baseStage,
      Optional<Reference> baseImage,
      Platform platform,
      Set<Integer> dependencies,
      List<ExternalImage> externalImages,
      char escape,
      BuildOptions options,
      Map<String, String> globalArgs) {
    this.stage = Objects.requireNonNull(stage, "stage");
    this.image = image;
    this.baseStage = baseStage;
    this.baseImage = baseImage;
    this.platform = platform;
    this.dependencies = Collections.unmodifiableSet(new TreeSet<>(dependencies));
    this.externalImages = List.copyOf(externalImages);
    this.escape = escape;
    this.options = options;
    this.globalArgs = globalArgs;
  }

  /** This stage with other dependencies and external images (after its base's triggers are known). */
  ResolvedStage withReferences(Set<Integer> dependencies, List<ExternalImage> externalImages) {
    return new ResolvedStage(stage, image, baseStage, baseImage, platform, dependencies, externalImages, escape, options,
        globalArgs);
  }

  /** The stage as parsed. */
  public Stage stage() {
    return stage;
  }

  public int index() {
    return stage.index();
  }

  public Optional<String> name() {
    return stage.name();
  }

  /** The {@code FROM} image text after expansion with the global args: a reference, a stage name or scratch. */
  public String image() {
    return image;
  }

  /** Whether the stage starts from an empty filesystem. */
  public boolean scratch() {
    return baseStage.isEmpty() && baseImage.isEmpty();
  }

  /** The index of the earlier stage this one builds on, when {@code FROM} names one. */
  public Optional<Integer> baseStage() {
    return baseStage;
  }

  /** The external image this stage builds on, when it is neither a stage nor scratch. */
  public Optional<Reference> baseImage() {
    return baseImage;
  }

  /** {@code FROM --platform} after expansion, else the base stage's platform, else the target platform. */
  public Platform platform() {
    return platform;
  }

  /** Indexes of the stages this one needs: its base stage and every {@code --from} / {@code from=} stage. */
  public Set<Integer> dependencies() {
    return dependencies;
  }

  /** External images this stage needs (its base and {@code --from} images), in order of first use. */
  public List<ExternalImage> externalImages() {
    return externalImages;
  }

  /** The scope at the start of the stage over the given base environment. */
  public StageEnvironment initialEnvironment(Map<String, String> baseEnv) {
    return StageEnvironment.start(escape, baseEnv, options, globalArgs);
  }

  /**
   * Each instruction with its expanded form and the scope it runs in.
   *
   * @param baseEnv the environment of the base image, or the final environment of the base stage
   * @throws DockerfileException at the first instruction that fails to expand
   */
  public List<Step> steps(Map<String, String> baseEnv) throws DockerfileException {
    return steps(baseEnv, List.of());
  }

  /**
   * Each instruction with its expanded form and the scope it runs in, after {@code triggers}: the base image's
   * {@code ONBUILD} triggers, which run first, as if written right after {@code FROM}.
   *
   * @throws DockerfileException at the first instruction that fails to expand
   */
  public List<Step> steps(Map<String, String> baseEnv, List<Instruction> triggers) throws DockerfileException {
    List<Step> steps = new ArrayList<>();
    StageEnvironment env = initialEnvironment(baseEnv);
    List<Instruction> all = new ArrayList<>(triggers);
    all.addAll(stage.instructions());
    for (Instruction in : all) {
      steps.add(new Step(in, in.expand(env.expander()), env));
      env = env.apply(in);
    }
    return List.copyOf(steps);
  }

  /** The scope after the last instruction: what a stage built {@code FROM} this one starts with (its env). */
  public StageEnvironment finalEnvironment(Map<String, String> baseEnv) throws DockerfileException {
    StageEnvironment env = initialEnvironment(baseEnv);
    for (Instruction in : stage.instructions()) {
      env = env.apply(in);
    }
    return env;
  }

  @Override
  public String toString() {
    return "stage " + stage.displayName() + " FROM " + image + " (" + platform + ")";
  }
}
