package dev.ferry.build.dockerfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.oci.Platform;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BuildPlanTest {
  private static final BuildOptions AMD64 =
      BuildOptions.defaults().withTargetPlatform(Platform.LINUX_AMD64).withBuildPlatform(Platform.LINUX_AMD64);

  private static BuildPlan plan(String text, BuildOptions options) throws DockerfileException {
    return BuildPlan.of(DockerfileParser.parse("Dockerfile", text), options);
  }

  private static List<String> names(List<ResolvedStage> stages) {
    return stages.stream().map(s -> s.stage().displayName()).toList();
  }

  // ---- ARG scoping ----

  @Test
  void globalArg_isUsableInFromButNotInStageUnlessRedeclared() throws Exception {
    BuildPlan p = plan("""
        ARG VERSION=3.20
        ARG IMAGE=alpine:${VERSION}
        FROM $IMAGE
        RUN echo
        WORKDIR /v${VERSION}
        ARG VERSION
        WORKDIR /v${VERSION}
        """, AMD64);
    ResolvedStage s = p.target();
    assertThat(s.image()).isEqualTo("alpine:3.20");
    assertThat(p.globalArgs()).containsEntry("VERSION", "3.20").containsEntry("IMAGE", "alpine:3.20");
    List<Step> steps = s.steps(Map.of());
    assertThat(((Instruction.Workdir) steps.get(1).expanded()).path()).isEqualTo("/v");
    assertThat(((Instruction.Workdir) steps.get(3).expanded()).path()).isEqualTo("/v3.20");
  }

  @Test
  void buildArg_overridesGlobalAndStageDefaults() throws Exception {
    BuildPlan p = plan("""
        ARG VERSION=1
        FROM alpine:${VERSION}
        ARG VERSION
        ARG MODE=debug
        ARG OTHER=${MODE}-x
        ENV V=$VERSION M=$MODE O=$OTHER
        """, AMD64.withBuildArgs(Map.of("VERSION", "2", "MODE", "release")));
    assertThat(p.target().image()).isEqualTo("alpine:2");
    StageEnvironment end = p.target().finalEnvironment(Map.of());
    assertThat(end.env()).containsEntry("V", "2").containsEntry("M", "release").containsEntry("O", "release-x");
  }

  @Test
  void stageDefault_winsOverGlobalValue() throws Exception {
    BuildPlan p = plan("ARG A=global\nFROM alpine\nARG A=stage\nENV X=$A\n", AMD64);
    assertThat(p.target().finalEnvironment(Map.of()).env()).containsEntry("X", "stage");
  }

  @Test
  void argScope_endsWithItsStage() throws Exception {
    BuildPlan p = plan("""
        FROM alpine AS one
        ARG A=1
        FROM alpine
        ENV X=${A:-unset}
        """, AMD64);
    assertThat(p.target().finalEnvironment(Map.of()).env()).containsEntry("X", "unset");
  }

  @Test
  void env_overridesArgOfTheSameName() throws Exception {
    BuildPlan p = plan("""
        FROM alpine
        ARG CONT_IMG_VER
        ENV CONT_IMG_VER=${CONT_IMG_VER:-v1.0.0}
        ENV SEEN=$CONT_IMG_VER
        ARG CONT_IMG_VER=ignored
        RUN echo $CONT_IMG_VER
        """, AMD64.withBuildArgs(Map.of("CONT_IMG_VER", "v2.0.1")));
    List<Step> steps = p.target().steps(Map.of());
    assertThat(p.target().finalEnvironment(Map.of()).env()).containsEntry("SEEN", "v2.0.1");
    StageEnvironment atRun = steps.get(4).environment();
    assertThat(atRun.expander().variables()).containsEntry("CONT_IMG_VER", "v2.0.1");
    assertThat(atRun.runEnvironment()).containsEntry("CONT_IMG_VER", "v2.0.1");
  }

  @Test
  void baseImageEnv_isInScopeAndOverridesArgs() throws Exception {
    BuildPlan p = plan("FROM golang\nARG GOPATH=/ignored\nWORKDIR $GOPATH/src\n", AMD64);
    List<Step> steps = p.target().steps(Map.of("GOPATH", "/go"));
    assertThat(((Instruction.Workdir) steps.get(1).expanded()).path()).isEqualTo("/go/src");
  }

  @Test
  void platformArgs_areGlobalButNeedArgInAStage() throws Exception {
    BuildOptions opts = AMD64.withTargetPlatform(Platform.parse("linux/arm/v7"));
    BuildPlan p = plan("""
        FROM --platform=$BUILDPLATFORM golang AS build
        RUN echo
        ENV BEFORE=x${TARGETARCH}x
        ARG TARGETARCH
        ARG TARGETVARIANT
        ARG TARGETPLATFORM
        ENV AFTER=$TARGETARCH/$TARGETVARIANT PLAT=$TARGETPLATFORM
        FROM alpine
        """, opts);
    ResolvedStage build = p.stages().get(0);
    assertThat(build.platform()).isEqualTo(Platform.LINUX_AMD64);
    assertThat(p.stages().get(1).platform()).isEqualTo(Platform.parse("linux/arm/v7"));
    assertThat(build.finalEnvironment(Map.of()).env()).containsEntry("BEFORE", "xx")
        .containsEntry("AFTER", "arm/v7").containsEntry("PLAT", "linux/arm/v7");
  }

  @Test
  void platformArg_withoutVariant_isEmpty() throws Exception {
    BuildPlan p = plan("FROM alpine\nARG TARGETVARIANT\nENV V=[${TARGETVARIANT}] S=${TARGETVARIANT+set}\n", AMD64);
    assertThat(p.target().finalEnvironment(Map.of()).env()).containsEntry("V", "[]").containsEntry("S", "set");
  }

  @Test
  void argWithoutValue_isUnset() throws Exception {
    BuildPlan p = plan("FROM alpine\nARG NOVALUE\nENV X=${NOVALUE-unset}\n", AMD64);
    assertThat(p.target().finalEnvironment(Map.of()).env()).containsEntry("X", "unset");
    assertThat(p.target().steps(Map.of()).get(1).environment().runEnvironment()).doesNotContainKey("NOVALUE");
  }

  @Test
  void proxyArgs_reachRunWithoutArgAndAreNotUnused() throws Exception {
    BuildPlan p = plan("FROM alpine\nRUN apk add curl\n",
        AMD64.withBuildArgs(Map.of("HTTP_PROXY", "http://proxy:3128", "UNUSED", "1", "BUILDKIT_INLINE_CACHE", "1")));
    assertThat(p.target().steps(Map.of()).get(0).environment().runEnvironment())
        .containsEntry("HTTP_PROXY", "http://proxy:3128");
    assertThat(p.target().steps(Map.of()).get(0).environment().expander().variables()).doesNotContainKey("HTTP_PROXY");
    assertThat(p.unusedBuildArgs()).containsExactly("UNUSED");
  }

  @Test
  void unusedBuildArgs_countOnlyStagesTheTargetNeeds() throws Exception {
    String df = """
        FROM alpine AS a
        ARG ONLY_A
        FROM alpine AS b
        ARG ONLY_B
        """;
    assertThat(plan(df, AMD64.withBuildArgs(Map.of("ONLY_A", "1", "ONLY_B", "1")).withTarget("b")).unusedBuildArgs())
        .containsExactly("ONLY_A");
  }

  @Test
  void argDefaultFailingExpansion_isAnErrorAtTheArg() {
    assertThatThrownBy(() -> plan("FROM alpine\n\nARG X=\"${REQUIRED:?give REQUIRED}\"\n", AMD64).target().steps(Map.of()))
        .isInstanceOf(DockerfileException.class)
        .hasMessageStartingWith("Dockerfile:3:1: REQUIRED: give REQUIRED");
  }

  @Test
  void fromExpandingToNothing_isAnError() {
    assertThatThrownBy(() -> plan("ARG IMAGE\nFROM $IMAGE\n", AMD64))
        .isInstanceOf(DockerfileException.class)
        .hasMessageStartingWith("Dockerfile:2:1: FROM image is empty after expanding '$IMAGE'");
  }

  @Test
  void fromPlatformExpandingToGarbage_isAnError() {
    assertThatThrownBy(() -> plan("ARG P=windows-amd64\nFROM --platform=$P alpine\n", AMD64))
        .isInstanceOf(DockerfileException.class)
        .hasMessageContaining("Dockerfile:2:1: FROM --platform expects os/arch[/variant], got 'windows-amd64' (from '$P')");
  }

  // ---- stage graph ----

  private static final String GRAPH = """
      FROM golang:1.22 AS deps
      RUN go mod download

      FROM deps AS build
      RUN go build

      FROM node:20 AS web
      RUN npm ci

      FROM deps AS test
      RUN go test

      FROM scratch AS final
      COPY --from=build /app /app
      COPY --from=web /dist /www
      COPY --from=busybox:1.36 /bin/busybox /bin/
      COPY --from=1 /app /app2
      """;

  @Test
  void target_default_isTheLastStageWithItsDependencies() throws Exception {
    BuildPlan p = plan(GRAPH, AMD64);
    assertThat(p.target().name()).contains("final");
    assertThat(names(p.order())).containsExactly("deps", "build", "web", "final");
    assertThat(p.needs(3)).isFalse();
    assertThat(p.target().dependencies()).containsExactly(1, 2);
    assertThat(p.target().scratch()).isTrue();
  }

  @Test
  void levels_groupIndependentStages() throws Exception {
    BuildPlan p = plan(GRAPH, AMD64);
    assertThat(p.levels()).extracting(BuildPlanTest::names)
        .containsExactly(List.of("deps", "web"), List.of("build"), List.of("final"));
  }

  @Test
  void target_named_prunesStagesItDoesNotNeed() throws Exception {
    BuildPlan p = plan(GRAPH, AMD64.withTarget("TEST"));
    assertThat(names(p.order())).containsExactly("deps", "test");
    assertThat(p.stages().get(3).baseStage()).contains(0);
    assertThat(p.externalImages()).extracting(e -> e.reference().toString())
        .containsExactly("docker.io/library/golang:1.22");
  }

  @Test
  void externalImages_listEveryNonStageFromOnceWithItsPlatform() throws Exception {
    BuildPlan p = plan(GRAPH + "FROM golang:1.22\nCOPY --from=golang:1.22 /x /y\n", AMD64);
    assertThat(p.externalImages()).extracting(e -> e.reference().toString())
        .containsExactly("docker.io/library/golang:1.22");
    BuildPlan f = plan(GRAPH, AMD64);
    assertThat(f.externalImages()).extracting(e -> e.reference().toString() + "@" + e.platform())
        .containsExactly("docker.io/library/golang:1.22@linux/amd64", "docker.io/library/node:20@linux/amd64",
            "docker.io/library/busybox:1.36@linux/amd64");
    assertThat(f.externalImages().get(2).location().line()).isEqualTo(16);
  }

  @Test
  void externalImages_areExpandedWithArgsAndSkipScratch() throws Exception {
    BuildPlan p = plan("""
        ARG REGISTRY=registry.internal:5000
        ARG BASE=scratch
        FROM ${REGISTRY}/python:3.12-slim AS py
        FROM --platform=linux/arm64 $BASE
        ARG REGISTRY
        ARG TOOLS=${REGISTRY}/tools:1
        COPY --from=py /usr /usr
        COPY --from=$TOOLS /bin/tool /bin/
        RUN --mount=type=bind,from=alpine:3.20,target=/mnt true
        """, AMD64);
    assertThat(p.externalImages()).extracting(e -> e.reference().toString() + "@" + e.platform())
        .containsExactly("registry.internal:5000/python:3.12-slim@linux/amd64",
            "registry.internal:5000/tools:1@linux/arm64", "docker.io/library/alpine:3.20@linux/arm64");
  }

  @Test
  void globalArg_notRedeclared_isEmptyInTheStage() throws Exception {
    assertThatThrownBy(() -> plan("ARG R=registry.internal\nFROM alpine\nCOPY --from=${R}/tools:1 /a /b\n", AMD64))
        .hasMessageContaining("COPY --from names '/tools:1'");
  }

  @Test
  void runMountFrom_isADependency() throws Exception {
    BuildPlan p = plan("""
        FROM alpine AS cache
        FROM alpine
        RUN --mount=type=cache,from=cache,target=/c true
        """, AMD64);
    assertThat(p.target().dependencies()).containsExactly(0);
    assertThat(p.externalImages()).hasSize(1);
  }

  @Test
  void fromItsOwnName_meansTheImage() throws Exception {
    BuildPlan p = plan("FROM nginx AS nginx\n", AMD64);
    assertThat(p.target().baseImage()).isPresent();
    assertThat(p.target().baseStage()).isEmpty();
  }

  @Test
  void stageFromStage_inheritsPlatformAndEnv() throws Exception {
    BuildPlan p = plan("""
        FROM --platform=linux/arm64 alpine AS base
        ENV A=1
        FROM base
        ENV B=${A}2
        """, AMD64);
    assertThat(p.target().platform()).isEqualTo(Platform.LINUX_ARM64);
    assertThat(p.target().finalEnvironment(p.stages().get(0).finalEnvironment(Map.of()).env()).env())
        .containsEntry("B", "12");
  }

  @Test
  void unknownTarget_listsStageNames() {
    assertThatThrownBy(() -> plan(GRAPH, AMD64.withTarget("prod")))
        .isInstanceOf(DockerfileException.class)
        .hasMessage("target stage 'prod' not found in Dockerfile; stages: deps, build, web, test, final");
  }

  @Test
  void copyFromLaterStage_isAnError() {
    assertThatThrownBy(() -> plan("FROM alpine AS a\nCOPY --from=b /x /x\nFROM alpine AS b\n", AMD64))
        .isInstanceOf(DockerfileException.class)
        .hasMessageStartingWith("Dockerfile:2:1: COPY --from=b names stage 'b', defined later at line 3");
  }

  @Test
  void copyFromItself_isAnError() {
    assertThatThrownBy(() -> plan("FROM alpine AS a\nCOPY --from=a /x /x\n", AMD64))
        .hasMessageStartingWith("Dockerfile:2:1: COPY --from=a names this stage itself");
    assertThatThrownBy(() -> plan("FROM alpine\nFROM alpine\nCOPY --from=1 /x /x\n", AMD64))
        .hasMessageStartingWith("Dockerfile:3:1: COPY --from=1 names this stage itself");
  }

  @Test
  void copyFromLaterIndex_isAnError() {
    assertThatThrownBy(() -> plan("FROM alpine\nCOPY --from=5 /x /x\n", AMD64))
        .hasMessageContaining("COPY --from=5 names stage 5, but there are only 1 stages");
  }

  @Test
  void copyFromBadReference_isAnError() {
    assertThatThrownBy(() -> plan("FROM alpine\nCOPY --from=Not_A_Ref! /x /x\n", AMD64))
        .hasMessageStartingWith("Dockerfile:2:1: COPY --from names 'Not_A_Ref!', which is neither a stage nor");
  }

  @Test
  void onbuildTrigger_isNotExpandedNorADependency() throws Exception {
    BuildPlan p = plan("FROM alpine AS a\nFROM alpine\nONBUILD COPY --from=a $X /y\n", AMD64);
    assertThat(p.target().dependencies()).isEmpty();
    Step step = p.target().steps(Map.of()).get(0);
    assertThat(step.expanded()).isSameAs(step.instruction());
  }

  @Test
  void earlierStagesTrigger_copyFromAStage_makesThatStageADependencyOfTheChild() throws Exception {
    BuildPlan p = plan("""
        FROM alpine AS assets
        FROM alpine AS template
        ONBUILD COPY --from=assets /a /a
        FROM template
        """, AMD64);
    assertThat(p.target().dependencies()).containsExactly(0, 1);
    assertThat(names(p.order())).containsExactly("assets", "template", "2");
    assertThat(p.levels()).extracting(BuildPlanTest::names)
        .containsExactly(List.of("assets", "template"), List.of("2"));
  }

  @Test
  void baseImageTriggers_namingStages_addThemToThePlan_andExpandAgainstTheBaseEnv() throws Exception {
    BuildPlan p = plan("""
        FROM alpine AS tools
        FROM alpine AS assets
        FROM busybox AS unused
        FROM registry.internal/parent:1
        RUN true
        """, AMD64);
    assertThat(names(p.order())).containsExactly("3");
    List<Instruction> triggers = List.of(
        DockerfileParser.parseInstruction("t1", "COPY --from=${SRC} /a /a", '\\'),
        DockerfileParser.parseInstruction("t2", "RUN --mount=type=bind,from=tools,target=/t true", '\\'),
        DockerfileParser.parseInstruction("t3", "COPY --from=helper:2 /h /h", '\\'));
    BuildPlan q = p.withBaseImageTriggers(3, Map.of("SRC", "assets"), triggers);
    assertThat(q.target().dependencies()).containsExactly(0, 1);
    assertThat(names(q.order())).containsExactly("tools", "assets", "3");
    assertThat(q.externalImages()).extracting(e -> e.reference().toString())
        .containsExactly("docker.io/library/alpine:latest", "registry.internal/parent:1", "docker.io/library/helper:2");
    assertThat(p.withBaseImageTriggers(3, Map.of(), List.of())).isSameAs(p);
  }

  @Test
  void baseImageTrigger_namingTheStageItselfOrALaterOne_isAnError() throws Exception {
    BuildPlan p = plan("FROM parent:1 AS app\nFROM alpine AS later\n", AMD64);
    assertThatThrownBy(() -> p.withBaseImageTriggers(0, Map.of(),
        List.of(DockerfileParser.parseInstruction("parent:1 ONBUILD trigger 1", "COPY --from=later /a /a", '\\'))))
        .isInstanceOf(DockerfileException.class)
        .hasMessageStartingWith("parent:1 ONBUILD trigger 1:1:1: COPY --from=later names stage 'later', defined later");
    assertThatThrownBy(() -> p.withBaseImageTriggers(0, Map.of(),
        List.of(DockerfileParser.parseInstruction("t", "COPY --from=app /a /a", '\\'))))
        .hasMessageContaining("COPY --from=app names this stage itself");
  }
}
