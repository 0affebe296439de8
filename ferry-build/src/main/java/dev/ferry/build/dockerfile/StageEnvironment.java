package dev.ferry.build.dockerfile;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The variables in scope at one point of a stage: the {@code ARG}s declared so far with their values and the
 * environment ({@code ENV} of the base image and the stage). Immutable and thread-safe; {@link #apply} gives the
 * scope after an instruction.
 *
 * <p>Rules, as in the Dockerfile reference: an {@code ARG} is visible from its declaration to the end of its stage;
 * its value is the {@code --build-arg} (or predefined platform argument) of that name, else its default (expanded),
 * else — for {@code ARG NAME} without a default — the value of a global {@code ARG NAME} before the first
 * {@code FROM}; an {@code ENV} always overrides an {@code ARG} of the same name. Platform arguments are visible in a
 * stage only once declared.
 */
public final class StageEnvironment {
  private final char escape;
  private final Map<String, String> args;
  private final Map<String, String> env;
  private final Map<String, String> buildArgs;
  private final Map<String, String> effectiveArgs;
  private final Map<String, String> globalArgs;

  private StageEnvironment(
      char escape,
      Map<String, String> args,
      Map<String, String> env,
      Map<String, String> buildArgs,
      Map<String, String> effectiveArgs,
      Map<String, String> globalArgs) {
    this.escape = escape;
    this.args = Collections.unmodifiableMap(new LinkedHashMap<>(args));
    this.env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
    this.buildArgs = buildArgs;
    this.effectiveArgs = effectiveArgs;
    this.globalArgs = globalArgs;
  }

  /**
   * The scope at the start of a stage.
   *
   * @param escape the Dockerfile's escape character
   * @param baseEnv the environment of the base image (or of the stage it builds on), {@code KEY -> value}
   * @param options the build's args and platforms
   * @param globalArgs the resolved values of the global {@code ARG}s (see {@link BuildPlan#globalArgs})
   */
  public static StageEnvironment start(
      char escape, Map<String, String> baseEnv, BuildOptions options, Map<String, String> globalArgs) {
    return new StageEnvironment(escape, Map.of(), Objects.requireNonNull(baseEnv, "baseEnv"), options.buildArgs(),
        Collections.unmodifiableMap(options.effectiveArgs()),
        Collections.unmodifiableMap(new LinkedHashMap<>(globalArgs)));
  }

  /** The declared {@code ARG}s that have a value, in declaration order. */
  public Map<String, String> args() {
    return args;
  }

  /** The environment: base image {@code ENV} then the stage's, in order. */
  public Map<String, String> env() {
    return env;
  }

  /** An expander over the args and env in scope (env winning), for the instructions that expand. */
  public Expander expander() {
    Map<String, String> vars = new LinkedHashMap<>(args);
    vars.putAll(env);
    return Expander.of(escape, vars);
  }

  /**
   * The environment a {@code RUN} here sees: the env, plus the args in scope that no env overrides, plus proxy
   * build args ({@code HTTP_PROXY}...), which need no {@code ARG}.
   */
  public Map<String, String> runEnvironment() {
    Map<String, String> m = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : buildArgs.entrySet()) {
      if (BuildOptions.PROXY_ARGS.contains(e.getKey())) {
        m.put(e.getKey(), e.getValue());
      }
    }
    m.putAll(args);
    m.putAll(env);
    return Collections.unmodifiableMap(m);
  }

  /**
   * The scope after {@code instruction}: {@code ARG} declares, {@code ENV} sets (values expanded against this scope);
   * anything else changes nothing.
   *
   * @throws DockerfileException at the instruction, when a default or value fails to expand
   */
  public StageEnvironment apply(Instruction instruction) throws DockerfileException {
    if (instruction instanceof Instruction.ArgInstruction a) {
      Map<String, String> next = new LinkedHashMap<>(args);
      for (Arg arg : a.args()) {
        String name = arg.name();
        if (effectiveArgs.containsKey(name)) {
          next.put(name, effectiveArgs.get(name));
        } else if (arg.defaultValue().isPresent()) {
          try {
            Map<String, String> vars = new LinkedHashMap<>(next);
            vars.putAll(env);
            next.put(name, Expander.of(escape, vars).expand(arg.defaultValue().get()));
          } catch (DockerfileException e) {
            throw e.at(instruction.location(), instruction.text());
          }
        } else if (globalArgs.containsKey(name)) {
          next.put(name, globalArgs.get(name));
        }
      }
      return new StageEnvironment(escape, next, env, buildArgs, effectiveArgs, globalArgs);
    }
    if (instruction instanceof Instruction.Env e) {
      Instruction.Env expanded = e.expand(expander());
      Map<String, String> next = new LinkedHashMap<>(env);
      for (KeyValue kv : expanded.pairs()) {
        next.put(kv.key(), kv.value());
      }
      return new StageEnvironment(escape, args, next, buildArgs, effectiveArgs, globalArgs);
    }
    return this;
  }

  @Override
  public String toString() {
    return "StageEnvironment{args=" + args + ", env=" + env + "}";
  }
}
