package dev.ferry.build.dockerfile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.oci.Platform;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Dockerfiles under {@code src/test/resources/dockerfiles}, parsed and planned end to end. */
class CorpusTest {
  private static final BuildOptions ARM64 = BuildOptions.defaults()
      .withTargetPlatform(Platform.LINUX_ARM64).withBuildPlatform(Platform.LINUX_AMD64);

  private static Dockerfile load(String name) throws Exception {
    return DockerfileParser.parse(resource(name));
  }

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(CorpusTest.class.getResource("/dockerfiles/" + name).toURI());
  }

  @Test
  void multistageGo_crossCompilesOnTheBuildPlatform() throws Exception {
    Dockerfile df = load("multistage-go.Dockerfile");
    assertThat(df.directive("syntax")).contains("docker/dockerfile:1");
    BuildPlan plan = BuildPlan.of(df, ARM64);
    assertThat(plan.order()).extracting(s -> s.stage().displayName()).containsExactly("build", "certs", "3");
    assertThat(plan.levels()).hasSize(2);
    assertThat(plan.stages().get(0).platform()).isEqualTo(Platform.LINUX_AMD64);
    assertThat(plan.stages().get(0).image()).isEqualTo("golang:1.22-alpine");
    assertThat(plan.target().platform()).isEqualTo(Platform.LINUX_ARM64);
    assertThat(plan.externalImages()).extracting(e -> e.reference() + "@" + e.platform())
        .containsExactly("docker.io/library/golang:1.22-alpine@linux/amd64",
            "docker.io/library/alpine:3.20@linux/arm64");
    List<Step> steps = plan.stages().get(0).steps(Map.of());
    Instruction.Run build = (Instruction.Run) steps.get(6).expanded();
    assertThat(build.mounts().get(0).id()).contains("gobuild-arm64");
    assertThat(steps.get(6).environment().runEnvironment()).containsEntry("TARGETARCH", "arm64");
  }

  @Test
  void pythonHeredoc_expandsCopyBodiesButNotQuotedOnes() throws Exception {
    Dockerfile df = load("python-heredoc.Dockerfile");
    BuildPlan plan = BuildPlan.of(df, ARM64);
    List<Step> steps = plan.target().steps(Map.of("PATH", "/usr/local/bin:/usr/bin"));
    assertThat(steps).extracting(s -> s.instruction().keyword()).containsExactly("ENV", "WORKDIR", "RUN", "COPY",
        "COPY", "RUN", "HEALTHCHECK", "LABEL", "VOLUME", "STOPSIGNAL", "CMD");
    assertThat(((Instruction.Workdir) steps.get(1).expanded()).path()).isEqualTo("/srv/app");
    Instruction.Copy conf = (Instruction.Copy) steps.get(3).expanded();
    assertThat(conf.heredocs().get(0).content()).isEqualTo("home=$APP_HOME\ndebug=false\n");
    Instruction.Copy settings = (Instruction.Copy) steps.get(4).expanded();
    assertThat(settings.destination()).isEqualTo("/srv/app/settings.py");
    assertThat(settings.heredocs().get(0).content()).isEqualTo("HOME = \"/srv/app\"\n");
    Instruction.Run pip = (Instruction.Run) steps.get(5).expanded();
    assertThat(pip.mounts()).extracting(Mount::type).containsExactly(Mount.Type.SECRET, Mount.Type.BIND);
    assertThat(pip.mounts().get(0).env()).contains("PIP_TOKEN");
    Instruction.Label label = (Instruction.Label) steps.get(7).expanded();
    assertThat(label.pairs()).containsExactly(new KeyValue("org.opencontainers.image.title", "demo app"),
        new KeyValue("org.opencontainers.image.version", "1.0"));
  }

  @Test
  void windowsEscape_keepsBackslashPaths() throws Exception {
    Dockerfile df = load("windows-escape.Dockerfile");
    assertThat(df.escape()).isEqualTo('`');
    List<Step> steps = BuildPlan.of(df, ARM64).target().steps(Map.of());
    assertThat(((Instruction.Copy) steps.get(1).expanded()).destination()).isEqualTo("C:\\setup\\");
    assertThat(((Instruction.Run) steps.get(2).instruction()).command().commandLine())
        .isEqualTo("C:\\setup\\setup.ps1     -Verbose");
    assertThat(((Instruction.Workdir) steps.get(3).expanded()).path()).isEqualTo("C:\\app");
  }

  @Test
  void onbuild_keepsTriggersAndTheDeprecatedMaintainer() throws Exception {
    Dockerfile df = load("onbuild.Dockerfile");
    List<Instruction> in = df.stages().get(0).instructions();
    assertThat(in).filteredOn(i -> i instanceof Instruction.OnBuild)
        .extracting(i -> ((Instruction.OnBuild) i).triggerText())
        .containsExactly("COPY package*.json /app/", "RUN npm ci", "COPY . /app");
    assertThat(((Instruction.Maintainer) in.get(0)).author()).isEqualTo("Ferry Team <team@example.com>");
    assertThat(df.warnings()).anyMatch(w -> w.contains("MAINTAINER is deprecated"));
    assertThat(in.get(0).location().file()).isEqualTo("onbuild.Dockerfile");
  }
}
