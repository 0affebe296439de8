package dev.ferry.cli;

import dev.ferry.registry.client.RegistryClient;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code ferry catalog}: the repositories of a registry. */
@Command(name = "catalog", description = "List the repositories of a registry (all pages).")
final class CatalogCommand extends BaseCommand {
  @Parameters(paramLabel = "REGISTRY", description = "Registry host[:port], e.g. 127.0.0.1:5000.")
  String registryHost;

  @Mixin RegistryOptions registry;

  @Override
  int execute() throws Exception {
    if (registryHost.contains("/")) {
      throw new UsageException("catalog takes a registry host[:port], got '" + registryHost + "'");
    }
    List<String> repos;
    try (RegistryClient client = registry.client()) {
      repos = client.catalog(registryHost);
    }
    if (json()) {
      var a = Json.array();
      repos.forEach(a::add);
      out().println(Json.write(a));
    } else {
      repos.forEach(out()::println);
    }
    return 0;
  }
}
