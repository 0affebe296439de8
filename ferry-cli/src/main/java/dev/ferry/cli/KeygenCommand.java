package dev.ferry.cli;

import dev.ferry.bundle.Signatures;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry keygen}: an Ed25519 key pair for signing bundles. */
@Command(
    mixinStandardHelpOptions = true,
    name = "keygen", description = "Make an Ed25519 key pair for signing bundles: NAME.pem (private, mode 0600) and NAME.pub.pem (give this one to the customer).")
final class KeygenCommand extends BaseCommand {
  @Option(names = {"-o", "--output"}, paramLabel = "NAME", description = "Base name of the key files (default ferry-key).")
  Path output = Path.of("ferry-key");

  @Override
  int execute() throws Exception {
    Signatures.Written w = Signatures.generate(output);
    info("Wrote " + w.privateKey() + " (keep it secret) and " + w.publicKey() + " (for 'ferry bundle verify --key')");
    out().println(w.keyId());
    return 0;
  }
}
