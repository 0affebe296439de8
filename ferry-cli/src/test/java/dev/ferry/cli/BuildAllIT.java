package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.testing.Busybox;
import dev.ferry.testing.DistributionRegistry;
import dev.ferry.testing.Peers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry build-all} end to end (seed 004): three services in a directory, one building on another's image,
 * built in order with RUN in runc; a rerun fully cached; a cycle refused; base images pushed to an internal registry
 * and prefetched back from it as a mirror. Root only (overlay mounts, runc).
 */
class BuildAllIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  Cli ferry;
  Path services;
  DistributionRegistry registry;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Peers.isRoot(), "overlay mounts and runc need root");
    Peers.require("runc");
    Path rootfs = Busybox.rootfs(tmp.resolve("rootfs"));
    ferry = new Cli(tmp.resolve("store"));
    ferry.ok("image", "from-rootfs", rootfs.toString(), "-t", "base/busybox:1", "--root-owner");
    services = Files.createDirectories(tmp.resolve("services"));
    write("base/Dockerfile", "FROM base/busybox:1\nRUN echo base > /base.txt\n");
    write("api/Dockerfile", "ARG TAG=latest\nFROM base:${TAG}\nRUN cat /base.txt > /api.txt && echo api >> /api.txt\n");
    write("worker/Dockerfile", "FROM base/busybox:1\nCOPY hello.txt /hello.txt\n");
    write("worker/hello.txt", "hello\n");
    Files.createDirectories(services.resolve("docs")); // no Dockerfile: not a service
  }

  @AfterEach
  void tearDown() {
    if (registry != null) {
      registry.close();
    }
  }

  private void write(String path, String text) throws Exception {
    Path p = services.resolve(path);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  private JsonNode service(JsonNode report, String name) {
    for (JsonNode s : report.path("services")) {
      if (s.path("service").asText().equals(name)) {
        return s;
      }
    }
    throw new AssertionError("no service " + name + " in " + report);
  }

  @Test
  void buildAll_buildsInDependencyOrder_rerunIsFullyCached_andACycleIsRefused() throws Exception {
    Cli.Run first = ferry.ok("--json", "build-all", "--tag", "v1", "--build-arg", "TAG=v1", "--progress", "plain",
        services.toString());
    JsonNode report = JSON.readTree(first.out());
    assertThat(report.path("baseImages")).hasSize(1);
    assertThat(report.path("baseImages").get(0).path("image").asText()).isEqualTo("docker.io/base/busybox:1");
    assertThat(report.path("baseImages").get(0).path("source").asText()).isEqualTo("store");
    List<String> names = new ArrayList<>();
    report.path("services").forEach(s -> names.add(s.path("service").asText()));
    assertThat(names).containsExactly("base", "api", "worker");
    for (String n : names) {
      assertThat(service(report, n).path("status").asText()).isEqualTo("built");
      assertThat(service(report, n).path("image").asText()).isEqualTo("docker.io/library/" + n + ":v1");
    }
    assertThat(service(report, "api").path("dependsOn").toString()).isEqualTo("[\"base\"]");
    assertThat(service(report, "api").path("cachedSteps").asInt()).isZero();
    // api ran after base finished: its RUN saw base's file.
    assertThat(first.err().indexOf("Built base")).isLessThan(first.err().indexOf("[api] #1"));
    Path out = tmp.resolve("api-rootfs");
    ferry.ok("unpack", "api:v1", out.toString());
    assertThat(Files.readString(out.resolve("api.txt"))).isEqualTo("base\napi\n");

    Cli.Run again = ferry.ok("--json", "build-all", "--tag", "v1", "--build-arg", "TAG=v1", services.toString());
    JsonNode second = JSON.readTree(again.out());
    for (String n : names) {
      JsonNode s = service(second, n);
      assertThat(s.path("cachedSteps").asInt()).as(n).isEqualTo(s.path("steps").asInt()).isPositive();
      assertThat(s.path("digest").asText()).isEqualTo(service(report, n).path("digest").asText());
    }

    Cli.Run human = ferry.ok("build-all", "--tag", "v1", "--build-arg", "TAG=v1", "--jobs", "1", services.toString());
    assertThat(human.out()).contains("BASE IMAGE", "SERVICE", "base/busybox:1", "store", "1/1");

    write("base/Dockerfile", "FROM api:v1\n");
    Cli.Run cycle = ferry.run("build-all", "--tag", "v1", "--build-arg", "TAG=v1", services.toString());
    assertThat(cycle.exitCode()).isEqualTo(2);
    assertThat(cycle.err()).contains("dependency cycle between services: api -> base -> api");

    // A failing service fails alone; what builds on it is skipped, the rest still builds.
    write("base/Dockerfile", "FROM base/busybox:1\nRUN exit 3\n");
    Cli.Run failed = ferry.run("--json", "build-all", "--tag", "v2", "--build-arg", "TAG=v2", services.toString());
    assertThat(failed.exitCode()).isEqualTo(1);
    JsonNode f = JSON.readTree(failed.out());
    assertThat(service(f, "base").path("status").asText()).isEqualTo("failed");
    assertThat(service(f, "api").path("status").asText()).isEqualTo("skipped");
    assertThat(service(f, "api").path("error").asText()).isEqualTo("needs base, which failed");
    assertThat(service(f, "worker").path("status").asText()).isEqualTo("built");
    assertThat(failed.err()).contains("service base failed", "exit code 3");
  }

  @Test
  void pushDeps_toTheInternalRegistry_thenPrefetchComesFromItAsAMirror() throws Exception {
    Peers.require("docker-registry");
    registry = DistributionRegistry.start();
    String harbor = registry.host();

    ferry.ok("build-all", "--push-deps", harbor + "/deps", "--push", harbor + "/apps", services.toString());
    assertThat(ferry.ok("tags", harbor + "/deps/base/busybox").outLines()).containsExactly("1");
    assertThat(ferry.ok("tags", harbor + "/apps/library/api").outLines()).containsExactly("latest");

    // The internal registry as a Harbor proxy cache of docker.io: the base image under hub-proxy/.
    ferry.ok("build-all", "--push-deps", harbor + "/hub-proxy", services.toString());
    Path config = Files.writeString(tmp.resolve("registries.yaml"),
        "mirrors:\n  docker.io:\n    - host: " + harbor + "\n      prefix: hub-proxy\n");
    ferry.ok("rmi", "base/busybox:1");
    ferry.ok("gc");

    Cli.Run r = ferry.ok("--json", "build-all", "--registries-config", config.toString(), "--offline",
        services.toString());
    JsonNode report = JSON.readTree(r.out());
    JsonNode base = report.path("baseImages").get(0);
    assertThat(base.path("image").asText()).isEqualTo("docker.io/base/busybox:1");
    assertThat(base.path("source").asText()).isEqualTo("mirror " + harbor + "/hub-proxy");
    report.path("services").forEach(s -> assertThat(s.path("status").asText()).isEqualTo("built"));

    Cli.Run human = ferry.ok("build-all", "--registries-config", config.toString(), "--offline", services.toString());
    assertThat(human.out()).contains("base/busybox:1   linux/");
    assertThat(human.out()).containsPattern("base/busybox:1 +\\S+ +store");
  }
}
