package dev.ferry.build.debian;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.oci.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DebianBootstrapTest {
  @TempDir Path tmp;

  private static DebianBootstrap.Request request(String suite, List<String> packages, String mirror, String variant) {
    return new DebianBootstrap.Request(suite, packages, mirror, variant, List.of("main"), Optional.empty(), "amd64");
  }

  @Test
  void detectMirror_deb822Sources_firstUriOfFirstDebStanza() throws IOException {
    Path apt = Files.createDirectories(tmp.resolve("apt/sources.list.d"));
    Files.writeString(
        apt.resolve("debian.sources"),
        "Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n\n"
            + "Types: deb\n# a comment: http://snapshot.debian.org/x\nURIs: http://mirror.internal/debian/ http://other/debian\n"
            + "Suites: bookworm bookworm-updates\nComponents: main\n");
    Files.writeString(apt.resolve("zz.list"), "deb http://later.example/debian bookworm main\n");

    assertThat(DebianBootstrap.detectMirror(tmp.resolve("apt"))).isEqualTo("http://mirror.internal/debian");
  }

  @Test
  void detectMirror_disabledStanzaSkipped_fallsBackToSourcesList() throws IOException {
    Path apt = Files.createDirectories(tmp.resolve("apt/sources.list.d"));
    Files.writeString(apt.resolve("a.sources"), "Enabled: no\nTypes: deb\nURIs: http://off.example/debian\n");
    Files.writeString(
        tmp.resolve("apt/sources.list"),
        "# deb http://commented.example/debian bookworm main\ndeb-src http://src.example/debian bookworm main\n"
            + "deb [arch=amd64 signed-by=/k.gpg] https://pkgs.internal/debian bookworm main\n");

    assertThat(DebianBootstrap.detectMirror(tmp.resolve("apt"))).isEqualTo("https://pkgs.internal/debian");
  }

  @Test
  void detectMirror_nothingConfigured_debDebianOrg() {
    assertThat(DebianBootstrap.detectMirror(tmp.resolve("no-apt"))).isEqualTo("http://deb.debian.org/debian");
  }

  @Test
  void releaseDate_inReleaseHeader_parsed() {
    String inRelease =
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nOrigin: Debian\nSuite: oldstable\nCodename: bookworm\n"
            + "Date: Sat, 10 Jan 2026 10:49:19 UTC\nAcquire-By-Hash: yes\n";

    assertThat(DebianBootstrap.releaseDate(inRelease)).contains(Instant.parse("2026-01-10T10:49:19Z"));
    assertThat(DebianBootstrap.releaseDate("Origin: x\n")).isEmpty();
  }

  @Test
  void epoch_sourceDateEpochSet_usedWithoutAskingTheMirror() throws IOException {
    assertThat(DebianBootstrap.epoch(Map.of("SOURCE_DATE_EPOCH", "1700000000"), "http://127.0.0.1:9/debian", "bookworm"))
        .isEqualTo(Instant.ofEpochSecond(1700000000));
    assertThatThrownBy(() -> DebianBootstrap.epoch(Map.of("SOURCE_DATE_EPOCH", "yesterday"), "http://x/debian", "bookworm"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("yesterday");
  }

  @Test
  void epoch_fileMirror_releaseDateOrUnknownSuite() throws IOException {
    Path dists = Files.createDirectories(tmp.resolve("mirror/dists/bookworm"));
    Files.writeString(dists.resolve("Release"), "Origin: Debian\nDate: Sat, 10 Jun 2023 08:55:03 UTC\n");
    String mirror = tmp.resolve("mirror").toUri().toString();

    assertThat(DebianBootstrap.epoch(Map.of(), mirror, "bookworm")).isEqualTo(Instant.parse("2023-06-10T08:55:03Z"));
    assertThatThrownBy(() -> DebianBootstrap.epoch(Map.of(), mirror, "bookwrom"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no suite 'bookwrom'");
  }

  @Test
  void epoch_unreachableMirror_oneLineNamingIt() {
    assertThatThrownBy(() -> DebianBootstrap.epoch(Map.of(), "http://127.0.0.1:9/debian", "bookworm"))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("cannot reach the mirror at http://127.0.0.1:9/debian/dists/bookworm/InRelease")
        .hasMessageNotContaining("\n");
  }

  @Test
  void request_badValues_refusedQuotingThem() {
    assertThatThrownBy(() -> request("Bookworm!", List.of(), "http://m/debian", "minbase"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'Bookworm!'");
    assertThatThrownBy(() -> request("bookworm", List.of("python3", "rm -rf"), "http://m/debian", "minbase"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'rm -rf'");
    assertThatThrownBy(() -> request("bookworm", List.of(), "ftp://m/debian", "minbase"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ftp://m/debian");
    assertThatThrownBy(() -> request("bookworm", List.of(), "http://m/debian", "tiny"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'tiny'");
    assertThat(request("bookworm", List.of("python3", "libc6:amd64", "curl=7.88.1-10"), "http://m/debian/", "apt").mirror())
        .isEqualTo("http://m/debian");
  }

  @Test
  void debianArch_ociPlatforms_mapped() {
    assertThat(DebianBootstrap.debianArch(Platform.parse("linux/amd64"))).isEqualTo("amd64");
    assertThat(DebianBootstrap.debianArch(Platform.parse("linux/arm64"))).isEqualTo("arm64");
    assertThat(DebianBootstrap.debianArch(Platform.parse("linux/arm/v7"))).isEqualTo("armhf");
    assertThat(DebianBootstrap.debianArch(Platform.parse("linux/ppc64le"))).isEqualTo("ppc64el");
    assertThatThrownBy(() -> DebianBootstrap.debianArch(Platform.parse("windows/amd64")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DebianBootstrap.debianArch(Platform.parse("linux/sparc")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no Debian port");
  }

  @Test
  void checkCanRun_foreignArchWithoutBinfmt_namesQemuUserStatic() throws IOException {
    Path binfmt = Files.createDirectories(tmp.resolve("binfmt_misc"));
    DebianBootstrap.checkCanRun("amd64", "amd64", binfmt);
    assertThatThrownBy(() -> DebianBootstrap.checkCanRun("arm64", "amd64", binfmt))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("qemu-aarch64")
        .hasMessageContaining("apt-get install qemu-user-static");
    Files.writeString(binfmt.resolve("qemu-aarch64"), "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: PF\n");
    DebianBootstrap.checkCanRun("arm64", "amd64", binfmt);
  }

  @Test
  void command_cachesDebsAndDropsHostFiles() {
    DebianBootstrap b = new DebianBootstrap(Path.of("/usr/bin/mmdebstrap"), tmp, l -> {});
    List<String> c =
        b.command(request("bookworm", List.of("python3", "ca-certificates"), "http://m/debian", "minbase"),
            Path.of("/w/rootfs"), Path.of("/c/bookworm-amd64"));

    assertThat(c)
        .startsWith("/usr/bin/mmdebstrap", "--variant=minbase", "--architectures=amd64", "--format=directory")
        .contains("--include=python3,ca-certificates", "--skip=essential/unlink",
            "--setup-hook=sync-in /c/bookworm-amd64 /var/cache/apt/archives/",
            "--customize-hook=sync-out /var/cache/apt/archives /c/bookworm-amd64")
        .endsWith("bookworm", "/w/rootfs", "http://m/debian");
  }

  @Test
  void findMmdebstrap_notOnPath_empty() throws IOException {
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path fake = Files.writeString(bin.resolve("mmdebstrap"), "#!/bin/sh\n");
    fake.toFile().setExecutable(true);
    assertThat(DebianBootstrap.findMmdebstrap(Map.of("PATH", bin.toString()))).contains(fake);
    // Besides PATH only /usr/sbin and /sbin are searched (Debian installs mmdebstrap in /usr/bin).
    assertThat(DebianBootstrap.findMmdebstrap(Map.of("PATH", tmp.resolve("empty").toString()))).isEmpty();
  }

  @Test
  void deleteTree_removesEverythingWithoutFollowingLinks() throws IOException {
    Path outside = Files.writeString(tmp.resolve("outside"), "keep");
    Path root = Files.createDirectories(tmp.resolve("root/a/b"));
    Files.writeString(root.resolve("f"), "x");
    Files.createSymbolicLink(tmp.resolve("root/link"), outside);
    Files.createSymbolicLink(tmp.resolve("root/dirlink"), tmp);

    DebianBootstrap.deleteTree(tmp.resolve("root"));

    assertThat(tmp.resolve("root")).doesNotExist();
    assertThat(outside).hasContent("keep");
  }
}
