package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every verb, at every depth, answers {@code --help} with its usage and exit 0 (what its usage errors point to). */
class HelpTest {
  @Test
  void everyCommandAcceptsHelp() {
    List<String> paths = new ArrayList<>();
    collect(Main.commandLine(), new ArrayList<>(), paths);
    assertThat(paths).hasSizeGreaterThan(40);
    for (String path : paths) {
      CommandLine cl = Main.commandLine();
      StringWriter out = new StringWriter();
      cl.setOut(new PrintWriter(out));
      cl.setErr(new PrintWriter(new StringWriter()));
      List<String> args = new ArrayList<>(List.of(path.isEmpty() ? new String[0] : path.split(" ")));
      args.add("--help");
      int rc = cl.execute(args.toArray(String[]::new));
      assertThat(rc).as("ferry %s --help", path).isZero();
      assertThat(out.toString()).as("ferry %s --help", path).startsWith("Usage: ferry" + (path.isEmpty() ? "" : " " + path));
    }
  }

  private static void collect(CommandLine cl, List<String> prefix, List<String> out) {
    out.add(String.join(" ", prefix));
    cl.getSubcommands().forEach((name, sub) -> {
      if (!sub.getCommandName().equals(name)) {
        return; // an alias of a command already listed
      }
      List<String> p = new ArrayList<>(prefix);
      p.add(name);
      collect(sub, p, out);
    });
  }
}
