package dev.ferry.cli;

import dev.ferry.bundle.Inventory;
import dev.ferry.registry.client.RegistryClient;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ferry inventory}: what a customer registry already holds, for packing deltas. */
@Command(
    mixinStandardHelpOptions = true,
    name = "inventory", description = {
    "List what a site registry holds under REGISTRY/PREFIX into a (signed) inventory.json.",
    "'ferry pack --against inventory.json' then leaves out what the site already has."})
final class InventoryCommand extends BaseCommand {
  @Option(names = "--registry", required = true, paramLabel = "REGISTRY[/PREFIX]", description = "The site registry and the prefix deliveries are pushed under.")
  String registryAndPrefix;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Where to write it (default inventory.json).")
  Path output = Path.of("inventory.json");

  @Option(names = "--key", paramLabel = "PEM", description = "Sign it with this Ed25519 private key (writes FILE.sig).")
  Path key;

  @Mixin RegistryOptions registry;

  @Override
  int execute() throws Exception {
    String prefix = PrefixPush.prefix("--registry", registryAndPrefix);
    Inventory inv;
    try (RegistryClient client = registry.client()) {
      inv = Inventory.take(client, prefix);
    }
    inv.write(output, Optional.ofNullable(key).map(PackCommand::privateKey));
    info("Inventory of " + prefix + ": " + inv.repositories().size() + " repositories, " + inv.blobCount() + " blobs"
        + (key != null ? ", signed (" + Inventory.signatureOf(output).getFileName() + ")" : ""));
    out().println(output);
    return 0;
  }
}
