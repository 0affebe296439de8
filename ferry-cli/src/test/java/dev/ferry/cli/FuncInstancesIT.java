package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.testing.Peers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry func package / up / ps / down}: a worker image on a Debian python3 base (made once with mmdebstrap and
 * cached as an oci-archive in {@code ~/.cache/ferry/globalfunc/}, about 2 minutes the first time), two instances
 * started at once under runc on distinct leased ports, answering the original API. Root, runc and python3 only.
 */
class FuncInstancesIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path BASE_CACHE = Path.of(System.getProperty("user.home"), ".cache/ferry/globalfunc/python3-bookworm.oci.tar");

  @TempDir Path tmp;
  Cli ferry;
  Path repo;

  @BeforeEach
  void setUp() throws Exception {
    if (!Peers.isRoot()) {
      if (Peers.required()) {
        throw new AssertionError("worker instances need root (runc)");
      }
      org.junit.jupiter.api.Assumptions.abort("worker instances need root (runc)");
    }
    Peers.require("runc");
    Peers.require("python3");
    ferry = new Cli(tmp.resolve("store"));
    if (!Files.isRegularFile(BASE_CACHE)) {
      Peers.require("mmdebstrap");
      Cli builder = new Cli(tmp.resolve("base-store"));
      builder.ok("base", "debian", "--suite", "bookworm", "--packages", "python3", "-t", "base/python3:bookworm");
      Files.createDirectories(BASE_CACHE.getParent());
      Path part = BASE_CACHE.resolveSibling(BASE_CACHE.getFileName() + ".part");
      builder.ok("export", "base/python3:bookworm", "-o", part.toString(), "--format", "oci-archive");
      Files.move(part, BASE_CACHE, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
    ferry.ok("import", BASE_CACHE.toString());
    repo = tmp.resolve("GlobalFunc");
    Files.createDirectories(repo.resolve("Base"));
    Git.init().setDirectory(repo.toFile()).setInitialBranch("master").call().close();
    Files.writeString(repo.resolve("Base/inverse_time_str.py"),
        "import time\n\ndef inverse_time_str(time_str = None, bias_hours = 0):\n"
            + "    ts = time.mktime (time.strptime(time_str,\"%Y-%m-%d %H:%M:%S\")) + bias_hours* 3600\n    return ts\n");
    Files.writeString(repo.resolve("Base/broken.py"), "def broken(:\n");
  }

  @Test
  void packageThenTwoConcurrentUps_distinctPorts_answerGfgo_andDownReleases() throws Exception {
    Cli.Run pkg = ferry.ok("func", "package", "--repo", repo.toString(), "--version", "v101", "-t", "worker.globalfunc:v101");
    assertThat(pkg.lastLine()).startsWith("sha256:");
    assertThat(pkg.err()).contains("skipped Base.broken");
    JsonNode inspect = JSON.readTree(ferry.ok("inspect", "worker.globalfunc:v101").out());
    assertThat(inspect.toString()).contains("dev.ferry.globalfunc.version");

    // a private slice of the range, so that other instances on this machine do not matter
    int first = 26000 + (int) (ProcessHandle.current().pid() % 900);
    String range = first + "-" + (first + 20);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<String> names = new ArrayList<>();
    try {
      List<Future<Cli.Run>> ups = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        ups.add(pool.submit(() -> ferry.run("func", "up", "--image", "worker.globalfunc:v101", "--mem", "2G", "--gpu", "0", "--host", "m7", "--ports", range)));
      }
      for (Future<Cli.Run> f : ups) {
        Cli.Run r = f.get();
        assertThat(r.exitCode()).as(r.err()).isZero();
        names.add(r.lastLine());
      }
      assertThat(names).allMatch(n -> n.matches("m7_v101_2G_0G_\\d+"));
      List<Integer> ports = names.stream().map(n -> Integer.parseInt(n.substring(n.lastIndexOf('_') + 1))).toList();
      assertThat(ports).doesNotHaveDuplicates().allMatch(p -> p >= first && p <= first + 20);

      HttpClient http = HttpClient.newHttpClient();
      for (int port : ports) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/gfgo/"))
            .POST(HttpRequest.BodyPublishers.ofString("{\"pack_func\": \"Base.inverse_time_str\", \"kwargs\": {\"time_str\": \"2024-02-15 11:11:11\", \"bias_hours\": -8}}")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        // the image has no /etc/localtime: the instance runs on UTC, like the original notes' container
        assertThat(JSON.readTree(r.body()).asLong()).isEqualTo(1707966671L);
      }
      JsonNode ps = JSON.readTree(ferry.ok("--json", "func", "ps").out());
      assertThat(ps.findValuesAsText("state")).containsExactly("running", "running");
    } finally {
      pool.shutdownNow();
      for (String n : names) {
        ferry.run("func", "down", n);
      }
    }
    assertThat(JSON.readTree(ferry.ok("--json", "func", "ps").out())).isEmpty();
    Cli.Run again = ferry.run("func", "down", names.get(0));
    assertThat(again.exitCode()).isEqualTo(2);
    assertThat(again.err()).contains("no instance " + names.get(0));
  }
}
