package dev.ferry.cli;

import dev.ferry.registry.client.DockerConfig;
import dev.ferry.registry.client.RegistryClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code ferry logout}: removes saved credentials of a registry. */
@Command(name = "logout", description = "Remove the credentials of a registry from ~/.docker/config.json.")
final class LogoutCommand extends BaseCommand {
  @Parameters(paramLabel = "REGISTRY", description = "Registry host[:port].")
  String registryHost;

  @Override
  int execute() throws Exception {
    DockerConfig config = DockerConfig.fromEnvironment();
    boolean removed = RegistryClient.logout(registryHost, config);
    info(removed ? "Removed credentials for " + registryHost + " from " + config.displayName() : "No credentials for " + registryHost + " in " + config.displayName());
    return 0;
  }
}
