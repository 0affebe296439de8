package dev.ferry.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a real program to completion and captures what it printed. Stateless. */
public final class Processes {
  private Processes() {}

  /** What a finished process did. */
  public record Result(List<String> command, int exitCode, String stdout, String stderr) {
    /** This result, or an {@link AssertionError} showing the command and its output when it did not exit 0. */
    public Result ok() {
      if (exitCode != 0) {
        throw new AssertionError(
            String.join(" ", command) + " exited " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr);
      }
      return this;
    }
  }

  public static Result run(List<String> command) throws IOException, InterruptedException {
    return run(command, null, Map.of(), 300);
  }

  public static Result run(String... command) throws IOException, InterruptedException {
    return run(List.of(command));
  }

  /** Runs {@code command} in {@code dir} (or the current directory) with extra environment, killing it after the timeout. */
  public static Result run(List<String> command, Path dir, Map<String, String> env, long timeoutSeconds)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command);
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    pb.environment().putAll(env);
    Path out = Files.createTempFile("ferry-proc", ".out");
    Path err = Files.createTempFile("ferry-proc", ".err");
    try {
      pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      Process p = pb.start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
      }
      return new Result(
          List.copyOf(command),
          p.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
