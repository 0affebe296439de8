package dev.ferry.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;

/** Entry point of the {@code ferry} command: exit 0 on success, 1 on failure, 2 on usage errors. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code; used by tests to run commands in-process. */
  public static int run(String... args) {
    CommandLine cl = commandLine(args);
    return cl.execute(args);
  }

  /** The whole command tree. */
  static CommandLine commandLine() {
    return commandLine(new String[0]);
  }

  /**
   * The command tree for these arguments: only the verbs named by one of them (exactly, by name or alias), or every
   * verb when none is named (help, version, a typo: picocli then sees them all, as before).
   */
  static CommandLine commandLine(String... args) {
    CommandLine cl = new CommandLine(new FerryCommand());
    java.util.Set<String> words = new java.util.HashSet<>(java.util.Arrays.asList(args));
    List<Class<?>> named = new java.util.ArrayList<>();
    for (Class<?> verb : FerryCommand.VERBS) {
      CommandLine.Command c = verb.getAnnotation(CommandLine.Command.class);
      if (words.contains(c.name()) || java.util.Arrays.stream(c.aliases()).anyMatch(words::contains)) {
        named.add(verb);
      }
    }
    for (Class<?> verb : named.isEmpty() ? FerryCommand.VERBS : named) {
      cl.addSubcommand(verb);
    }
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setUsageHelpAutoWidth(true);
    cl.setExecutionExceptionHandler(Main::onError);
    cl.setParameterExceptionHandler(Main::onUsageError);
    addHelpOptions(cl);
    return cl;
  }

  /** Every verb answers {@code -h/--help}, also those whose class does not declare it. */
  private static void addHelpOptions(CommandLine cl) {
    CommandLine.Model.CommandSpec spec = cl.getCommandSpec();
    if (spec.options().stream().noneMatch(CommandLine.Model.OptionSpec::usageHelp)) {
      boolean shortFree = spec.findOption("-h") == null;
      String[] names = shortFree ? new String[] {"-h", "--help"} : new String[] {"--help"};
      spec.addOption(CommandLine.Model.OptionSpec.builder(names).usageHelp(true)
          .description("Show this help message and exit.").build());
    }
    cl.getSubcommands().values().forEach(Main::addHelpOptions);
  }

  private static int onUsageError(CommandLine.ParameterException e, String[] args) {
    PrintWriter err = e.getCommandLine().getErr();
    err.println("ferry: " + e.getMessage());
    String name = e.getCommandLine().getCommandSpec().qualifiedName();
    err.println("Try '" + name + " --help' for usage.");
    err.flush();
    return 2;
  }

  private static int onError(Exception e, CommandLine cl, CommandLine.ParseResult parse) {
    PrintWriter err = cl.getErr();
    boolean usage = e instanceof IllegalArgumentException || e instanceof UsageException;
    err.println("ferry: " + Errors.describe(e));
    if (System.getenv("FERRY_DEBUG") != null) {
      e.printStackTrace(err);
    }
    err.flush();
    return usage ? 2 : 1;
  }
}
