package dev.ferry.cli;

import dev.ferry.oci.Platform;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Shared plumbing of the verbs: global options, the store, output streams. Not thread-safe. */
abstract class BaseCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  GlobalOptions global() {
    return ((FerryCommand) spec.root().userObject()).global;
  }

  OciStore store() throws IOException {
    return global().openStore();
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  boolean json() {
    return global().json;
  }

  boolean quiet() {
    return global().quiet;
  }

  /** A line of information for humans, on stderr, unless --quiet. */
  void info(String line) {
    if (!quiet()) {
      err().println(line);
      err().flush();
    }
  }

  Progress progress(String label) {
    return new Progress(err(), label, quiet());
  }

  static Optional<Platform> platform(String value) {
    return value == null ? Optional.empty() : Optional.of(Platform.parse(value));
  }

  @Override
  public final Integer call() throws Exception {
    int rc = execute();
    out().flush();
    err().flush();
    return rc;
  }

  abstract int execute() throws Exception;
}
