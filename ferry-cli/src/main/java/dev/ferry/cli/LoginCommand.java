package dev.ferry.cli;

import dev.ferry.registry.client.Credentials;
import dev.ferry.registry.client.DockerConfig;
import dev.ferry.registry.client.RegistryClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry login}: checks credentials against a registry and stores them in the Docker config. */
@Command(name = "login", description = "Check credentials against a registry and save them in ~/.docker/config.json (mode 0600), where docker, skopeo and buildah find them too.")
final class LoginCommand extends BaseCommand {
  @Parameters(paramLabel = "REGISTRY", description = "Registry host[:port].")
  String registryHost;

  @Option(names = {"-u", "--username"}, required = true, paramLabel = "USER")
  String username;

  @Option(names = "--password-stdin", description = "Read the password from standard input (recommended).")
  boolean passwordStdin;

  @Option(names = {"-p", "--password"}, paramLabel = "PASSWORD", description = "The password (visible to other users of this machine; prefer --password-stdin).")
  String password;

  @Option(names = "--insecure", description = "Allow plain HTTP for this registry.")
  boolean insecure;

  @Option(names = "--ca-cert", paramLabel = "PEM", description = "Trust these CA certificates besides the system's.")
  java.nio.file.Path caCert;

  @Override
  int execute() throws Exception {
    String secret = password;
    if (passwordStdin) {
      if (password != null) {
        throw new UsageException("--password and --password-stdin exclude each other");
      }
      secret = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    }
    if (secret == null || secret.isEmpty()) {
      throw new UsageException("no password given: use --password-stdin (or --password)");
    }
    DockerConfig config = DockerConfig.fromEnvironment();
    RegistryClient.Builder options = RegistryClient.builder();
    if (insecure) {
      options.insecure(registryHost);
    }
    if (caCert != null) {
      options.caCert(caCert);
    }
    RegistryClient.login(registryHost, Credentials.basic(username, secret, "ferry login"), config, options);
    info("Login succeeded; credentials for " + registryHost + " saved in " + config.displayName());
    return 0;
  }
}
