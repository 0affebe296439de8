package dev.ferry.cli;

import dev.ferry.oci.io.Trees;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.server.RegistryServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The training run of the launchers' AOT cache (JDK 25+, {@code -XX:AOTCacheOutput}): runs the everyday commands once,
 * in one JVM, on a small tree in a temporary directory, so that the cache holds their classes loaded and linked and
 * their methods' profiles. Later runs start with that work done and compile hot code sooner (see docs/cli.md,
 * "Start-up").
 *
 * <p>Not a user command: the launchers run it after a build ({@code ./ferry}) or while packaging (the distribution).
 * It needs nothing but the JDK (no runc, no network beyond 127.0.0.1). A failing step is reported on stderr and the
 * rest still run: a cache trained on fewer commands is still correct, only less complete. Exit 0 unless no step ran.
 */
public final class AotTraining {
  private AotTraining() {}

  public static void main(String[] args) throws IOException {
    Path work = Files.createTempDirectory("ferry-aot-");
    Result result;
    try {
      result = train(work);
    } finally {
      if (!Trees.deleteQuietly(work)) {
        System.err.println("ferry: AOT training: could not remove " + work);
      }
    }
    for (String f : result.failed()) {
      System.err.println("ferry: AOT training: step failed (the cache is still usable): ferry " + f);
    }
    if (result.failed().size() == result.steps()) {
      System.exit(1);
    }
  }

  /** How many commands ran, and the command lines of those that did not exit 0. */
  record Result(int steps, List<String> failed) {}

  /** Runs every training command in {@code work} (an empty directory) with stdout and stderr silenced. */
  static Result train(Path work) throws IOException {
    PrintStream out = System.out;
    PrintStream err = System.err;
    List<String> failed = new ArrayList<>();
    int steps = 0;
    try {
      Path tree = work.resolve("tree");
      writeTree(tree);
      Path context = work.resolve("context");
      writeContext(context);
      String store = work.resolve("store").toString();
      String store2 = work.resolve("store2").toString();
      List<String[]> commands = new ArrayList<>();
      commands.add(new String[] {"--help"});
      commands.add(new String[] {"--version"});
      commands.add(new String[] {"--store", store, "image", "from-rootfs", tree.toString(), "-t", "training/base:1"});
      commands.add(new String[] {"--store", store, "image", "from-rootfs", tree.toString(), "-t", "training/base:zstd",
          "--compression", "zstd"});
      commands.add(new String[] {"--store", store, "images"});
      commands.add(new String[] {"--store", store, "--json", "images"});
      commands.add(new String[] {"--store", store, "inspect", "training/base:1"});
      commands.add(new String[] {"--store", store, "--json", "inspect", "training/base:1"});
      commands.add(new String[] {"--store", store, "history", "training/base:1"});
      commands.add(new String[] {"--store", store, "tag", "training/base:1", "training/base:2"});
      for (int i = 0; i < 2; i++) { // the second build is fully cached: trains the cache-hit path too
        commands.add(new String[] {"--store", store, "build", "--progress", "plain", "-t", "training/app:1",
            context.toString()});
      }
      String dockerArchive = work.resolve("images.docker.tar").toString();
      String ociArchive = work.resolve("images.oci.tar").toString();
      commands.add(new String[] {"--store", store, "export", "training/app:1", "-o", dockerArchive});
      commands.add(new String[] {"--store", store, "export", "training/app:1", "-o", ociArchive,
          "--format", "oci-archive"});
      commands.add(new String[] {"--store", store2, "import", dockerArchive});
      commands.add(new String[] {"--store", store2, "import", ociArchive});
      commands.add(new String[] {"--store", store2, "unpack", "training/app:1", work.resolve("rootfs").toString()});
      commands.add(new String[] {"--store", store, "rmi", "training/base:2"});
      commands.add(new String[] {"--store", store, "gc"});
      commands.add(new String[] {"--store", store, "fsck"});

      System.setOut(new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8));
      for (String[] command : commands) {
        steps++;
        if (Main.run(command) != 0) {
          failed.add(String.join(" ", command));
        }
      }
      // Registry client and server: push to and pull from a server in this JVM, on a free loopback port.
      try (RegistryServer server = RegistryServer.builder()
          .store(OciStore.open(work.resolve("registry")))
          .listen(new InetSocketAddress("127.0.0.1", 0))
          .build()
          .start()) {
        String remote = "127.0.0.1:" + server.port() + "/training/app:1";
        String[][] registry = {
          {"--store", store, "push", "training/app:1", remote},
          {"--store", work.resolve("store3").toString(), "pull", remote},
          {"tags", "127.0.0.1:" + server.port() + "/training/app"},
        };
        for (String[] command : registry) {
          steps++;
          if (Main.run(command) != 0) {
            failed.add(String.join(" ", command));
          }
        }
        // A served registry's hottest request: manifest GETs by tag, a few thousand of them, so that the cache's
        // profiles mark that path hot and a fresh `ferry serve registry` compiles it within its first seconds of
        // traffic.
        steps++;
        if (!manifestGets(server.port(), "training/app", "1", 4000)) {
          failed.add("GET /v2/training/app/manifests/1 (x4000)");
        }
      }
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    return new Result(steps, failed);
  }

