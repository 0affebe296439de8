package dev.ferry.build.dockerfile;

import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The stage graph of a Dockerfile for one build: every stage resolved ({@code FROM} expanded, dependencies found),
 * the stages the target needs in an order that respects their dependencies, the levels of stages that can run in
 * parallel, the external images to prefetch, and the build args no {@code ARG} consumed. Immutable and thread-safe.
 *
 * <p>Dependencies come from {@code FROM earlier-stage}, {@code COPY --from=stage|index} and
 * {@code RUN --mount=from=stage}, also in the {@code ONBUILD} triggers a stage runs first: an earlier stage's own
 * (read here) or a base image's (known only once the image is read: {@link #withBaseImageTriggers}). A {@code --from} or {@code from=} naming the stage itself or a later one is an
 * error; a {@code FROM} naming the stage's own name means an image of that name, as in Docker. Anything that names
 * no stage is an external image, except {@code scratch}.
 */
public final class BuildPlan {
  private final Dockerfile dockerfile;
  private final BuildOptions options;
  private final Map<String, String> globalArgs;
  private final List<ResolvedStage> stages;
  private final ResolvedStage target;
  private final List<ResolvedStage> order;
  private final List<List<ResolvedStage>> levels;
  private final List<ExternalImage> externalImages;
  private final List<String> unusedBuildArgs;

  private BuildPlan(
      Dockerfile dockerfile,
      BuildOptions options,
      Map<String, String> globalArgs,
      List<ResolvedStage> stages,
      ResolvedStage target) {
    this.dockerfile = dockerfile;
    this.options = options;
    this.globalArgs = Collections.unmodifiableMap(globalArgs);
    this.stages = List.copyOf(stages);
    this.target = target;

    Set<Integer> needed = new TreeSet<>();
    List<Integer> todo = new ArrayList<>(List.of(target.index()));
    while (!todo.isEmpty()) {
      int i = todo.remove(todo.size() - 1);
      if (needed.add(i)) {
        todo.addAll(stages.get(i).dependencies());
      }
    }
    // Dependencies always point to earlier stages, so index order is a topological order.
    this.order = needed.stream().map(stages::get).toList();

    Map<Integer, Integer> level = new HashMap<>();
    List<List<ResolvedStage>> lv = new ArrayList<>();
    for (ResolvedStage s : order) {
      int l = s.dependencies().stream().mapToInt(level::get).max().orElse(-1) + 1;
      level.put(s.index(), l);
      while (lv.size() <= l) {
        lv.add(new ArrayList<>());
      }
      lv.get(l).add(s);
    }
    this.levels = lv.stream().map(List::copyOf).toList();

    Map<String, ExternalImage> images = new LinkedHashMap<>();
    for (ResolvedStage s : order) {
      for (ExternalImage e : s.externalImages()) {
        images.putIfAbsent(e.reference() + "|" + e.platform(), e);
      }
    }
    this.externalImages = List.copyOf(images.values());

    Set<String> consumed = new HashSet<>(BuildOptions.PLATFORM_ARGS);
    consumed.addAll(BuildOptions.PROXY_ARGS);
    dockerfile.globalArgs().forEach(a -> consumed.add(a.name()));
    for (ResolvedStage s : order) {
      for (Instruction in : s.stage().instructions()) {
        if (in instanceof Instruction.ArgInstruction a) {
          a.args().forEach(arg -> consumed.add(arg.name()));
        }
      }
    }
    this.unusedBuildArgs = options.buildArgs().keySet().stream()
        // BuildKit reads BUILDKIT_* args itself (e.g. BUILDKIT_INLINE_CACHE); they are never unused.
        .filter(k -> !consumed.contains(k) && !k.startsWith("BUILDKIT_"))
        .sorted()
        .toList();
  }

