package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.testing.Busybox;
import dev.ferry.testing.Peers;
import dev.ferry.testing.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry build} end to end: RUN in runc on an overlay, COPY with owners and modes, whiteouts, multi-stage,
 * failing steps, the step cache and reproducibility, and the result compared with what buildah builds from the same
 * Dockerfile. Root only (overlay mounts, runc, buildah without a user namespace).
 */
class BuildIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  Cli ferry;
  Path rootfs;
  Path ctx;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Peers.isRoot(), "overlay mounts and runc need root");
    Peers.require("runc");
    rootfs = Busybox.rootfs(tmp.resolve("rootfs"));
    Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
    Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\napp:x:1000:\nstaff:x:50:\n");
    ferry = new Cli(tmp.resolve("store"));
    ferry.ok("image", "from-rootfs", rootfs.toString(), "-t", "base/busybox:1", "--root-owner");
    ctx = Files.createDirectories(tmp.resolve("ctx"));
    Files.writeString(ctx.resolve("hello.txt"), "hello\n");
    Files.createDirectories(ctx.resolve("src/deep"));
    Files.writeString(ctx.resolve("src/a.sh"), "echo a\n");
    Files.writeString(ctx.resolve("src/deep/b"), "b\n");
    Files.writeString(ctx.resolve("secret.key"), "do not copy\n");
    Files.writeString(ctx.resolve(".dockerignore"), "*.key\n");
  }

  private static final String MAIN = """
      ENV GREETING=hi APP_HOME=/app
      LABEL org.example.name=demo
      EXPOSE 8080
      WORKDIR /app
      COPY --chown=app:staff --chmod=640 hello.txt ./
      COPY --chown=1000 src /app/src/
      RUN mkdir -p /app/out /tmp/gone && echo built > /app/out/result && rm -f /etc/group && rm -rf /app/src/deep
      RUN echo more >> /app/out/result && touch /app/src/new && ls /app > /app/listing
      USER app
      CMD ["/bin/sh", "-c", "cat /app/out/result"]
      """;

  @Test
  void build_runsCopiesAndDeletes_unpacksToTheExpectedTree_andRebuildsFromCacheToTheSameDigest() throws Exception {
    Files.writeString(ctx.resolve("Dockerfile"), "FROM base/busybox:1\n" + MAIN);

    Cli.Run first = ferry.ok("build", "-t", "demo/app:1", "--progress", "plain", ctx.toString());
    String digest = first.lastLine();
    assertThat(digest).startsWith("sha256:");
    assertThat(first.err()).contains("#7 [stage 0 7/10] RUN mkdir").doesNotContain("CACHED");

    Path out = tmp.resolve("unpacked");
    ferry.ok("unpack", "demo/app:1", out.toString());
    Map<String, Trees.Node> tree = Trees.describe(out);
    assertThat(tree.get("app/hello.txt").toString()).startsWith("file 0640 1000:50 ");
    assertThat(tree.get("app/src").toString()).startsWith("dir 0755 ");
    assertThat(tree.get("app/src/a.sh").toString()).startsWith("file 0644 1000:1000 ");
    assertThat(tree).doesNotContainKeys("app/src/deep", "app/src/deep/b", "etc/group", "app/secret.key",
        "tmp/gone/.wh..wh..opq");
    assertThat(tree).containsKeys("tmp/gone", "app/src/new", "etc/passwd");
    assertThat(tree.keySet()).noneMatch(p -> p.contains(".wh."));
    assertThat(Files.readString(out.resolve("app/out/result"))).isEqualTo("built\nmore\n");
    assertThat(Files.readString(out.resolve("app/listing"))).isEqualTo("hello.txt\nlisting\nout\nsrc\n");

    JsonNode config = JSON.readTree(ferry.ok("--json", "inspect", "demo/app:1").out()).path("Config");
    assertThat(config.path("WorkingDir").asText()).isEqualTo("/app");
    assertThat(config.path("User").asText()).isEqualTo("app");
    assertThat(config.path("Env").toString()).contains("GREETING=hi");
    assertThat(config.path("ExposedPorts").toString()).contains("8080/tcp");

    long t0 = System.nanoTime();
    Cli.Run second = ferry.ok("build", "-t", "demo/app:2", "--progress", "plain", ctx.toString());
    long millis = (System.nanoTime() - t0) / 1_000_000;
    assertThat(second.lastLine()).isEqualTo(digest);
    assertThat(second.err()).contains("(5/5 steps cached)");
    assertThat(millis).isLessThan(3000);

    Cli.Run noCache = ferry.ok("build", "--no-cache", "-q", ctx.toString());
    assertThat(noCache.outLines()).containsExactly(digest);

    assertThat(ferry.ok("gc").exitCode()).isZero();
    ferry.ok("rmi", "demo/app:1");
    ferry.ok("rmi", "demo/app:2");
    ferry.ok("gc");
    Cli.Run afterGc = ferry.ok("build", "--progress", "plain", ctx.toString());
    assertThat(afterGc.err()).contains("(5/5 steps cached)");
    assertThat(afterGc.lastLine()).isEqualTo(digest);
  }

  @Test
  void build_multiStage_copiesFromTheBuilderStage_andTargetPicksAStage() throws Exception {
    Files.writeString(ctx.resolve("Dockerfile"), """
        FROM base/busybox:1 AS builder
        WORKDIR /w
        COPY src/ ./
        RUN echo compiled > /w/bin.out && chown 1000:1000 /w/bin.out

        FROM scratch AS final
        COPY --from=builder /w/bin.out /usr/local/bin/
        COPY --from=builder /bin/busybox /bin/
        """);
    String digest = ferry.ok("build", "-t", "multi:1", ctx.toString()).lastLine();
    Path out = tmp.resolve("multi");
    ferry.ok("unpack", "multi:1", out.toString());
    Map<String, Trees.Node> tree = Trees.describe(out);
    assertThat(tree.keySet()).containsExactly("bin", "bin/busybox", "usr", "usr/local", "usr/local/bin",
        "usr/local/bin/bin.out");
    assertThat(tree.get("usr/local/bin/bin.out").toString()).startsWith("file 0644 1000:1000 ");

    String builder = ferry.ok("build", "--target", "builder", "-q", ctx.toString()).lastLine();
    assertThat(builder).isNotEqualTo(digest);
  }

  @Test
  void build_failingRun_exitsOneWithTheExitCodeAndOutputTail_andTagsNothing() throws Exception {
    Files.writeString(ctx.resolve("Dockerfile"), """
        FROM base/busybox:1
        RUN echo first line && echo second line && exit 3
        """);
    Cli.Run r = ferry.run("build", "-t", "broken:1", ctx.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("Dockerfile:2:1: RUN failed with exit code 3").contains("    second line");
    assertThat(ferry.run("inspect", "broken:1").exitCode()).isNotZero();
    assertThat(Processes.run("sh", "-c", "mount | grep -c " + tmp.resolve("store")).stdout().strip()).isEqualTo("0");

    Files.writeString(ctx.resolve("Dockerfile"), "FROM base/busybox:1\nCOPY missing.txt /\n");
    Cli.Run missing = ferry.run("build", ctx.toString());
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err()).contains("Dockerfile:2:1").contains("missing.txt");

    assertThat(ferry.run("build", "--network", "bridge", ctx.toString()).exitCode()).isEqualTo(2);
    Cli.Run twice = ferry.run("build", "--platform", "linux/amd64,linux/amd64", ctx.toString());
    assertThat(twice.exitCode()).isEqualTo(2);
    assertThat(twice.err()).contains("names linux/amd64 twice");
  }

  @Test
  void build_sameDockerfileAsBuildah_givesTheSameTreeAndConfig() throws Exception {
    Buildah buildah = new Buildah();
    buildah.base(rootfs, "amd64", "base/busybox:1");
    Files.writeString(ctx.resolve("Dockerfile"), "FROM base/busybox:1\n" + MAIN);
    buildah.build("FROM localhost/base/busybox:1\n" + MAIN, "linux/amd64", "buildah/x:1");
    ferry.ok("build", "-t", "ferry/x:1", ctx.toString());
    assertSameImage("ferry/x:1", "buildah/x:1", "linux/amd64");
  }

  private static final String ARM64 = """
      WORKDIR /app
      COPY hello.txt ./
      RUN uname -m > /app/arch && mkdir -p /app/out && echo "built on $(uname -m)" > /app/out/log && rm -f /etc/group
      ENV ARCH_CHECK=1
      CMD ["/bin/cat", "/app/arch", "/app/out/log"]
      """;

  @Test
  void build_arm64Run_throughQemu_matchesBuildah_andRunsUnderRunc() throws Exception {
    Busybox.requireEmulation("aarch64");
    Path arm = Busybox.rootfs(tmp.resolve("rootfs-arm64"), "arm64");
    ferry.ok("image", "from-rootfs", arm.toString(), "--platform", "linux/arm64", "-t", "base/busybox-arm64:1",
        "--root-owner");
    Files.writeString(ctx.resolve("Dockerfile"), "FROM base/busybox-arm64:1\n" + ARM64);

    Cli.Run built = ferry.ok("build", "--platform", "linux/arm64", "-t", "ferry/arm:1", "--progress", "plain",
        ctx.toString());
    assertThat(built.err()).contains("#3 [linux/arm64 stage 0 3/5] RUN uname -m");
    JsonNode inspect = JSON.readTree(ferry.ok("--json", "inspect", "ferry/arm:1").out());
    assertThat(inspect.path("Platform").asText()).isEqualTo("linux/arm64");
    Path out = tmp.resolve("arm-tree");
    ferry.ok("unpack", "ferry/arm:1", out.toString());
    assertThat(Files.readString(out.resolve("app/arch"))).isEqualTo("aarch64\n");

    Buildah buildah = new Buildah();
    buildah.base(arm, "arm64", "base/busybox-arm64:1");
    buildah.build("FROM localhost/base/busybox-arm64:1\n" + ARM64, "linux/arm64", "buildah/arm:1");
    assertSameImage("ferry/arm:1", "buildah/arm:1", "linux/arm64");

    Path bundle = tmp.resolve("arm-bundle");
    ferry.ok("unpack", "--bundle", "ferry/arm:1", bundle.toString());
    String id = "ferry-it-arm64-" + ProcessHandle.current().pid();
    try {
      Processes.Result r = Processes.run(List.of("runc", "run", "--bundle", bundle.toString(), id), null, Map.of(), 60)
          .ok();
      assertThat(r.stdout()).isEqualTo("aarch64\nbuilt on aarch64\n");
    } finally {
      Processes.run("runc", "delete", "-f", id);
    }
  }

  @Test
  void build_twoPlatforms_givesAnIndexWithEachArchitecturesRun_andRebuildsCached() throws Exception {
    Busybox.requireEmulation("aarch64");
    ferry.ok("image", "from-rootfs", Busybox.rootfs(tmp.resolve("rootfs-arm64"), "arm64").toString(), "--platform",
        "linux/arm64", "-t", "base/busybox:1-arm64", "--root-owner");
    ferry.ok("image", "index", "-t", "base/multi:1", "base/busybox:1", "base/busybox:1-arm64");
    assertThat(ferry.run("image", "index", "-t", "x:1", "base/busybox:1", "base/multi:1").err())
        .contains("an index holds one image per platform");
    Files.writeString(ctx.resolve("Dockerfile"), """
        FROM base/multi:1
        ARG TARGETPLATFORM
        RUN echo "$TARGETPLATFORM $(uname -m)" > /built
        """);
    Cli.Run r = ferry.ok("build", "--platform", "linux/amd64,linux/arm64", "-t", "multi:1", "--progress", "plain",
        ctx.toString());
    JsonNode inspect = JSON.readTree(ferry.ok("--json", "inspect", "multi:1").out());
    assertThat(inspect.path("MediaType").asText()).isEqualTo("application/vnd.oci.image.index.v1+json");
    assertThat(inspect.path("Digest").asText()).isEqualTo(r.lastLine());
    assertThat(inspect.path("Platforms").toString()).isEqualTo("[\"linux/amd64\",\"linux/arm64\"]");
    for (String[] p : new String[][] {{"linux/amd64", "x86_64"}, {"linux/arm64", "aarch64"}}) {
      Path out = tmp.resolve("multi-" + p[1]);
      ferry.ok("unpack", "--platform", p[0], "multi:1", out.toString());
      assertThat(Files.readString(out.resolve("built"))).isEqualTo(p[0] + " " + p[1] + "\n");
    }
    Cli.Run again = ferry.ok("build", "--platform", "linux/amd64,linux/arm64", "--progress", "plain", ctx.toString());
    assertThat(again.lastLine()).isEqualTo(r.lastLine());
    assertThat(again.err()).contains("(2/2 steps cached)");
  }

  @Test
  void build_independentStages_runAtOnce() throws Exception {
    // each stage waits (up to 30 s) for the other to have started: one at a time, the first would give up and fail
    String wait = "RUN --mount=type=cache,id=rendezvous,target=/sync touch /sync/%s && i=0 && "
        + "while [ ! -e /sync/%s ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done && test -e /sync/%s && echo %s > /%s";
    Files.writeString(ctx.resolve("Dockerfile"), "FROM base/busybox:1 AS a\n" + wait.formatted("a", "b", "b", "a", "a")
        + "\nFROM base/busybox:1 AS b\n" + wait.formatted("b", "a", "a", "b", "b")
        + "\nFROM base/busybox:1\nCOPY --from=a /a /\nCOPY --from=b /b /\n");
    Cli.Run r = ferry.ok("build", "--jobs", "2", "-t", "both:1", "--progress", "plain", ctx.toString());
    assertThat(r.err()).contains("[stage a 1/1] RUN", "[stage b 1/1] RUN");
    Path out = tmp.resolve("both");
    ferry.ok("unpack", "both:1", out.toString());
    assertThat(Files.readString(out.resolve("a")) + Files.readString(out.resolve("b"))).isEqualTo("a\nb\n");
  }

  @Test
  void build_stagesAndPlatformsAtOnce_giveTheSameDigestAsOneAtATime() throws Exception {
    Busybox.requireEmulation("aarch64");
    ferry.ok("tag", "base/busybox:1", "base/busybox:1-amd64");
    Path arm = Busybox.rootfs(tmp.resolve("rootfs-arm64"), "arm64");
    ferry.ok("image", "from-rootfs", arm.toString(), "--platform", "linux/arm64", "-t", "base/busybox:1-arm64",
        "--root-owner");
    StringBuilder df = new StringBuilder("ARG TARGETARCH\n");
    for (String stage : List.of("one", "two", "three")) {
      df.append("FROM base/busybox:1-${TARGETARCH} AS ").append(stage).append('\n')
          .append("COPY src /src/\n")
          .append("RUN mkdir /out && for i in 1 2 3 4 5; do echo ").append(stage)
          .append(" $i $(uname -m) > /out/").append(stage).append("-$i; done && rm -rf /src/deep\n");
    }
    df.append("FROM base/busybox:1-${TARGETARCH}\n");
    for (String stage : List.of("one", "two", "three")) {
      df.append("COPY --from=").append(stage).append(" /out/ /out/\n");
    }
    Files.writeString(ctx.resolve("Dockerfile"), df.toString());
    Processes.run("cp", "-a", tmp.resolve("store").toString(), tmp.resolve("store2").toString()).ok();
    String parallel = ferry.ok("build", "--platform", "linux/amd64,linux/arm64", "--jobs", "4", "-t", "par:1", "-q", ctx.toString())
        .lastLine();
    Cli sequential = new Cli(tmp.resolve("store2"));
    String one = sequential.ok("build", "--platform", "linux/amd64,linux/arm64", "--jobs", "1", "-q", ctx.toString())
        .lastLine();
    assertThat(one).isEqualTo(parallel);
    Path out = tmp.resolve("par");
    ferry.ok("unpack", "--platform", "linux/arm64", "par:1", out.toString());
    assertThat(Files.readString(out.resolve("out/three-5"))).isEqualTo("three 5 aarch64\n");
  }

  @Test
  void build_baseImageWithOnbuildTriggers_runsThemFirst_likeBuildah() throws Exception {
    String parent = """
        WORKDIR /app
        ONBUILD COPY hello.txt /app/from-trigger.txt
        ONBUILD RUN echo "triggered in $(pwd)" > /app/trigger && rm -f /etc/group
        ONBUILD ENV TRIGGERED=yes
        CMD ["/bin/sh"]
        """;
    String child = """
        RUN echo "child sees TRIGGERED=$TRIGGERED" > /app/child
        LABEL stage=child
        """;
    Files.writeString(ctx.resolve("Dockerfile"), "FROM base/busybox:1\n" + parent);
    ferry.ok("build", "-t", "parent:1", ctx.toString());
    JsonNode pc = JSON.readTree(ferry.ok("--json", "inspect", "parent:1").out());
    Files.writeString(ctx.resolve("Dockerfile"), "FROM parent:1\n" + child);
    Cli.Run r = ferry.ok("build", "-t", "ferry/child:1", "--progress", "plain", ctx.toString());
    assertThat(r.err()).contains("[stage 0 1/5 ONBUILD] COPY hello.txt /app/from-trigger.txt")
        .contains("[stage 0 4/5] RUN echo");
    Path out = tmp.resolve("child");
    ferry.ok("unpack", "ferry/child:1", out.toString());
    assertThat(Files.readString(out.resolve("app/trigger"))).isEqualTo("triggered in /app\n");
    assertThat(Files.readString(out.resolve("app/child"))).isEqualTo("child sees TRIGGERED=yes\n");
    // the triggers do not pass on to the child
    assertThat(JSON.readTree(ferry.ok("--json", "inspect", "ferry/child:1").out()).path("Config").has("OnBuild"))
        .isFalse();

    Buildah buildah = new Buildah();
    buildah.base(rootfs, "amd64", "base/busybox:1");
    // ONBUILD is kept only in Docker's config format, so the parent is built with --format docker
    buildah.bud("FROM localhost/base/busybox:1\n" + parent, "linux/amd64", "parent:1", "--format", "docker");
    buildah.build("FROM localhost/parent:1\n" + child, "linux/amd64", "buildah/child:1");
    assertSameImage("ferry/child:1", "buildah/child:1", "linux/amd64");
    assertThat(pc.path("Config").path("OnBuild").get(0).asText()).isEqualTo("COPY hello.txt /app/from-trigger.txt");

    // an earlier stage's own ONBUILD runs in a stage built FROM it, as in BuildKit
    Files.writeString(ctx.resolve("Dockerfile"), """
        FROM base/busybox:1 AS template
        ONBUILD RUN echo "from the template's trigger" > /triggered
        RUN test ! -e /triggered
        FROM template
        RUN cat /triggered > /seen
        """);
    ferry.ok("build", "-t", "staged:1", ctx.toString());
    Path staged = tmp.resolve("staged");
    ferry.ok("unpack", "staged:1", staged.toString());
    assertThat(Files.readString(staged.resolve("seen"))).isEqualTo("from the template's trigger\n");
  }

  @Test
  void build_baseImageTriggersCopyingFromChildStages_buildThoseStagesFirst_likeBuildah() throws Exception {
    // the triggers name stages of the child's Dockerfile that nothing else in it needs: only the re-planning after
    // the base image is read builds them
    String parent = """
        WORKDIR /app
        ONBUILD COPY --from=assets /made /app/made
        ONBUILD COPY --from=tools /t/tool /app/tool
        """;
    String child = """
        FROM base/busybox:1 AS assets
        RUN echo made by assets > /made
        FROM base/busybox:1 AS tools
        RUN mkdir /t && echo the tool > /t/tool
        FROM base/busybox:1 AS unused
        RUN echo never built > /unused
        FROM %s
        RUN cat /app/made /app/tool > /app/both
        """;
    Files.writeString(ctx.resolve("Dockerfile"), "FROM base/busybox:1\n" + parent);
    ferry.ok("build", "-t", "parent:2", ctx.toString());
    Files.writeString(ctx.resolve("Dockerfile"), child.formatted("parent:2"));
    Cli.Run r = ferry.ok("build", "-t", "ferry/triggered:1", "--progress", "plain", ctx.toString());
    assertThat(r.err()).contains("[stage assets 1/1] RUN echo made by assets").contains("[stage tools 1/1] RUN")
        .doesNotContain("[stage unused");
    Path out = tmp.resolve("triggered");
    ferry.ok("unpack", "ferry/triggered:1", out.toString());
    assertThat(Files.readString(out.resolve("app/both"))).isEqualTo("made by assets\nthe tool\n");
    assertThat(ferry.ok("build", "-q", "-t", "ferry/triggered:1", ctx.toString()).lastLine()).as("rebuilt cached")
        .isEqualTo(r.lastLine());

    Buildah buildah = new Buildah();
    buildah.base(rootfs, "amd64", "base/busybox:1");
    buildah.bud("FROM localhost/base/busybox:1\n" + parent, "linux/amd64", "parent:2", "--format", "docker");
    // buildah 1.28 plans before it reads the triggers and would skip the stages they name: build every stage
    buildah.build(child.formatted("localhost/parent:2").replace("FROM base/busybox:1", "FROM localhost/base/busybox:1"),
        "linux/amd64", "buildah/triggered:1", "--skip-unused-stages=false");
    assertSameImage("ferry/triggered:1", "buildah/triggered:1", "linux/amd64");
  }

  @Test
  void build_stagesStartFromTheStoresExtractedBase_whichNoStepChanges_andGcDropsItWithTheBase() throws Exception {
    // every way a step changes a stage's tree: COPY over a base file (moved into place), RUN deleting base files
    // (whiteouts, applied by extracting the layer), and a stage FROM that stage (started as a linked copy of it)
    Files.writeString(ctx.resolve("Dockerfile"), """
        FROM base/busybox:1 AS a
        COPY hello.txt /etc/passwd
        RUN rm /etc/group /bin/ls && echo appended >> /etc/passwd
        FROM a
        RUN rm -rf /etc && echo gone > /note
        COPY hello.txt /bin/busybox
        FROM base/busybox:1
        COPY --from=1 /note /bin/busybox /from-1/
        RUN cat /etc/passwd /from-1/note /from-1/busybox > /seen
        """);
    String digest = ferry.ok("build", "-q", "-t", "seeded:1", ctx.toString()).lastLine();
    Path out = tmp.resolve("seeded");
    ferry.ok("unpack", "seeded:1", out.toString());
    assertThat(Files.readString(out.resolve("seen")))
        .isEqualTo(Files.readString(rootfs.resolve("etc/passwd")) + "gone\nhello\n");
    Path base = tmp.resolve("base-unpacked");
    ferry.ok("unpack", "base/busybox:1", base.toString());
    Path cache = tmp.resolve("store/.ferry/build-rootfs");
    List<Path> entries;
    try (var e = Files.list(cache)) {
      entries = e.toList();
    }
    assertThat(entries).as("one extracted base, shared by both stages on it").hasSize(1);
    assertThat(Trees.describe(entries.get(0).resolve("root"))).as("the extracted base after the build")
        .isEqualTo(Trees.describe(base));

    // the same store's next build starts from it too, and gets the same image
    assertThat(ferry.ok("build", "-q", "--no-cache", "-t", "seeded:2", ctx.toString()).lastLine()).isEqualTo(digest);
    assertThat(Trees.describe(entries.get(0).resolve("root"))).isEqualTo(Trees.describe(base));

    ferry.ok("gc");
    assertThat(entries.get(0)).as("kept while the base's layer is in the store").exists();
    ferry.ok("rmi", "seeded:1");
    ferry.ok("rmi", "seeded:2");
    ferry.ok("rmi", "base/busybox:1");
    ferry.ok("gc");
    try (var e = Files.list(cache)) {
      assertThat(e.toList()).as("pruned with the base's layer").isEmpty();
    }
  }

  @Test
  void build_interruptedWithSigint_leavesNoContainerMountWorkDirOrImage() throws Exception {
    // two stages at once, each in a long RUN when the signal comes; unusual sleep lengths find their processes, and
    // "started-a" appears only in the RUN's output, not in its header line
    Files.writeString(ctx.resolve("Dockerfile"), """
        FROM base/busybox:1 AS a
        RUN X=started && echo $X-a && sleep 6011
        FROM base/busybox:1 AS b
        RUN X=started && echo $X-b && sleep 6012
        FROM base/busybox:1
        COPY --from=a /etc/passwd /a
        COPY --from=b /etc/passwd /b
        """);
    Path log = tmp.resolve("build.log");
    Process p = startFerry(log, "build", "--jobs", "2", "--progress", "plain", "-t", "interrupted:1", ctx.toString());
    try {
      awaitOutput(p, log, "started-a", "started-b");
      assertThat(sleepers("sleep 6011", "sleep 6012")).hasSizeGreaterThanOrEqualTo(2);
      Processes.run("kill", "-INT", Long.toString(p.pid())).ok();
      assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("the build exits after SIGINT").isTrue();
    } finally {
      p.destroyForcibly();
    }
    assertThat(p.exitValue()).as(Files.readString(log)).isEqualTo(130);

    assertThat(sleepers("sleep 6011", "sleep 6012")).as("processes of the RUN steps").isEmpty();
    assertThat(Files.readString(Path.of("/proc/mounts"))).doesNotContain(tmp.toString());
    Path work = tmp.resolve("store/.ferry/build");
    try (var left = Files.list(work)) {
      assertThat(left.toList()).as("work directories").isEmpty();
    }
    assertThat(Processes.run("runc", "list", "-q").ok().stdout()).doesNotContain("ferry-build-");
    Cli.Run fsck = ferry.run("fsck");
    assertThat(fsck.exitCode()).as(fsck.out() + fsck.err()).isZero();
    assertThat(fsck.out()).startsWith("clean");
    assertThat(ferry.ok("-q", "images").outLines()).containsExactly("docker.io/base/busybox:1");
  }

  @Test
  void build_killedWithSigkill_leavesContainerMountAndWorkDir_whichGcRemoves_butNotThoseOfARunningBuild()
      throws Exception {
    Files.writeString(ctx.resolve("Dockerfile"), "FROM base/busybox:1\nRUN X=started && echo $X-k && sleep 6021\n");
    Path killedLog = tmp.resolve("killed.log");
    Process killed = startFerry(killedLog, "build", "--progress", "plain", "-t", "killed:1", ctx.toString());
    Path work = tmp.resolve("store/.ferry/build");
    List<Path> left;
    try {
      awaitOutput(killed, killedLog, "started-k");
      try (var dirs = Files.list(work)) {
        left = dirs.filter(Files::isDirectory).toList();
      }
      Processes.run("kill", "-KILL", Long.toString(killed.pid())).ok();
      assertThat(killed.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    } finally {
      killed.destroyForcibly();
    }
    // what SIGKILL leaves: the work directory, its overlay mount, the runc container and its process
    assertThat(left).hasSize(1);
    assertThat(left.get(0)).exists();
    assertThat(Files.readString(Path.of("/proc/mounts"))).contains(left.get(0).toString());
    assertThat(sleepers("sleep 6021")).isNotEmpty();

    // a second build, running while gc runs, keeps everything it has
    Path ctx2 = Files.createDirectories(tmp.resolve("ctx2"));
    Files.writeString(ctx2.resolve("Dockerfile"), "FROM base/busybox:1\nRUN X=started && echo $X-l && sleep 6022\n");
    Path runningLog = tmp.resolve("running.log");
    Process running = startFerry(runningLog, "build", "--progress", "plain", "-t", "running:1", ctx2.toString());
    Process gc = null;
    try {
      awaitOutput(running, runningLog, "started-l");
      List<Path> live;
      try (var dirs = Files.list(work)) {
        live = dirs.filter(Files::isDirectory).filter(d -> !d.equals(left.get(0))).toList();
      }
      assertThat(live).hasSize(1);
      Path gcLog = tmp.resolve("gc.log");
      // gc removes the killed build's leftovers at once, then waits for the running build to end (the store lock)
      gc = startFerry(gcLog, "gc");
      long deadline = System.nanoTime() + 120_000_000_000L;
      while (Files.exists(left.get(0))) {
        assertThat(gc.isAlive()).as("gc waits for the running build:\n" + Files.readString(gcLog)).isTrue();
        assertThat(System.nanoTime()).as("gc removed the killed build's directory:\n" + Files.readString(gcLog))
            .isLessThan(deadline);
        Thread.sleep(50);
      }
      assertThat(sleepers("sleep 6021")).as("the killed build's RUN process").isEmpty();
      assertThat(Files.readString(Path.of("/proc/mounts"))).doesNotContain(left.get(0).toString())
          .contains(live.get(0).toString());
      assertThat(live.get(0)).exists();
      assertThat(sleepers("sleep 6022")).as("the running build's RUN process").isNotEmpty();
      assertThat(running.isAlive()).isTrue();

      Processes.run("kill", "-INT", Long.toString(running.pid())).ok();
      assertThat(running.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(gc.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(gc.exitValue()).as(Files.readString(gcLog)).isZero();
      assertThat(Files.readString(gcLog)).contains("removed 1 work directories of killed builds (1 mounts, 1 runc "
          + "containers)");
    } finally {
      running.destroyForcibly();
      if (gc != null) {
        gc.destroyForcibly();
      }
      if (running.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && running.exitValue() != 130) {
        ferry.run("gc"); // the test failed: remove what the killed processes left, as gc does when it works
      }
    }
    assertThat(Files.readString(Path.of("/proc/mounts"))).doesNotContain(tmp.toString());
    assertThat(sleepers("sleep 6021", "sleep 6022")).isEmpty();
    try (var rest = Files.list(work)) {
      assertThat(rest.toList()).as("work directories and lock files").isEmpty();
    }
    Cli.Run fsck = ferry.run("fsck");
    assertThat(fsck.exitCode()).as(fsck.out() + fsck.err()).isZero();
    assertThat(fsck.out()).startsWith("clean");
    assertThat(ferry.ok("-q", "images").outLines()).containsExactly("docker.io/base/busybox:1");
  }

  /** Starts {@code ferry ARGS} on the test's store as its own JVM, output (both streams) to {@code log}. */
  private Process startFerry(Path log, String... args) throws IOException {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(javaBin, "-cp", System.getProperty("java.class.path"),
        "dev.ferry.cli.Main", "--store", tmp.resolve("store").toString()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
  }

  /** Waits (two minutes at most) until {@code log} holds every one of {@code marks}, failing if {@code p} ends. */
  private static void awaitOutput(Process p, Path log, String... marks) throws Exception {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (!java.util.Arrays.stream(marks).allMatch(Files.readString(log)::contains)) {
      assertThat(p.isAlive()).as("the build ended early:\n" + Files.readString(log)).isTrue();
      assertThat(System.nanoTime()).as("the RUN steps started: " + List.of(marks)).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  /** The pids of processes whose command line contains one of {@code commands}, wherever they run. */
  private static List<Long> sleepers(String... commands) throws IOException {
    List<Long> out = new ArrayList<>();
    try (var procs = Files.list(Path.of("/proc"))) {
      for (Path d : procs.filter(x -> x.getFileName().toString().matches("[0-9]+")).toList()) {
        try {
          String cmd = Files.readString(d.resolve("cmdline")).replace('\0', ' ').strip();
          if (java.util.Arrays.stream(commands).anyMatch(cmd::contains)) { // sleep, or the shell running it
            out.add(Long.parseLong(d.getFileName().toString()));
          }
        } catch (IOException gone) {
          // exited while listing
        }
      }
    }
    return out;
  }

  @Test
  void build_copyLinkParentsExcludeAndXzAdd_layOutTheTree_andALinkedCopySurvivesAChangeBeforeIt() throws Exception {
    Path tree = Files.createDirectories(tmp.resolve("tree/pkg"));
    Files.writeString(tree.resolve("data"), "packed\n");
    Processes.run("tar", "-C", tmp.resolve("tree").toString(), "-cJf", ctx.resolve("pkg.tar.xz").toString(), "pkg")
        .ok();
    Files.writeString(ctx.resolve("src/skip.tmp"), "temporary\n");
    String dockerfile = """
        FROM base/busybox:1
        RUN echo %s > /one
        COPY --link --exclude=*.tmp src /app/
        COPY --parents src/deep/b /kept/
        ADD pkg.tar.xz /opt/
        """;
    Files.writeString(ctx.resolve("Dockerfile"), dockerfile.formatted("one"));
    ferry.ok("build", "-t", "flags:1", ctx.toString());
    Path out = tmp.resolve("flags");
    ferry.ok("unpack", "flags:1", out.toString());
    assertThat(Files.readString(out.resolve("app/a.sh"))).isEqualTo("echo a\n");
    assertThat(out.resolve("app/deep/b")).exists();
    assertThat(out.resolve("app/skip.tmp")).doesNotExist();
    assertThat(Files.readString(out.resolve("kept/src/deep/b"))).isEqualTo("b\n");
    assertThat(Files.readString(out.resolve("opt/pkg/data"))).isEqualTo("packed\n");

    Files.writeString(ctx.resolve("Dockerfile"), dockerfile.formatted("two"));
    Cli.Run second = ferry.ok("build", "--progress", "plain", "-t", "flags:2", ctx.toString());
    List<String> lines = second.err().lines().toList();
    int link = lines.indexOf(lines.stream().filter(l -> l.contains("] COPY --link")).findFirst().orElseThrow());
    assertThat(lines.get(link + 1)).as("the linked COPY after a changed RUN").endsWith(" CACHED");
    assertThat(second.err()).contains("(1/4 steps cached)");
    JsonNode one = JSON.readTree(ferry.ok("--json", "inspect", "flags:1").out());
    JsonNode two = JSON.readTree(ferry.ok("--json", "inspect", "flags:2").out());
    assertThat(two.path("Layers").get(2)).as("the same layer blob").isEqualTo(one.path("Layers").get(2));
  }

  /** Unpacks both images for {@code platform} and compares their trees and the config fields a user sees. */
  private void assertSameImage(String ours, String theirs, String platform) throws Exception {
    Path a0 = tmp.resolve("ours-" + ours.replaceAll("[^a-z0-9]", "_"));
    Path b0 = tmp.resolve("theirs-" + theirs.replaceAll("[^a-z0-9]", "_"));
    ferry.ok("unpack", "--platform", platform, ours, a0.toString());
    ferry.ok("unpack", "--platform", platform, theirs, b0.toString());
    Map<String, Trees.Node> a = new TreeMap<>(Trees.describe(a0));
    Map<String, Trees.Node> b = new TreeMap<>(Trees.describe(b0));
    // buildah's chroot isolation leaves the empty files it bind-mounted over, and /run, in the image
    for (String leak : List.of("etc/hostname", "etc/hosts", "etc/resolv.conf", "run")) {
      if (!a.containsKey(leak) && b.containsKey(leak) && b.get(leak).content().equals(leak.equals("run") ? ""
          : "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")) {
        b.remove(leak);
      }
    }
    assertThat(a).isEqualTo(b);

    JsonNode oi = JSON.readTree(ferry.ok("--json", "inspect", "--platform", platform, ours).out());
    JsonNode bi = JSON.readTree(ferry.ok("--json", "inspect", "--platform", platform, theirs).out());
    assertThat(oi.path("Platform").asText()).isEqualTo(bi.path("Platform").asText()).isEqualTo(platform);
    JsonNode oc = oi.path("Config");
    JsonNode bc = bi.path("Config");
    for (String field : List.of("Env", "Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts", "OnBuild")) {
      assertThat(oc.path(field).toString()).as(field).isEqualTo(bc.path(field).toString());
    }
    Map<String, String> labels = new TreeMap<>(JSON.convertValue(bc.path("Labels"), Map.class));
    labels.remove("io.buildah.version");
    assertThat(JSON.convertValue(oc.path("Labels"), Map.class)).isEqualTo(labels);
  }

  /** buildah ({@code --storage-driver vfs --isolation chroot}) in this test's own directories, the reference builder. */
  private final class Buildah {
    final Path policy;
    final Map<String, String> env;
    final List<String> base;

    Buildah() throws IOException {
      Path buildah = Peers.require("buildah");
      policy = Files.writeString(tmp.resolve("policy.json"), "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
      Path registries = Files.writeString(tmp.resolve("registries.conf"), "unqualified-search-registries = []\n");
      Path storage = Files.writeString(tmp.resolve("storage.conf"), "[storage]\ndriver = \"vfs\"\nrunroot = \""
          + tmp.resolve("run") + "\"\ngraphroot = \"" + tmp.resolve("root") + "\"\n");
      env = Map.of("STORAGE_DRIVER", "vfs", "CONTAINERS_STORAGE_CONF", storage.toString(),
          "CONTAINERS_REGISTRIES_CONF", registries.toString(), "BUILDAH_ISOLATION", "chroot");
      base = List.of(buildah.toString(), "--storage-driver", "vfs", "--root", tmp.resolve("root").toString(),
          "--runroot", tmp.resolve("run").toString());
    }

    /** Commits {@code rootfs} (owned by root) as {@code localhost/NAME} for {@code arch}. */
    void base(Path rootfs, String arch, String name) throws Exception {
      String ctr = run(base, env, "from", "--signature-policy", policy.toString(), "scratch").strip();
      run(base, env, "copy", ctr, rootfs.toString(), "/");
      run(base, env, "config", "--arch", arch, "--os", "linux",
          "--env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", ctr);
      run(base, env, "commit", "--signature-policy", policy.toString(), ctr, "localhost/" + name);
      run(base, env, "rm", ctr);
    }

    /** Builds {@code dockerfile} on the test's context for {@code platform} and imports it into Ferry's store. */
    void build(String dockerfile, String platform, String ferryName, String... options) throws Exception {
      bud(dockerfile, platform, "bud:latest", options);
      Path layout = tmp.resolve("layout-" + ferryName.replaceAll("[^a-z0-9]", "_"));
      run(base, env, "push", "--signature-policy", policy.toString(), "localhost/bud:latest", "oci:" + layout + ":x");
      ferry.ok("import", layout.toString(), "-t", ferryName);
    }

    /** Builds {@code dockerfile} on the test's context as {@code localhost/TAG} in buildah's storage. */
    void bud(String dockerfile, String platform, String tag, String... options) throws Exception {
      Path file = Files.writeString(tmp.resolve("Dockerfile.buildah"), dockerfile);
      List<String> args = new ArrayList<>(List.of("bud", "--signature-policy", policy.toString(), "--pull-never",
          "--isolation", "chroot", "--platform", platform, "-t", "localhost/" + tag, "-f", file.toString()));
      args.addAll(List.of(options));
      args.add(ctx.toString());
      run(base, env, args.toArray(String[]::new));
    }
  }

  private static String run(List<String> base, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(base);
    cmd.addAll(List.of(args));
    return Processes.run(cmd, null, env, 120).ok().stdout();
  }
}
