package dev.ferry.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.bundle.spec.DeliverySpec;
import dev.ferry.bundle.spec.SpecException;
import dev.ferry.bundle.spec.SpecParser;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry spec}: the delivery spec's checker and schema. */
@Command(
    mixinStandardHelpOptions = true,
    name = "spec", description = "Check a ferry.yaml delivery spec, or print its JSON Schema.", subcommands = {SpecCommand.Check.class, SpecCommand.Schema.class})
final class SpecCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (check, schema)");
  }

  /** {@code ferry spec check}. */
  @Command(
    mixinStandardHelpOptions = true,
    name = "check", description = "Validate ferry.yaml: every problem as FILE:LINE: FIELD.PATH: what is wrong (exit 1 when any).")
  static final class Check extends BaseCommand {
    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "The spec (default ferry.yaml).")
    Path file = Path.of("ferry.yaml");

    @Override
    int execute() throws Exception {
      DeliverySpec s;
      try {
        s = SpecParser.parse(file);
      } catch (SpecException e) {
        if (json()) {
          ObjectNode o = Json.object();
          o.put("valid", false);
          ArrayNode ps = o.putArray("problems");
          e.problems().forEach(p -> ps.addObject().put("file", p.file()).put("line", p.line()).put("path", p.path()).put("message", p.message()));
          out().println(Json.write(o));
        } else {
          e.problems().forEach(p -> err().println(p));
        }
        return 1;
      }
      if (json()) {
        ObjectNode o = Json.object();
        o.put("valid", true).put("name", s.name()).put("version", s.version());
        ArrayNode ts = o.putArray("targets");
        s.targets().forEach(t -> ts.add(t.name()));
        o.put("images", s.images().size()).put("files", s.files().size()).put("models", s.models().size()).put("wheelhouses", s.wheelhouses().size());
        out().println(Json.write(o));
      } else {
        out().println(file + ": ok: " + s.name() + " " + s.version() + ", targets " + String.join(", ", s.targets().stream().map(t -> t.name() + " (" + t.platform() + ")").toList())
            + ", " + s.images().size() + " image(s), " + s.files().size() + " file set(s), " + s.models().size() + " model(s), " + s.wheelhouses().size() + " wheelhouse(s)");
      }
      return 0;
    }
  }

  /** {@code ferry spec schema}. */
  @Command(
    mixinStandardHelpOptions = true,
    name = "schema", description = "Print the JSON Schema of ferry.yaml (for editors: yaml-language-server).")
  static final class Schema extends BaseCommand {
    @Override
    int execute() throws Exception {
      try (InputStream in = DeliverySpec.class.getResourceAsStream("/dev/ferry/bundle/ferry.schema.json")) {
        out().print(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
      return 0;
    }
  }
}