  /**
   * Resolves every stage of {@code dockerfile} for a build with {@code options}.
   *
   * @throws DockerfileException for an unknown target (listing the stage names), a {@code FROM} or {@code --from}
   *     that expands to nothing or to a bad reference, a bad {@code --platform}, a {@code --from} naming the stage
   *     itself or a later one, or an expansion error
   */
  public static BuildPlan of(Dockerfile dockerfile, BuildOptions options) throws DockerfileException {
    char escape = dockerfile.escape();
    Map<String, String> effective = options.effectiveArgs();

    // Global scope: the predefined platform args, then each global ARG in order.
    Map<String, String> scope = new LinkedHashMap<>(options.predefinedArgs());
    Map<String, String> globals = new LinkedHashMap<>();
    for (Arg a : dockerfile.globalArgs()) {
      String value = null;
      if (effective.containsKey(a.name())) {
        value = effective.get(a.name());
      } else if (a.defaultValue().isPresent()) {
        try {
          value = Expander.of(escape, scope).expand(a.defaultValue().get());
        } catch (DockerfileException e) {
          throw e.at(a.location(), "ARG " + a.name() + "=" + a.defaultValue().get());
        }
      }
      if (value != null) {
        globals.put(a.name(), value);
        scope.put(a.name(), value);
      }
    }
    Expander fromExpander = Expander.of(escape, scope);

    List<Stage> all = dockerfile.stages();
    ResolvedStage target = null;
    if (options.target().isPresent()) {
      String t = options.target().get().toLowerCase(Locale.ROOT);
      Optional<Stage> s = all.stream().filter(st -> st.name().map(t::equals).orElse(false)).findFirst();
      if (s.isEmpty()) {
        List<String> names = all.stream().flatMap(st -> st.name().stream()).toList();
        throw new DockerfileException("target stage '" + options.target().get() + "' not found in "
            + dockerfile.file() + "; " + (names.isEmpty() ? "no stage has a name (use FROM image AS name)"
                : "stages: " + String.join(", ", names)));
      }
    }

    List<ResolvedStage> resolved = new ArrayList<>();
    List<Map<String, String>> finalEnvs = new ArrayList<>();
    Map<String, Integer> names = new HashMap<>();
    for (Stage stage : all) {
      Instruction.From from = stage.from().expand(fromExpander);
      String image = from.image();
      if (image.isBlank()) {
        throw new DockerfileException("FROM image is empty after expanding '" + stage.from().image()
            + "'; is the ARG declared before the first FROM and given a value?", stage.from().location(),
            stage.from().text());
      }
      Optional<Integer> baseStage = Optional.ofNullable(names.get(image.toLowerCase(Locale.ROOT)));
      Platform platform;
      if (from.platform().isPresent()) {
        try {
          platform = BuildOptions.parsePlatform(from.platform().get());
        } catch (IllegalArgumentException e) {
          throw new DockerfileException("FROM --platform expects os/arch[/variant], got '" + from.platform().get()
              + "'" + (from.platform().equals(stage.from().platform()) ? "" : " (from '"
                  + stage.from().platform().get() + "')"), stage.from().location(), stage.from().text());
        }
      } else if (baseStage.isPresent()) {
        platform = resolved.get(baseStage.get()).platform();
      } else {
        platform = options.targetPlatform();
      }

      Set<Integer> deps = new LinkedHashSet<>();
      List<ExternalImage> externals = new ArrayList<>();
      Optional<Reference> baseImage = Optional.empty();
      baseStage.ifPresent(deps::add);
      if (baseStage.isEmpty() && !image.equalsIgnoreCase("scratch")) {
        Reference ref = reference(image, "FROM", stage.from());
        baseImage = Optional.of(ref);
        externals.add(new ExternalImage(ref, platform, stage.from().location()));
      }

      ResolvedStage draft = new ResolvedStage(stage, image, baseStage, baseImage, platform, Set.of(), List.of(),
          escape, options, globals);
      Map<String, String> baseEnv = baseStage.map(finalEnvs::get).orElse(Map.of());
      StageEnvironment env = draft.initialEnvironment(baseEnv);
      // A stage built FROM an earlier one runs that stage's ONBUILD triggers first; what they copy from is needed too.
      List<Instruction> triggers = baseStage.map(b -> triggersOf(all.get(b))).orElse(List.of());
      List<Instruction> instructions = new ArrayList<>(triggers);
      instructions.addAll(stage.instructions());
      References refs = new References(stage, all, names, deps, externals, platform);
      for (Instruction in : instructions) {
        refs.add(in.expand(env.expander()), in);
        env = env.apply(in);
      }
      finalEnvs.add(env.env());
      resolved.add(new ResolvedStage(stage, image, baseStage, baseImage, platform, deps, externals, escape, options,
          globals));
      stage.name().ifPresent(n -> names.put(n, stage.index()));
    }

    if (options.target().isPresent()) {
      String t = options.target().get().toLowerCase(Locale.ROOT);
      target = resolved.get(names.get(t));
    } else {
      target = resolved.get(resolved.size() - 1);
    }
    return new BuildPlan(dockerfile, options, globals, resolved, target);
  }

