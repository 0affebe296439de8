package dev.ferry.cli;

import dev.ferry.registry.client.Credentials;
import dev.ferry.registry.client.MirrorsConfig;
import dev.ferry.registry.client.RegistryClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options of every command that talks to a registry. Not thread-safe. */
final class RegistryOptions {
  @Option(names = "--creds", paramLabel = "USER[:PASSWORD]", description = "Credentials for the registry (else ~/.docker/config.json, credential helpers, anonymous). Prefer 'ferry login': a password on the command line is visible to other users.")
  String creds;

  @Option(names = "--insecure", paramLabel = "REGISTRY", description = "Allow plain HTTP (and skip nothing else) for this registry; localhost and 127.0.0.1 always may (repeatable).")
  List<String> insecure = new ArrayList<>();

  @Option(names = "--ca-cert", paramLabel = "PEM", description = "Trust these CA certificates besides the system's.")
  Path caCert;

  @Option(names = "--registries-config", paramLabel = "FILE", description = "Mirrors and insecure registries (default: $FERRY_REGISTRIES_CONFIG, else ~/.config/ferry/registries.yaml).")
  Path registriesConfig;

  @Option(names = "--offline", description = "Use only mirrors, never the upstream registry.")
  boolean offline;

  @Option(names = "--parallel", paramLabel = "N", description = "Blobs transferred at once (default 6).")
  int parallel = RegistryClient.DEFAULT_PARALLELISM;

  RegistryClient client() throws IOException {
    RegistryClient.Builder b = RegistryClient.builder().offline(offline).parallelism(parallel).userAgent("ferry/" + Version.version());
    if (creds != null) {
      b.credentials(credentials());
    }
    if (!insecure.isEmpty()) {
      b.insecure(insecure.toArray(String[]::new));
    }
    if (caCert != null) {
      b.caCert(caCert);
    }
    b.mirrors(registriesConfig != null ? MirrorsConfig.load(registriesConfig) : MirrorsConfig.loadDefault());
    return b.build();
  }

  Credentials credentials() {
    return Credentials.parse(creds, "--creds");
  }
}
