package dev.ferry.build.dockerfile;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The command of {@code RUN}, {@code CMD}, {@code ENTRYPOINT} or {@code HEALTHCHECK CMD}: exec form (a JSON array,
 * run without a shell) or shell form (one string handed to the stage's {@code SHELL}). Immutable.
 *
 * @param execForm whether it was written as a JSON array
 * @param args the exec arguments, or a single element holding the shell command line
 */
public record Command(boolean execForm, List<String> args) {
  public Command {
    args = List.copyOf(Objects.requireNonNull(args, "args"));
    if (!execForm && args.size() != 1) {
      throw new IllegalArgumentException("a shell-form command has exactly one argument, got " + args);
    }
  }

  /** A shell-form command. */
  public static Command shell(String commandLine) {
    return new Command(false, List.of(commandLine));
  }

  /** An exec-form command. */
  public static Command exec(List<String> args) {
    return new Command(true, args);
  }

  /** The shell command line; only for shell form. */
  public String commandLine() {
    if (execForm) {
      throw new IllegalStateException("an exec-form command has no command line: " + args);
    }
    return args.get(0);
  }

  /** The argv a container runs: the args themselves in exec form, {@code shell + [commandLine]} in shell form. */
  public List<String> argv(List<String> shell) {
    if (execForm) {
      return args;
    }
    List<String> argv = new ArrayList<>(shell);
    argv.add(args.get(0));
    return List.copyOf(argv);
  }
}
