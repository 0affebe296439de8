package dev.ferry.cli;

import dev.ferry.oci.Digest;
import dev.ferry.oci.Reference;
import dev.ferry.registry.client.RegistryClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code ferry delete}: a manifest from a registry. */
@Command(name = "delete", description = "Delete an image (its manifest, by tag or digest) from a registry. Every tag of that digest goes with it.")
final class DeleteCommand extends BaseCommand {
  @Parameters(paramLabel = "REF", description = "registry/repository:tag or @digest")
  String ref;

  @Mixin RegistryOptions registry;

  @Override
  int execute() throws Exception {
    Digest d;
    try (RegistryClient client = registry.client()) {
      d = client.delete(Reference.parse(ref));
    }
    info("Deleted " + Reference.parse(ref).name() + "@" + d);
    out().println(d);
    return 0;
  }
}
