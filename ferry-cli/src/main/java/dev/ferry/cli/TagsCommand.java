package dev.ferry.cli;

import dev.ferry.oci.Reference;
import dev.ferry.registry.client.RegistryClient;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code ferry tags}: the tags of a repository in a registry. */
@Command(name = "tags", description = "List the tags of a repository in a registry (all pages).")
final class TagsCommand extends BaseCommand {
  @Parameters(paramLabel = "REPOSITORY", description = "e.g. registry.example.com/team/app (a tag, if given, is ignored).")
  String repository;

  @Mixin RegistryOptions registry;

  @Override
  int execute() throws Exception {
    List<String> tags;
    try (RegistryClient client = registry.client()) {
      tags = client.tags(Reference.parse(repository));
    }
    if (json()) {
      var a = Json.array();
      tags.forEach(a::add);
      out().println(Json.write(a));
    } else {
      tags.forEach(out()::println);
    }
    return 0;
  }
}
