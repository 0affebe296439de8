package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.testing.Busybox;
import dev.ferry.testing.Peers;
import dev.ferry.testing.Processes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * umoci and Ferry unpack the same Ferry-written image to the same tree: type, permission bits, owner, content,
 * symlink target and hard-link grouping of every path, whiteouts and opaque directories applied alike. Root only
 * (owners other than the caller's, and umoci without {@code --rootless}).
 */
class UmociInteropIT {
  @TempDir Path tmp;
  Path umoci;
  Path store;
  Cli ferry;

  @BeforeEach
  void setUp() {
    assumeTrue(Peers.isRoot(), "the tree has files owned by 1000:1000 and a setuid file; that needs root");
    umoci = Peers.require("umoci");
    store = tmp.resolve("store");
    ferry = new Cli(store);
  }

  @Test
  void unpack_oneLayerWithVariedContent_umociAndFerryGiveTheSourceTree() throws Exception {
    Path source = variedRootfs(tmp.resolve("source"));
    ferry.ok("image", "from-rootfs", source.toString(), "-t", "x:1");

    Map<String, Trees.Node> byUmoci = Trees.describe(umociUnpack("docker.io/library/x:1"));
    Map<String, Trees.Node> byFerry = Trees.describe(ferryUnpack("x:1"));

    Map<String, Trees.Node> expected = Trees.describe(source);
    assertThat(expected)
        .containsEntry("usr/bin/suid", new Trees.Node("file", "4755", 0, 0, Trees.sha256(source.resolve("usr/bin/suid")), ""))
        .containsKey(longName());
    assertThat(expected.get("home/user/owned")).extracting(Trees.Node::uid, Trees.Node::gid).containsExactly(1000L, 1000L);
    assertThat(expected.get("data/b").linkGroup()).isEqualTo("data/a");
    assertThat(byUmoci).isEqualTo(expected);
    assertThat(byFerry).isEqualTo(expected);
    assertThat(ferry.ok("fsck").out()).startsWith("clean");
  }

  @Test
  void unpack_diffLayerWithWhiteoutsAndOpaqueDir_umociAndFerryAgreeWhatIsGone() throws Exception {
    Path lower = variedRootfs(tmp.resolve("lower"));
    Files.writeString(lower.resolve("etc/remove-me"), "going away\n");
    Files.createDirectories(lower.resolve("olddir/sub"));
    Files.writeString(lower.resolve("olddir/sub/file"), "old\n");
    Files.createDirectories(lower.resolve("opq"));
    Files.writeString(lower.resolve("opq/a"), "a\n");
    Files.writeString(lower.resolve("opq/b"), "b\n");
    Path upper = tmp.resolve("upper");
    // cp -a keeps times, owners, modes and hard links, so the diff holds only what the test changes.
    Processes.run("cp", "-a", lower.toString(), upper.toString()).ok();
    Files.delete(upper.resolve("etc/remove-me"));
    Processes.run("rm", "-rf", upper.resolve("olddir").toString()).ok();
    Files.delete(upper.resolve("opq/a"));
    Files.delete(upper.resolve("opq/b"));
    Files.writeString(upper.resolve("opq/c"), "c\n");
    Files.writeString(upper.resolve("etc/added"), "new in layer 2\n");

    TestImages.Layer diff = TestImages.diffOf(lower, upper);
    assertThat(entryNames(diff.blob())).contains("etc/.wh.remove-me", ".wh.olddir", "opq/.wh..wh..opq", "opq/c", "etc/added");
    TestImages.put(store, "two:1", List.of(TestImages.layerOf(lower), diff), List.of("/bin/sh"));

    Map<String, Trees.Node> byUmoci = Trees.describe(umociUnpack("docker.io/library/two:1"));
    Map<String, Trees.Node> byFerry = Trees.describe(ferryUnpack("two:1"));

    assertThat(byFerry).doesNotContainKeys("etc/remove-me", "olddir", "olddir/sub/file", "opq/a", "opq/b").containsKeys("opq/c", "etc/added");
    assertThat(byUmoci).isEqualTo(byFerry);
    assertThat(byFerry).isEqualTo(Trees.describe(upper));
  }

  /**
   * busybox plus a setuid file, a file and directory owned by 1000:1000, a hard-link pair, an absolute symlink, a
   * 0700 directory, a sticky 1777 directory, an empty file, and a 120-character name in a deep path.
   */
  private static Path variedRootfs(Path root) throws Exception {
    Busybox.rootfs(root);
    Path bin = Files.createDirectories(root.resolve("usr/bin"));
    Files.writeString(bin.resolve("suid"), "#!/bin/sh\necho setuid\n");
    chmod("4755", bin.resolve("suid"));
    Path home = Files.createDirectories(root.resolve("home/user"));
    Files.writeString(home.resolve("owned"), "mine\n");
    Processes.run("chown", "-R", "1000:1000", home.toString()).ok();
    Path data = Files.createDirectories(root.resolve("data"));
    Files.writeString(data.resolve("a"), "linked content\n");
    Files.createLink(data.resolve("b"), data.resolve("a"));
    Files.createSymbolicLink(root.resolve("etc/localtime"), Path.of("/usr/share/zoneinfo/UTC"));
    Path secret = Files.createDirectories(root.resolve("root/secret"));
    Files.writeString(secret.resolve("key"), "k\n");
    chmod("0700", secret);
    chmod("1777", root.resolve("tmp"));
    Files.createFile(root.resolve("etc/empty"));
    Path deep = root.resolve(longName());
    Files.createDirectories(deep.getParent());
    Files.writeString(deep, "deep\n");
    return root;
  }

  private static String longName() {
    return "deep/level-one/level-two/level-three/level-four/" + "n".repeat(120) + ".txt";
  }

  private static void chmod(String mode, Path p) throws Exception {
    Processes.run("chmod", mode, p.toString()).ok();
  }

  private Path umociUnpack(String name) throws Exception {
    Path bundle = tmp.resolve("umoci-bundle");
    Processes.run(umoci.toString(), "unpack", "--image", store + ":" + name, bundle.toString()).ok();
    return bundle.resolve("rootfs");
  }

  private Path ferryUnpack(String ref) {
    Path out = tmp.resolve("ferry-out");
    ferry.ok("unpack", ref, out.toString());
    return out;
  }

  private static List<String> entryNames(byte[] gzipTar) throws IOException {
    List<String> names = new ArrayList<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new GzipCompressorInputStream(new ByteArrayInputStream(gzipTar)))) {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        names.add(e.getName());
      }
    }
    return names;
  }
}
