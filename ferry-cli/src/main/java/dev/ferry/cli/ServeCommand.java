package dev.ferry.cli;

import dev.ferry.registry.server.RegistryServer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry serve}: long-running servers over the store. */
@Command(name = "serve", description = "Serve the store.", subcommands = {ServeCommand.Registry.class})
final class ServeCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (registry)");
  }

  /** {@code ferry serve registry}: the store as an OCI distribution registry, until interrupted. */
  @Command(
      name = "registry",
      description = {
        "Serve the store as an OCI registry (distribution spec 1.1): pull, push, mount, tags, catalog, referrers, delete.",
        "Images in the store are served under their names: docker.io/library/busybox:1 is library/busybox:1."
      })
  static final class Registry extends BaseCommand {
    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Address to listen on (default 127.0.0.1:5000; port 0 picks a free one).")
    String listen = "127.0.0.1:5000";

    @Option(names = "--read-only", description = "Refuse pushes and deletes.")
    boolean readOnly;

    @Option(names = "--htpasswd", paramLabel = "FILE", description = "Require Basic auth against this htpasswd file (bcrypt entries, e.g. from 'htpasswd -B').")
    Path htpasswd;

    @Option(names = "--token-key", paramLabel = "FILE", description = "Issue bearer tokens from /token signed with this key (created when missing); needs --htpasswd for the users.")
    Path tokenKey;

    @Option(names = "--acl", paramLabel = "FILE", description = "Who may pull and push where: lines 'USER REPOSITORY-PATTERN pull|push|pull,push'.")
    Path acl;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Serve https with this certificate chain.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "The certificate's private key (PKCS#8 PEM).")
    Path tlsKey;

    @Override
    int execute() throws Exception {
      InetSocketAddress address = parseListen(listen);
      if ((tlsCert == null) != (tlsKey == null)) {
        throw new UsageException("--tls-cert and --tls-key go together");
      }
      RegistryServer.Builder b =
          RegistryServer.builder().store(store()).listen(address).readOnly(readOnly).htpasswd(htpasswd).tokenKey(tokenKey).acl(acl);
      if (tlsCert != null) {
        b.tls(tlsCert, tlsKey);
      }
      RegistryServer server = b.build().start();
      CountDownLatch stop = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    server.close();
                    stop.countDown();
                  },
                  "ferry-registry-stop"));
      info(
          "Serving "
              + global().storePath()
              + " as a registry on "
              + (server.tls() ? "https" : "http")
              + "://"
              + address.getHostString()
              + ":"
              + server.port()
              + (readOnly ? " (read-only)" : "")
              + (htpasswd != null ? " with auth" : "")
              + "; Ctrl-C stops it");
      out().println(address.getHostString() + ":" + server.port());
      out().flush();
      stop.await();
      return 0;
    }

    static InetSocketAddress parseListen(String value) {
      int colon = value.lastIndexOf(':');
      if (colon < 0) {
        throw new UsageException("--listen needs HOST:PORT, got '" + value + "'");
      }
      String host = value.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      int port;
      try {
        port = Integer.parseInt(value.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new UsageException("--listen needs a numeric port, got '" + value + "'");
      }
      if (port < 0 || port > 65535) {
        throw new UsageException("--listen port must be 0..65535, got " + port);
      }
      return new InetSocketAddress(host.isEmpty() ? "0.0.0.0" : host, port);
    }
  }
}