  /** The instructions {@code stage}'s own {@code ONBUILD} lines record, which a stage built FROM it runs first. */
  private static List<Instruction> triggersOf(Stage stage) {
    List<Instruction> out = new ArrayList<>();
    for (Instruction in : stage.instructions()) {
      if (in instanceof Instruction.OnBuild o) {
        out.add(o.trigger());
      }
    }
    return out;
  }

  /**
   * This plan once the {@code ONBUILD} triggers of stage {@code index}'s base image are known (they are read from the
   * image, after planning): a trigger's {@code COPY --from} or {@code RUN --mount=from=} naming a stage makes that
   * stage (and what it needs) part of the plan, built before this one; one naming an image adds an external image.
   * BuildKit re-plans the same way. The triggers expand against {@code baseEnv}, the base image's environment.
   *
   * @param triggers the base image's triggers, parsed, in the order they run
   * @throws DockerfileException for a trigger naming this stage or a later one, or failing to expand
   */
  public BuildPlan withBaseImageTriggers(int index, Map<String, String> baseEnv, List<Instruction> triggers)
      throws DockerfileException {
    ResolvedStage s = stages.get(index);
    Set<Integer> deps = new LinkedHashSet<>(s.dependencies());
    List<ExternalImage> externals = new ArrayList<>(s.externalImages());
    Map<String, Integer> earlier = new HashMap<>();
    for (ResolvedStage e : stages.subList(0, index)) {
      e.name().ifPresent(n -> earlier.put(n, e.index()));
    }
    References refs = new References(s.stage(), dockerfile.stages(), earlier, deps, externals, s.platform());
    StageEnvironment env = s.initialEnvironment(baseEnv);
    for (Instruction t : triggers) {
      refs.add(t.expand(env.expander()), t);
      env = env.apply(t);
    }
    if (deps.equals(s.dependencies()) && externals.equals(s.externalImages())) {
      return this;
    }
    List<ResolvedStage> out = new ArrayList<>(stages);
    out.set(index, s.withReferences(deps, externals));
    return new BuildPlan(dockerfile, options, globalArgs, out, out.get(target.index()));
  }

  /**
   * What one stage reads from, collected while planning it: the stages ({@code deps}) and external images it names.
   *
   * @param earlierNames the names of the stages before it
   */
  private record References(Stage stage, List<Stage> all, Map<String, Integer> earlierNames, Set<Integer> deps,
      List<ExternalImage> externals, Platform platform) {

    /** Records the stages and images an expanded instruction {@code x} reads from ({@code --from}, {@code from=}). */
    void add(Instruction x, Instruction in) throws DockerfileException {
      if (x instanceof Instruction.Copy c && c.from().isPresent()) {
        fromReference(c.from().get(), "COPY --from", in, this);
      } else if (x instanceof Instruction.Run r) {
        for (Mount m : r.mounts()) {
          if (m.from().isPresent()) {
            fromReference(m.from().get(), "RUN --mount=from", in, this);
          }
        }
      }
    }
  }

