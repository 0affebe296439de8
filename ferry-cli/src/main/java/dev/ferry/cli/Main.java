package dev.ferry.cli;

import java.io.PrintWriter;
import picocli.CommandLine;

/** Entry point of the {@code ferry} command: exit 0 on success, 1 on failure, 2 on usage errors. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code; used by tests to run commands in-process. */
  public static int run(String... args) {
    CommandLine cl = commandLine();
    return cl.execute(args);
  }

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new FerryCommand());
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
