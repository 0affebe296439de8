package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.PythonWheels;
import dev.ferry.testing.SimpleIndexServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry python wheelhouse} against a real simple index (python3 http.server on 127.0.0.1, PEP 503 HTML with
 * Basic auth, and PEP 691 JSON) and {@code --find-links}: real wheels (pip/gcc-built and Debian's), one wheelhouse
 * per target, hashes enforced, errors that name the package.
 */
class PythonWheelhouseIT {
  static final String X86 = "cp311-manylinux_2_36_x86_64";
  static final String ARM = "cp311-manylinux_2_36_aarch64";

  @TempDir Path tmp;
  Cli ferry;
  Path demo;
  Path fast;
  Path fastArm;
  List<Path> debian;

  @BeforeEach
  void setUp() throws Exception {
    PythonWheels.require();
    ferry = new Cli(tmp.resolve("store"));
    demo = PythonWheels.pure(tmp, "ferrydemo", "1.0");
    fast = PythonWheels.extension(tmp, "fastsum", "2.0");
    // the same extension under an aarch64 name: selection is by file name, and the test only checks which file
    // each target's wheelhouse gets (no aarch64 compiler is needed)
    fastArm = Files.createDirectories(tmp.resolve("arm")).resolve(fast.getFileName().toString().replace("x86_64", "aarch64"));
    Files.copy(fast, fastArm);
    debian = PythonWheels.debian();
  }

  private Path requirements(List<Path> wheels) throws Exception {
    StringBuilder sb = new StringBuilder("# locked by hand for the test\n");
    for (String project : List.of("ferrydemo==1.0", "fastsum==2.0", "wheel==0.38.4")) {
      String name = project.substring(0, project.indexOf('='));
      sb.append(project).append(" \\\n");
      for (Path w : wheels) {
        if (w.getFileName().toString().startsWith(name + "-")) {
          sb.append("    --hash=sha256:").append(SimpleIndexServer.sha256(w)).append(" \\\n");
        }
      }
      sb.setLength(sb.length() - 3);
      sb.append('\n');
    }
    // excluded by its marker on every target: never looked up
    sb.append("pywin32==306 ; sys_platform == \"win32\" --hash=sha256:").append("0".repeat(64)).append('\n');
    Path f = tmp.resolve("requirements.txt");
    Files.writeString(f, sb.toString());
    return f;
  }

  private List<Path> allWheels() {
    List<Path> all = new ArrayList<>(List.of(demo, fast, fastArm));
    all.addAll(debian);
    return all;
  }

  @Test
  void wheelhouse_htmlIndexWithBasicAuth_onePerTarget_credentialsNeverPrinted() throws Exception {
    try (SimpleIndexServer index = SimpleIndexServer.start(tmp.resolve("index"), allWheels(), "alice:s3cret-pw", false)) {
      Path req = requirements(allWheels());
      Path out = tmp.resolve("wh");
      Cli.Run r = ferry.ok("python", "wheelhouse", req.toString(), "-o", out.toString(), "--target", X86, "--target", ARM,
          "-i", index.url("alice:s3cret-pw"), "-t", "wheels/demo:1");

      assertThat(r.out() + r.err()).doesNotContain("s3cret-pw");
      assertThat(names(out.resolve(X86))).containsExactlyInAnyOrder("ferrydemo-1.0-py3-none-any.whl",
          fast.getFileName().toString(), "wheel-0.38.4-py3-none-any.whl", "wheelhouse.json");
      assertThat(names(out.resolve(ARM))).contains(fastArm.getFileName().toString())
          .doesNotContain(fast.getFileName().toString());
      String manifest = Files.readString(out.resolve(X86).resolve("wheelhouse.json"));
      assertThat(manifest).contains("\"target\" : \"" + X86 + "\"", SimpleIndexServer.sha256(fast))
          .doesNotContain("s3cret-pw");
      // named in the store as an index of wheelhouse artifacts, one per target
      String inspect = ferry.ok("inspect", "--raw", "wheels/demo:1").out();
      assertThat(inspect).contains("linux/amd64".substring(6), "arm64", X86, ARM);

      // without credentials the index refuses, in one line (a fresh store: this one has every locked file already,
      // so it would not need to ask the index at all)
      Cli.Run denied = new Cli(tmp.resolve("store2")).run("-q", "python", "wheelhouse", req.toString(), "-o", tmp.resolve("wh2").toString(),
          "--target", X86, "-i", index.url(null));
      assertThat(denied.exitCode()).isEqualTo(1);
      assertThat(denied.err()).contains("HTTP 401").hasLineCount(1);
    }
  }

  @Test
  void wheelhouse_pylockFromJsonIndex_thenInstalledImageRunsTheConsoleScript() throws Exception {
    try (SimpleIndexServer index = SimpleIndexServer.start(tmp.resolve("index"), allWheels(), null, true)) {
      StringBuilder toml = new StringBuilder("lock-version = \"1.0\"\ncreated-by = \"test\"\n");
      for (Path w : List.of(demo, fast)) {
        String fn = w.getFileName().toString();
        String[] p = fn.split("-");
        toml.append("\n[[packages]]\nname = \"").append(p[0]).append("\"\nversion = \"").append(p[1]).append("\"\n")
            .append("index = \"").append(index.url(null)).append("\"\n")
            .append("wheels = [{ name = \"").append(fn).append("\", hashes = { sha256 = \"")
            .append(SimpleIndexServer.sha256(w)).append("\" } }]\n");
      }
      Path lock = tmp.resolve("pylock.toml");
      Files.writeString(lock, toml.toString());
      Path out = tmp.resolve("wh");
      ferry.ok("python", "wheelhouse", lock.toString(), "-o", out.toString(), "--target", X86, "-i", index.url(null));
      assertThat(names(out.resolve(X86))).contains("ferrydemo-1.0-py3-none-any.whl", fast.getFileName().toString());
      assertThat(Files.readString(index.root().resolve("server.log"))).isEmpty();

      // the wheelhouse root (one directory per target) goes straight into the image
      org.junit.jupiter.api.Assumptions.assumeTrue(dev.ferry.testing.Peers.isRoot(), "runc needs root here");
      PythonBaseImage.importInto(ferry, "pybase:1");
      ferry.ok("python", "install", "--image", "pybase:1", "--wheelhouse", out.toString(), "-t", "app:1");
      Path bundle = tmp.resolve("bundle");
      ferry.ok("unpack", "--bundle", "app:1", bundle.toString());
      try (RuncContainers runc = new RuncContainers(tmp)) {
        var r = runc.run(bundle, "sh", "-c", "ferrydemo-hello from-lock && python3 -c 'import fastsum; print(fastsum.add(1, 2))'");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo("hello from ferrydemo 1.0 from-lock\n3\n");
      }
      String direct = Files.readString(bundle.resolve(
          "rootfs/usr/local/lib/python3.11/dist-packages/ferrydemo-1.0.dist-info/direct_url.json"));
      assertThat(direct).contains(index.url(null).replace("/simple/", "/files/ferrydemo-1.0-py3-none-any.whl"));
    }
  }

  @Test
  void wheelhouse_lockAlreadyInTheStore_secondRunAsksTheIndexNothing_andAChangedLockAsksAgain() throws Exception {
    try (SimpleIndexServer index = SimpleIndexServer.start(tmp.resolve("index"), allWheels(), null, false)) {
      Path req = requirements(allWheels());
      Path out = tmp.resolve("wh");
      ferry.ok("python", "wheelhouse", req.toString(), "-o", out.toString(), "--target", X86, "--target", ARM,
          "-i", index.url(null));
      List<String> first = index.requests();
      assertThat(first).contains("/simple/ferrydemo/", "/files/" + demo.getFileName());

      // every hash of the lock is a blob in the store, with the file names seen the first time: no page, no download
      Path again = tmp.resolve("wh2");
      ferry.ok("python", "wheelhouse", req.toString(), "-o", again.toString(), "--target", X86, "-i", index.url(null));
      assertThat(index.requests()).hasSameSizeAs(first);
      assertThat(names(again.resolve(X86))).containsExactlyInAnyOrder("ferrydemo-1.0-py3-none-any.whl",
          fast.getFileName().toString(), "wheel-0.38.4-py3-none-any.whl", "wheelhouse.json");
      assertThat(Files.readString(again.resolve(X86).resolve("wheelhouse.json")))
          .isEqualTo(Files.readString(out.resolve(X86).resolve("wheelhouse.json")));

      // a blob gone from the store (gc) means the index is asked again for that package, and the file fetched
      Path demoBlob = tmp.resolve("store/blobs/sha256").resolve(SimpleIndexServer.sha256(demo));
      Files.delete(demoBlob);
      ferry.ok("python", "wheelhouse", req.toString(), "-o", tmp.resolve("wh3").toString(), "--target", X86,
          "-i", index.url(null));
      assertThat(index.requests().subList(first.size(), index.requests().size()))
          .containsExactlyInAnyOrder("/simple/ferrydemo/", "/files/" + demo.getFileName());
      assertThat(demoBlob).exists();
    }
  }

  @Test
  void wheelhouse_pylockGivingEveryUrl_fetchesTheFilesWithoutIndexPages() throws Exception {
    try (SimpleIndexServer index = SimpleIndexServer.start(tmp.resolve("index"), allWheels(), null, true)) {
      String files = index.url(null).replace("/simple/", "/files/");
      Path lock = tmp.resolve("pylock.toml");
      Files.writeString(lock, "lock-version = \"1.0\"\ncreated-by = \"test\"\n\n[[packages]]\nname = \"ferrydemo\"\n"
          + "version = \"1.0\"\nwheels = [{ name = \"" + demo.getFileName() + "\", url = \"" + files + demo.getFileName()
          + "\", hashes = { sha256 = \"" + SimpleIndexServer.sha256(demo) + "\" } }]\n");
      ferry.ok("python", "wheelhouse", lock.toString(), "-o", tmp.resolve("wh").toString(), "--target", X86,
          "-i", index.url(null));
      assertThat(index.requests()).containsExactly("/files/" + demo.getFileName());
      assertThat(names(tmp.resolve("wh").resolve(X86))).contains(demo.getFileName().toString());
    }
  }

  @Test
  void wheelhouse_fileDiffersFromLock_refusedNamingPackageAndBothHashes_nothingStored() throws Exception {
    try (SimpleIndexServer index = SimpleIndexServer.start(tmp.resolve("index"), allWheels(), null, false)) {
      Path req = requirements(allWheels());
      // the index now serves other bytes under the same name (its page still shows the old hash)
      byte[] other = Files.readAllBytes(debian.get(0));
      index.replaceFile("wheel-0.38.4-py3-none-any.whl", other);
      String served = SimpleIndexServer.sha256(debian.get(0));
      Cli.Run r = ferry.run("python", "wheelhouse", req.toString(), "-o", tmp.resolve("wh").toString(),
          "--target", X86, "-i", index.url(null));

      assertThat(r.exitCode()).isEqualTo(1);
      assertThat(r.err()).contains("hash mismatch for wheel 0.38.4", "sha256:" + served,
          "sha256:" + SimpleIndexServer.sha256(debian.stream().filter(p -> p.getFileName().toString().startsWith("wheel-")).findFirst().orElseThrow()));
      assertThat(Files.readString(tmp.resolve("store/index.json"))).doesNotContain("manifests\":[{");
      assertThat(tmp.resolve("wh").resolve(X86)).doesNotExist();
    }
  }

  @Test
  void wheelhouse_onlyOtherPlatformOrSdist_errorNamesPackageTargetAndClosestTags() throws Exception {
    Path links = Files.createDirectories(tmp.resolve("links"));
    Files.copy(fastArm, links.resolve(fastArm.getFileName()));
    Path req = tmp.resolve("req.txt");
    Files.writeString(req, "fastsum==2.0 --hash=sha256:" + SimpleIndexServer.sha256(fastArm) + "\n");

    Cli.Run r = ferry.run("-q", "python", "wheelhouse", req.toString(), "-o", tmp.resolve("wh").toString(),
        "--target", X86, "-f", links.toString());

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("no compatible wheel of fastsum 2.0 for target " + X86,
        "closest tags that exist: cp311-cp311-linux_aarch64").hasLineCount(1);

    Files.writeString(links.resolve("onlysdist-1.0.tar.gz"), "not really");
    Files.writeString(req, "onlysdist==1.0 --hash=sha256:" + "0".repeat(64) + "\n");
    Cli.Run sdist = ferry.run("python", "wheelhouse", req.toString(), "-o", tmp.resolve("wh").toString(),
        "--target", X86, "-f", links.toString());
    assertThat(sdist.err()).contains("no compatible wheel of onlysdist 1.0", "only a source distribution exists");
  }

  @Test
  void wheelhouse_unpinnedOrUnhashedLock_refusedWithTheLine() throws Exception {
    Path req = tmp.resolve("req.txt");
    Files.writeString(req, "requests>=2\n");
    Cli.Run r = ferry.run("python", "wheelhouse", req.toString(), "-o", tmp.resolve("wh").toString(), "--target", X86,
        "-f", tmp.toString());
    assertThat(r.err()).contains("req.txt:1: requests is not pinned with ==");
    Files.writeString(req, "requests==2.31.0\n");
    r = ferry.run("python", "wheelhouse", req.toString(), "-o", tmp.resolve("wh").toString(), "--target", X86,
        "-f", tmp.toString());
    assertThat(r.err()).contains("requests==2.31.0 has no --hash=sha256");
  }

  private static List<String> names(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }
}