  private static void fromReference(String from, String what, Instruction in, References refs)
      throws DockerfileException {
    Stage stage = refs.stage();
    List<Stage> all = refs.all();
    Map<String, Integer> earlierNames = refs.earlierNames();
    Set<Integer> deps = refs.deps();
    List<ExternalImage> externals = refs.externals();
    Platform platform = refs.platform();
    String key = from.toLowerCase(Locale.ROOT);
    if (key.isBlank()) {
      throw new DockerfileException(what + " is empty after expansion", in.location(), in.text());
    }
    if (key.matches("[0-9]+")) {
      int index;
      try {
        index = Integer.parseInt(key);
      } catch (NumberFormatException e) {
        index = Integer.MAX_VALUE;
      }
      if (index == stage.index()) {
        throw new DockerfileException(what + "=" + from + " names this stage itself", in.location(), in.text());
      }
      if (index > stage.index()) {
        throw new DockerfileException(what + "=" + from + " names "
            + (index < all.size() ? "stage " + index + ", defined later at line " + all.get(index).line()
                : "stage " + index + ", but there are only " + all.size() + " stages")
            + "; --from can only name an earlier stage", in.location(), in.text());
      }
      deps.add(index);
      return;
    }
    Integer earlier = earlierNames.get(key);
    if (earlier != null) {
      deps.add(earlier);
      return;
    }
    if (stage.name().map(key::equals).orElse(false)) {
      throw new DockerfileException(what + "=" + from + " names this stage itself", in.location(), in.text());
    }
    for (Stage later : all.subList(stage.index() + 1, all.size())) {
      if (later.name().map(key::equals).orElse(false)) {
        throw new DockerfileException(what + "=" + from + " names stage '" + key + "', defined later at line "
            + later.line() + "; --from can only name an earlier stage", in.location(), in.text());
      }
    }
    if (key.equals("scratch")) {
      return;
    }
    externals.add(new ExternalImage(reference(from, what, in), platform, in.location()));
  }

  private static Reference reference(String image, String what, Instruction in) throws DockerfileException {
    try {
      return Reference.parse(image);
    } catch (IllegalArgumentException e) {
      throw new DockerfileException(what + " names '" + image + "', which is neither a stage nor an image reference: "
          + e.getMessage(), in.location(), in.text());
    }
  }

  public Dockerfile dockerfile() {
    return dockerfile;
  }

  public BuildOptions options() {
    return options;
  }

  /** The global {@code ARG}s that have a value, in declaration order. */
  public Map<String, String> globalArgs() {
    return globalArgs;
  }

  /** Every stage, resolved, by index. */
  public List<ResolvedStage> stages() {
    return stages;
  }

  /** The stage the build produces: {@code --target}, else the last. */
  public ResolvedStage target() {
    return target;
  }

  /** The stages the target needs, itself included, each after its dependencies. */
  public List<ResolvedStage> order() {
    return order;
  }

  /** {@link #order} in waves: every stage of a wave depends only on earlier waves, so a wave can run in parallel. */
  public List<List<ResolvedStage>> levels() {
    return levels;
  }

  /** Whether {@code stage} is needed by the target. */
  public boolean needs(int stage) {
    return order.stream().anyMatch(s -> s.index() == stage);
  }

  /** The external images the needed stages use, once per reference and platform, in order of first use. */
  public List<ExternalImage> externalImages() {
    return externalImages;
  }

  /**
   * Build args that no global {@code ARG} nor any {@code ARG} of a needed stage declares (predefined platform and
   * proxy args are always consumed); Docker warns about these.
   */
  public List<String> unusedBuildArgs() {
    return unusedBuildArgs;
  }

  @Override
  public String toString() {
    return "BuildPlan{target=" + target.stage().displayName() + ", order="
        + order.stream().map(s -> s.stage().displayName()).collect(Collectors.joining(",")) + "}";
  }
}
