package dev.ferry.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Runs {@code ferry} in-process against one store and captures what it printed. */
final class Cli {
  /** What a command did. */
  record Run(int exitCode, String out, String err) {
    List<String> outLines() {
      return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    }

    String lastLine() {
      List<String> l = outLines();
      return l.isEmpty() ? "" : l.get(l.size() - 1);
    }
  }

  private final Path store;

  Cli(Path store) {
    this.store = store;
  }

  Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>();
    all.add("--store");
    all.add(store.toString());
    all.addAll(List.of(args));
    int rc = cl.execute(all.toArray(String[]::new));
    return new Run(rc, out.toString(), err.toString());
  }

  /** Runs and fails the test with the output unless it exited 0. */
  Run ok(String... args) {
    Run r = run(args);
    if (r.exitCode() != 0) {
      throw new AssertionError("ferry " + String.join(" ", args) + " exited " + r.exitCode() + "\n" + r.out() + r.err());
    }
    return r;
  }
}