  /** Sends {@code count} manifest GETs to the server on {@code port}; true when all of them answered 200. */
  private static boolean manifestGets(int port, String name, String reference, int count) {
    HttpRequest get = HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/v2/" + name + "/manifests/" + reference))
        .header("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json")
        .build();
    try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      for (int i = 0; i < count; i++) {
        if (http.send(get, HttpResponse.BodyHandlers.discarding()).statusCode() != 200) {
          return false;
        }
      }
      return true;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** A small tree like an application's: text files, a few hundred KiB of random bytes, a link, nested dirs. */
  private static void writeTree(Path tree) throws IOException {
    Random random = new Random(42);
    for (int d = 0; d < 8; d++) {
      Path dir = Files.createDirectories(tree.resolve("usr/lib/app" + d));
      for (int f = 0; f < 25; f++) {
        Files.writeString(dir.resolve("module" + f + ".py"), ("def f" + f + "(x):\n    return x * " + f + "\n").repeat(40));
      }
      byte[] blob = new byte[64 * 1024];
      random.nextBytes(blob);
      Files.write(dir.resolve("weights.bin"), blob);
    }
    Files.createDirectories(tree.resolve("etc"));
    Files.writeString(tree.resolve("etc/app.conf"), "port = 8080\n");
    Files.createSymbolicLink(tree.resolve("etc/link.conf"), Path.of("app.conf"));
  }

  /** A build context with no RUN (no runc needed): stages, COPY, COPY --from, ENV, LABEL, WORKDIR, CMD. */
  private static void writeContext(Path context) throws IOException {
    Files.createDirectories(context.resolve("src"));
    for (int f = 0; f < 20; f++) {
      Files.writeString(context.resolve("src/handler" + f + ".py"), "def handle(x):\n    return x\n".repeat(20));
    }
    Files.writeString(context.resolve(".dockerignore"), "*.tmp\n");
    Files.writeString(context.resolve("scratch.tmp"), "ignored\n");
    Files.writeString(context.resolve("Dockerfile"), """
        # syntax=docker/dockerfile:1
        ARG VERSION=1
        FROM training/base:1 AS deps
        COPY src/ /deps/
        FROM training/base:1
        ARG VERSION
        ENV APP_VERSION=${VERSION} PYTHONUNBUFFERED=1
        LABEL org.opencontainers.image.title=training
        WORKDIR /app
        COPY --from=deps /deps /app/deps
        COPY --chmod=0755 src/handler0.py /app/run.py
        EXPOSE 8080
        CMD ["/app/run.py"]
        """);
  }
}
