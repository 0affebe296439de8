package dev.ferry.cli;

import dev.ferry.bundle.spec.SpecParser;
import dev.ferry.bundle.spec.SpecScaffold;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry init}: a starting {@code ferry.yaml} from the Dockerfiles of a directory. */
@Command(
    mixinStandardHelpOptions = true,
    name = "init",
    description = {
      "Write a ferry.yaml delivery spec: one image per Dockerfile in DIR.",
      "Each Dockerfile (DIR's own and its subdirectories') is built for x86_nvidia, so that 'ferry init && ferry pack' works unedited."
    })
final class InitCommand extends BaseCommand {
  @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "Directory holding Dockerfiles (default: the current one).")
  Path dir = Path.of(".");

  @Option(names = "--force", description = "Replace an existing ferry.yaml.")
  boolean force;

  @Override
  int execute() throws Exception {
    Path spec = dir.resolve("ferry.yaml");
    if (Files.exists(spec) && !force) {
      throw new UsageException(spec + " already exists; edit it, or pass --force to replace it");
    }
    String text = SpecScaffold.text(dir);
    Files.writeString(spec, text);
    var parsed = SpecParser.parse(spec);
    info("Wrote " + spec + ": " + parsed.images().size() + " image(s) for " + parsed.targets().get(0).name()
        + "; next: ferry pack -f " + spec);
    out().println(spec);
    return 0;
  }
}
