package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.Busybox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreCommandsTest {
  @TempDir Path tmp;
  Cli cli;
  Path rootfs;

  @BeforeEach
  void setUp() throws IOException {
    cli = new Cli(tmp.resolve("store"));
    rootfs = Files.createDirectories(tmp.resolve("rootfs"));
    Files.createDirectories(rootfs.resolve("etc"));
    Files.writeString(rootfs.resolve("etc/hello.txt"), "hello\n");
    Files.createSymbolicLink(rootfs.resolve("etc/link"), Path.of("hello.txt"));
  }

  @Test
  void images_emptyStore_printsOnlyTheHeader() {
    Cli.Run r = cli.ok("images");
    assertThat(r.outLines()).hasSize(1);
    assertThat(r.out()).startsWith("REPOSITORY");
  }

  @Test
  void fromRootfs_twice_givesTheSameDigestAndListsTheImage() {
    String d1 = cli.ok("image", "from-rootfs", rootfs.toString(), "-t", "app:1", "--platform", "linux/arm64").lastLine();
    String d2 = cli.ok("image", "from-rootfs", rootfs.toString(), "-t", "app:2", "--platform", "linux/arm64").lastLine();

    assertThat(d1).startsWith("sha256:").isEqualTo(d2);
    Cli.Run images = cli.ok("images");
    assertThat(images.out()).contains("app", "linux/arm64");
    assertThat(cli.ok("-q", "images").outLines()).containsExactly("docker.io/library/app:1", "docker.io/library/app:2");
  }

  @Test
  void inspectAndHistory_showConfigLayersAndStep() {
    cli.ok("image", "from-rootfs", rootfs.toString(), "-t", "app:1", "--cmd", "/bin/sh,-c,echo hi", "-e", "A=b", "--platform", "linux/amd64");

    Cli.Run inspect = cli.ok("inspect", "app:1");
    assertThat(inspect.out()).contains("\"Platform\" : \"linux/amd64\"", "\"A=b\"", "echo hi", "DiffIDs");
    Cli.Run history = cli.ok("history", "docker.io/library/app:1");
    assertThat(history.out()).contains("ferry image from-rootfs rootfs");
    Cli.Run json = cli.ok("--json", "history", "app:1");
    assertThat(json.out()).contains("\"createdBy\" : \"ferry image from-rootfs rootfs\"");
  }

  @Test
  void tagAndRmi_addAndRemoveNamesAndFreeBlobs() {
    cli.ok("image", "from-rootfs", rootfs.toString(), "-t", "app:1");
    cli.ok("tag", "app:1", "registry.example.com:5000/team/app:prod");

    assertThat(cli.ok("-q", "images").outLines()).contains("registry.example.com:5000/team/app:prod");
    cli.ok("rmi", "app:1");
    assertThat(cli.ok("-q", "images").outLines()).containsExactly("registry.example.com:5000/team/app:prod");
    Cli.Run rmi = cli.ok("rmi", "registry.example.com:5000/team/app:prod");
    assertThat(rmi.err()).contains("Deleted 3 blobs");
    assertThat(cli.ok("fsck").out()).startsWith("clean: 0 blobs");
  }

  @Test
  void fsck_corruptLayer_exitsOneNamingTheBlob() throws IOException {
    String digest = cli.ok("image", "from-rootfs", rootfs.toString(), "-t", "app:1").lastLine();
    assertThat(cli.ok("fsck").out()).startsWith("clean");
    String layer = cli.ok("--json", "inspect", "app:1").out().replaceAll("(?s).*\"Layers\" : \\[ \\{\\s*\"Digest\" : \"sha256:([0-9a-f]+)\".*", "$1");
    Path blob = tmp.resolve("store/blobs/sha256").resolve(layer);
    Files.write(blob, new byte[] {1, 2, 3});

    Cli.Run fsck = cli.run("fsck");

    assertThat(fsck.exitCode()).isEqualTo(1);
    assertThat(fsck.out()).contains("sha256:" + layer);
    assertThat(digest).isNotEmpty();
  }

  @Test
  void unpack_roundTripsTheTreeAndRefusesANonEmptyTarget() throws IOException {
    cli.ok("image", "from-rootfs", rootfs.toString(), "-t", "app:1");
    Path out = tmp.resolve("out");
    cli.ok("unpack", "app:1", out.toString());

    assertThat(Files.readString(out.resolve("etc/hello.txt"))).isEqualTo("hello\n");
    assertThat(Files.readSymbolicLink(out.resolve("etc/link"))).isEqualTo(Path.of("hello.txt"));
    Cli.Run again = cli.run("unpack", "app:1", out.toString());
    assertThat(again.exitCode()).isEqualTo(2);
    assertThat(again.err().strip()).isEqualTo("ferry: target directory " + out + " is not empty; unpack into a new or empty directory");
  }

  @Test
  void unpack_bundle_writesRuntimeConfigWithTheImageCommand() throws IOException {
    cli.ok("image", "from-rootfs", rootfs.toString(), "-t", "app:1", "--cmd", "/bin/echo,hi");
    Path bundle = tmp.resolve("bundle");
    cli.ok("unpack", "--bundle", "app:1", bundle.toString());

    String config = Files.readString(bundle.resolve("config.json"));
    assertThat(config).contains("\"/bin/echo\", \"hi\"").doesNotContain("cgroup");
    assertThat(bundle.resolve("rootfs/etc/hello.txt")).exists();
  }

  @Test
  void badInput_printsOneLineAndExitsWithTheRightCode() {
    Cli.Run badRef = cli.run("inspect", "Foo::bar");
    assertThat(badRef.exitCode()).isEqualTo(2);
    assertThat(badRef.err().strip()).isEqualTo("ferry: invalid image reference 'Foo::bar': repository name must be lowercase");

    Cli.Run badPlatform = cli.run("inspect", "--platform", "linux/", "app");
    assertThat(badPlatform.exitCode()).isEqualTo(2);
    assertThat(badPlatform.err()).contains("'linux/'").hasLineCount(1);

    Cli.Run missing = cli.run("inspect", "nothere:1");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err()).contains("no image named 'nothere:1'").hasLineCount(1);

    Cli.Run unknownOption = cli.run("images", "--bogus");
    assertThat(unknownOption.exitCode()).isEqualTo(2);
  }

  @Test
  void fromRootfs_busybox_isRunnableTree() throws IOException {
    Path bb = Busybox.rootfs(tmp.resolve("bb"));
    cli.ok("image", "from-rootfs", bb.toString(), "-t", "busybox:test");
    Path out = tmp.resolve("bbout");
    cli.ok("unpack", "busybox:test", out.toString());
    assertThat(Files.isExecutable(out.resolve("bin/busybox"))).isTrue();
    assertThat(Files.readSymbolicLink(out.resolve("bin/sh"))).isEqualTo(Path.of("busybox"));
  }
}
