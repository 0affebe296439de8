package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.build.debian.DebianBootstrap;
import dev.ferry.testing.Peers;
import dev.ferry.testing.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry base debian} with real mmdebstrap and the Debian mirror apt is configured with: the image has
 * Debian's files and the requested package, runs under runc, and a second build gives the same digest. Root and
 * network only: skipped with a message elsewhere, failed under CI ({@code CI} set), where both are expected.
 *
 * <p>The {@code .deb} files are cached in {@code ~/.cache/ferry/debian/bookworm-ARCH/}, so only the first run on
 * a machine downloads them (about 45 MB); each build then takes about 25-50 s, mostly dpkg.
 */
class BaseDebianIT {
  @TempDir Path tmp;
  Cli ferry;

  @BeforeEach
  void setUp() throws IOException {
    requireMmdebstrapAndMirror();
    ferry = new Cli(tmp.resolve("store"));
  }

  /** Skips (or under CI fails) unless root, mmdebstrap and apt's Debian mirror (bookworm) are there. */
  static void requireMmdebstrapAndMirror() throws IOException {
    precondition(Peers.isRoot(), "ferry base debian needs root (mmdebstrap's root mode)");
    Peers.require("mmdebstrap");
    String mirror = DebianBootstrap.detectMirror(Path.of("/etc/apt"));
    try {
      DebianBootstrap.epoch(Map.of(), mirror, "bookworm");
    } catch (IOException e) {
      precondition(false, "the Debian mirror is not reachable: " + e.getMessage());
    }
  }

  static void precondition(boolean ok, String why) {
    if (ok) {
      return;
    }
    if (Peers.required()) {
      throw new AssertionError(why);
    }
    org.junit.jupiter.api.Assumptions.abort(why);
  }

  @Test
  void bookwormWithCaCertificates_hasTheFiles_runsUnderRunc_andRebuildsToTheSameDigest() throws Exception {
    Cli.Run first = ferry.ok("base", "debian", "--suite", "bookworm", "--packages", "ca-certificates", "-t", "base/debian:bookworm");
    String digest = first.lastLine();
    assertThat(digest).startsWith("sha256:");

    Path rootfs = tmp.resolve("rootfs");
    ferry.ok("unpack", "base/debian:bookworm", rootfs.toString());
    assertThat(Files.readString(rootfs.resolve("etc/debian_version"))).startsWith("12.");
    assertThat(rootfs.resolve("usr/share/ca-certificates")).isDirectory();
    assertThat(rootfs.resolve("etc/ssl/certs/ca-certificates.crt")).isNotEmptyFile();
    String status = Files.readString(rootfs.resolve("var/lib/dpkg/status"));
    assertThat(status).contains("Package: ca-certificates\nStatus: install ok installed\n");
    // The reproducibility clean-up: no apt lists or .debs, no logs, an empty machine-id, no host resolver/name.
    try (var debs = Files.list(rootfs.resolve("var/cache/apt/archives"))) {
      assertThat(debs.map(p -> p.getFileName().toString())).allMatch(n -> !n.endsWith(".deb"));
    }
    try (var lists = Files.list(rootfs.resolve("var/lib/apt/lists"))) {
      assertThat(lists.map(p -> p.getFileName().toString())).allMatch(n -> n.equals("lock") || n.equals("partial"));
    }
    assertThat(rootfs.resolve("var/log/dpkg.log")).doesNotExist();
    assertThat(rootfs.resolve("etc/resolv.conf")).doesNotExist();
    assertThat(rootfs.resolve("etc/hostname")).doesNotExist();
    if (Files.exists(rootfs.resolve("etc/machine-id"))) {
      assertThat(rootfs.resolve("etc/machine-id")).isEmptyFile();
    }
    assertThat(rootfs.resolve("dev")).isEmptyDirectory();

    String config = ferry.ok("inspect", "--config", "base/debian:bookworm").out();
    assertThat(config).contains("\"bash\"", "org.opencontainers.image.base.name", "debian:bookworm", "ca-certificates");

    Path bundle = tmp.resolve("bundle");
    ferry.ok("unpack", "--bundle", "base/debian:bookworm", bundle.toString());
    Processes.Result run = runc(bundle, List.of("cat", "/etc/debian_version"));
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.stdout()).startsWith("12.");

    Cli.Run second = ferry.ok("base", "debian", "--suite", "bookworm", "--packages", "ca-certificates", "-t", "base/debian:again");
    assertThat(second.lastLine()).as("a second build of the same suite and packages").isEqualTo(digest);
  }

  /**
   * arm64 on an amd64 machine: mmdebstrap runs the maintainer scripts through QEMU (binfmt_misc), which takes about
   * 3.5 minutes here (most of it dpkg under emulation), so it runs only with {@code FERRY_SLOW_TESTS=1}.
   */
  @Test
  void bookwormArm64_throughQemu_runsUnderRunc_andTakesAnArm64Run() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue("1".equals(System.getenv("FERRY_SLOW_TESTS")),
        "about 3.5 minutes under QEMU; set FERRY_SLOW_TESTS=1 to run it");
    dev.ferry.testing.Busybox.requireEmulation("aarch64");
    ferry.ok("base", "debian", "--suite", "bookworm", "--platform", "linux/arm64", "-t", "base/debian:arm64");
    Path bundle = tmp.resolve("arm-bundle");
    ferry.ok("unpack", "--bundle", "base/debian:arm64", bundle.toString());
    Processes.Result run = runc(bundle, List.of("sh", "-c", "uname -m; dpkg --print-architecture"));
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.stdout()).isEqualTo("aarch64\narm64\n");

    Path ctx = Files.createDirectories(tmp.resolve("ctx"));
    Files.writeString(ctx.resolve("Dockerfile"), "FROM base/debian:arm64\nRUN dpkg --print-architecture > /arch\n");
    ferry.ok("build", "--platform", "linux/arm64", "-t", "deb-arm:1", ctx.toString());
    Path out = tmp.resolve("deb-arm");
    ferry.ok("unpack", "deb-arm:1", out.toString());
    assertThat(Files.readString(out.resolve("arch"))).isEqualTo("arm64\n");
  }

  private Processes.Result runc(Path bundle, List<String> args) throws Exception {
    Path runc = Peers.require("runc");
    ObjectMapper json = new ObjectMapper();
    ObjectNode spec = (ObjectNode) json.readTree(bundle.resolve("config.json").toFile());
    ObjectNode process = (ObjectNode) spec.get("process");
    process.put("terminal", false);
    process.putArray("args").addAll(args.stream().map(json.getNodeFactory()::textNode).toList());
    json.writeValue(bundle.resolve("config.json").toFile(), spec);
    Path state = Files.createDirectories(tmp.resolve("runc-state"));
    String id = "ferry-debian-" + UUID.randomUUID().toString().substring(0, 8);
    try {
      return Processes.run(
          List.of(runc.toString(), "--root", state.toString(), "run", "--bundle", bundle.toString(), id), null, Map.of(), 60);
    } finally {
      Processes.run(runc.toString(), "--root", state.toString(), "delete", "-f", id);
    }
  }
}
