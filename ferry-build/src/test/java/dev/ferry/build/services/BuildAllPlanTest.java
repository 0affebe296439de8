package dev.ferry.build.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.build.dockerfile.DockerfileException;
import dev.ferry.oci.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuildAllPlanTest {
  @TempDir Path tmp;

  private void service(String name, String dockerfile) throws IOException {
    Files.writeString(Files.createDirectories(tmp.resolve(name)).resolve("Dockerfile"), dockerfile);
  }

  @Test
  void plan_collectsExternalImagesOnce_withArgsExpanded_andTurnsServiceImagesIntoDependencies() throws Exception {
    service("base", "ARG DEBIAN=bookworm\nFROM debian:${DEBIAN}-slim\n");
    service("api", """
        ARG TAG=latest
        FROM golang:1.22 AS build
        FROM base:${TAG}
        COPY --from=build /x /x
        COPY --from=alpine:3 /etc/os-release /
        """);
    service("worker", "FROM debian:bookworm-slim\nCOPY --from=api:v2 / /\n");
    List<Service> services = ServicesFile.read(tmp);
    BuildAllPlan plan = BuildAllPlan.of(services, "v2", Map.of("TAG", "v2"), List.of(Platform.LINUX_AMD64));

    assertThat(plan.baseImages()).extracting(b -> b.reference().toString())
        .containsExactly("docker.io/library/golang:1.22", "docker.io/library/alpine:3", "docker.io/library/debian:bookworm-slim");
    assertThat(plan.baseImages().get(2).services()).containsExactly("base", "worker");
    assertThat(plan.baseImages()).allMatch(b -> b.platform().equals(Platform.LINUX_AMD64));
    assertThat(plan.graph().dependencies()).containsEntry("api", java.util.Set.of("base")).containsEntry("worker", java.util.Set.of("api"));
    assertThat(plan.order()).extracting(Service::name).containsExactly("base", "api", "worker");
    assertThat(plan.output(plan.service("api")).toString()).isEqualTo("docker.io/library/api:v2");

    // With the default tag, base:v2 is no service's output: it is a base image to prefetch, not an edge.
    BuildAllPlan latest = BuildAllPlan.of(services, "latest", Map.of("TAG", "v2"), List.of(Platform.LINUX_AMD64));
    assertThat(latest.baseImages()).extracting(b -> b.reference().toString()).contains("docker.io/library/base:v2");
  }

  @Test
  void plan_cycleOrSelfReferenceOrSharedOutput_isAnError() throws Exception {
    service("a", "FROM b:latest\n");
    service("b", "FROM busybox\nCOPY --from=a / /\n");
    assertThatThrownBy(() -> BuildAllPlan.of(ServicesFile.read(tmp), "latest", Map.of(), List.of()))
        .isInstanceOf(ServicesException.class).hasMessage("dependency cycle between services: a -> b -> a");

    service("b", "FROM b\n");
    assertThatThrownBy(() -> BuildAllPlan.of(ServicesFile.read(tmp), "latest", Map.of(), List.of()))
        .hasMessageStartingWith("dependency cycle between services: b -> b");

    Path f = Files.writeString(tmp.resolve("services.yaml"), "services:\n  - {name: a, context: a, image: x}\n  - {name: c, context: b, image: x}\n");
    assertThatThrownBy(() -> BuildAllPlan.of(ServicesFile.read(f), "latest", Map.of(), List.of()))
        .hasMessage("services a and c would both be tagged docker.io/library/x:latest");
  }

  @Test
  void plan_badDockerfile_namesTheService() throws Exception {
    service("a", "FROM busybox\nFROBNICATE x\n");
    assertThatThrownBy(() -> BuildAllPlan.of(ServicesFile.read(tmp), "latest", Map.of(), List.of()))
        .isInstanceOf(DockerfileException.class).hasMessageStartingWith("service a: ");
  }
}
