package dev.ferry.bundle.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.oci.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecParserTest {
  @TempDir Path dir;

  @BeforeEach
  void contexts() throws IOException {
    Files.createDirectories(dir.resolve("svc"));
    Files.writeString(dir.resolve("svc/Dockerfile"), "FROM scratch\n");
    Files.createDirectories(dir.resolve("models/bert"));
    Files.writeString(dir.resolve("models/bert/weights.bin"), "w");
    Files.writeString(dir.resolve("requirements.lock"), "wheel==0.38.4 --hash=sha256:" + "0".repeat(64) + "\n");
  }

  private Path spec(String text) throws IOException {
    return Files.writeString(dir.resolve("ferry.yaml"), text);
  }

  @Test
  void parse_fullSpec_resolvesTargetsImagesArtifactsAndDefaults() throws Exception {
    DeliverySpec s = SpecParser.parse(spec("""
        name: demo
        version: 1.2.0
        targets:
          - x86_nvidia
          - arm_910b
          - name: x86_cpu
            platform: linux/amd64
            accelerator: none
        destination:
          naming: flatten
        images:
          - name: demo/service
            build:
              context: ./svc
              args: {MODE: prod}
            targets: [x86_nvidia, arm_910b]
            wheelhouse: wheels/service-wheels
          - pull: docker.io/library/busybox:1.36
        models:
          - name: models/bert
            path: models/bert
        wheelhouses:
          - name: wheels/service-wheels
            lock: requirements.lock
            index: [https://pypi.example/simple/]
            python: "3.11"
        """));
    assertThat(s.targets()).extracting(Target::name).containsExactly("x86_nvidia", "arm_910b", "x86_cpu");
    assertThat(s.target("arm_910b").orElseThrow().platform()).isEqualTo(Platform.LINUX_ARM64);
    assertThat(s.naming()).isEqualTo(Naming.FLATTEN);
    ImageSpec svc = s.images().get(0);
    assertThat(svc.nameAndTag()).isEqualTo("demo/service:1.2.0");
    assertThat(svc.wheelhouse()).contains("wheels/service-wheels");
    assertThat(s.wheelhouses().get(0).settings()).containsEntry("lock", "requirements.lock").containsEntry("python", "3.11");
    assertThat(svc.build().orElseThrow().args()).containsEntry("MODE", "prod");
    assertThat(svc.source(dir)).isEqualTo("build:svc");
    assertThat(new ImageSpec("a/b", "1", java.util.Optional.of(new ImageSpec.Build(dir, dir.resolve("Dockerfile"), java.util.Map.of(),
        java.util.Optional.empty())), java.util.Optional.empty(), java.util.List.of(), 1).source(dir)).isEqualTo("build:.");
    assertThat(s.targetsOf(svc)).extracting(Target::name).containsExactly("x86_nvidia", "arm_910b");
    ImageSpec busybox = s.images().get(1);
    assertThat(busybox.nameAndTag()).isEqualTo("library/busybox:1.36");
    assertThat(s.targetsOf(busybox)).hasSize(3);
    assertThat(s.models().get(0).path()).isEqualTo(dir.resolve("models/bert"));
    assertThat(s.wheelhouses().get(0).settings()).containsEntry("lock", "requirements.lock");
  }

  @Test
  void parse_missingContext_namesFileLineAndFieldPath() throws Exception {
    Path f = spec("""
        name: demo
        version: 1
        images:
          - name: a/one
            build: {context: ./svc}
          - name: a/two
            build: {context: ./svc}
          - name: a/three
            build:
              context: ./nope
        """);
    assertThatThrownBy(() -> SpecParser.parse(f))
        .isInstanceOf(SpecException.class)
        .hasMessageStartingWith(f + ":10: images[2].build.context: directory ./nope does not exist");
  }

  @Test
  void parse_severalProblems_listsEachInLineOrder() throws Exception {
    Path f = spec("""
        name: Demo
        version: 1
        targets: [x86_nvidia, mips_box]
        images:
          - name: a/one
            pull: busybox
            build: {context: ./svc}
          - name: a/two
            pull: busybox
            colour: blue
        """);
    SpecException e = org.junit.jupiter.api.Assertions.assertThrows(SpecException.class, () -> SpecParser.parse(f));
    assertThat(e.problems()).extracting(p -> p.line() + " " + p.path())
        .containsExactly("1 name", "3 targets[1]", "5 images[0]", "10 images[1].colour");
  }

  @Test
  void parse_flattenCollision_isRefused() throws Exception {
    Path f = spec("""
        name: demo
        version: 1
        destination: {naming: flatten}
        images:
          - pull: registry.example.com/team-a/app:1
          - pull: registry.example.com/team-b/app:1
        """);
    assertThatThrownBy(() -> SpecParser.parse(f)).hasMessageContaining("images[1].name: destination app:1 is also that of images[0]");
  }

  @Test
  void parse_imageForUnknownTarget_isRefused() throws Exception {
    Path f = spec("""
        name: demo
        version: 1
        images:
          - pull: busybox:1
            targets: [arm_910b]
        """);
    assertThatThrownBy(() -> SpecParser.parse(f)).hasMessageContaining("images[0].targets[0]: 'arm_910b' is not a target of this delivery");
  }

  @Test
  void parse_invalidYaml_namesTheLine() throws Exception {
    Path f = spec("name: demo\nversion: [1\n");
    assertThatThrownBy(() -> SpecParser.parse(f)).hasMessageStartingWith(f + ":").hasMessageContaining("not valid YAML");
  }

  @Test
  void scaffold_directoryWithDockerfiles_writesASpecThatParses() throws Exception {
    Files.createDirectories(dir.resolve("Worker_2"));
    Files.writeString(dir.resolve("Worker_2/Dockerfile"), "FROM scratch\n");
    Files.writeString(dir.resolve("ferry.yaml"), SpecScaffold.text(dir));
    DeliverySpec s = SpecParser.parse(dir.resolve("ferry.yaml"));
    assertThat(s.images()).extracting(ImageSpec::name).containsExactlyInAnyOrder(s.name() + "/svc", s.name() + "/worker-2");
    assertThat(s.targets()).containsExactly(Target.X86_NVIDIA);
  }

  @Test
  void scaffold_noDockerfile_isRefused() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("empty"));
    assertThatThrownBy(() -> SpecScaffold.text(empty)).hasMessageContaining("no Dockerfile in");
  }

  @Test
  void schema_isValidJsonNamingEveryTopLevelField() throws Exception {
    var schema = new com.fasterxml.jackson.databind.ObjectMapper().readTree(DeliverySpec.class.getResourceAsStream("/dev/ferry/bundle/ferry.schema.json"));
    assertThat(schema.path("properties").fieldNames()).toIterable()
        .containsExactlyInAnyOrder("name", "version", "targets", "destination", "images", "files", "models", "wheelhouses");
  }
}
