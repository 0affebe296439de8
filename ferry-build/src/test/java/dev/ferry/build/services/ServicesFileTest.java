package dev.ferry.build.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.oci.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServicesFileTest {
  @TempDir Path tmp;

  private Path service(String dir, String dockerfileName) throws IOException {
    Path d = Files.createDirectories(tmp.resolve(dir));
    Files.writeString(d.resolve(dockerfileName), "FROM busybox:1\n");
    return d;
  }

  private Path yaml(String text) throws IOException {
    return Files.writeString(tmp.resolve("services.yaml"), text);
  }

  @Test
  void load_readsEveryField_andAppliesDefaults() throws IOException {
    service("api", "Dockerfile");
    service("w", "Dockerfile.worker");
    Path f = yaml("""
        services:
          - name: api
            context: ./api
          - name: worker
            context: w
            dockerfile: Dockerfile.worker
            image: team/worker:1.0
            args: {VERSION: 1.2, EMPTY: }
            target: runtime
            platforms: [linux/amd64, linux/arm64]
        """);
    List<Service> s = ServicesFile.read(f);
    assertThat(s).extracting(Service::name).containsExactly("api", "worker");
    Service api = s.get(0);
    assertThat(api.context()).isEqualTo(tmp.resolve("api"));
    assertThat(api.dockerfile()).isEqualTo(tmp.resolve("api/Dockerfile"));
    assertThat(api.image()).isEqualTo("api");
    assertThat(api.output("v1").toString()).isEqualTo("docker.io/library/api:v1");
    assertThat(api.args()).isEmpty();
    assertThat(api.target()).isEmpty();
    assertThat(api.platforms()).isEmpty();
    Service w = s.get(1);
    assertThat(w.dockerfile()).isEqualTo(tmp.resolve("w/Dockerfile.worker"));
    assertThat(w.output("v1").toString()).isEqualTo("docker.io/team/worker:1.0");
    assertThat(w.args()).isEqualTo(Map.of("VERSION", "1.2", "EMPTY", ""));
    assertThat(w.target()).contains("runtime");
    assertThat(w.platforms()).containsExactly(Platform.LINUX_AMD64, Platform.LINUX_ARM64);
  }

  @Test
  void load_rejectsDuplicatesMissingContextMissingDockerfileAndTypos_withOneLineNamingFileAndService() throws IOException {
    service("api", "Dockerfile");
    Files.createDirectories(tmp.resolve("empty"));
    assertThatThrownBy(() -> ServicesFile.read(yaml("services:\n  - {name: api, context: api}\n  - {name: api, context: api}\n")))
        .isInstanceOf(ServicesException.class)
        .hasMessage(tmp.resolve("services.yaml") + ": service api: duplicate service name 'api'");
    assertThatThrownBy(() -> ServicesFile.read(yaml("services:\n  - {name: db, context: ./nope}\n")))
        .hasMessageStartingWith(tmp.resolve("services.yaml") + ": service db: context ./nope (")
        .hasMessageEndingWith("is not a directory");
    assertThatThrownBy(() -> ServicesFile.read(yaml("services:\n  - {name: db, context: empty}\n")))
        .hasMessage(tmp.resolve("services.yaml") + ": service db: Dockerfile " + tmp.resolve("empty/Dockerfile") + " not found");
    assertThatThrownBy(() -> ServicesFile.read(yaml("services:\n  - {name: api, context: api, dokerfile: x}\n")))
        .hasMessageContaining("service api: unknown key 'dokerfile'");
    assertThatThrownBy(() -> ServicesFile.read(yaml("services:\n  - {context: api}\n")))
        .hasMessageContaining("service #1: 'name' is required");
    assertThatThrownBy(() -> ServicesFile.read(yaml("services:\n  - {name: Api, context: api}\n")))
        .hasMessageContaining("service Api: name must be lowercase");
    assertThatThrownBy(() -> ServicesFile.read(yaml("services:\n  - {name: api, context: api, image: 'Bad::x'}\n")))
        .hasMessageContaining("service api: image:");
    assertThatThrownBy(() -> ServicesFile.read(yaml("services: [\n"))).hasMessageContaining("not valid YAML");
    assertThatThrownBy(() -> ServicesFile.read(yaml("services: []\n"))).hasMessageContaining("non-empty list");
    assertThatThrownBy(() -> ServicesFile.read(yaml("servces: []\n"))).hasMessageContaining("unknown key 'servces'");
    assertThatThrownBy(() -> ServicesFile.read(yaml("services:\n  - {name: api, context: api, platforms: [a/b/c/d]}\n")))
        .hasMessageContaining("service api: platform a/b/c/d");
  }

  @Test
  void scan_takesEverySubdirectoryWithADockerfile_inNameOrder() throws IOException {
    service("worker", "Dockerfile");
    service("api", "Dockerfile");
    Files.createDirectories(tmp.resolve("docs"));
    List<Service> s = ServicesFile.read(tmp);
    assertThat(s).extracting(Service::name).containsExactly("api", "worker");
    assertThat(s.get(0).context()).isEqualTo(tmp.resolve("api"));
    assertThatThrownBy(() -> ServicesFile.read(tmp.resolve("docs"))).hasMessageContaining("no subdirectory holds a Dockerfile");
    service("Bad Name", "Dockerfile");
    assertThatThrownBy(() -> ServicesFile.read(tmp)).hasMessageContaining("cannot name a service");
  }
}
