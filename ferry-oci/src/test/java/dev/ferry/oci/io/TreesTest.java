package dev.ferry.oci.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreesTest {
  @Test
  void delete_removesTreeButNeverFollowsLinks(@TempDir Path tmp) throws Exception {
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("keep.txt"), "keep");
    Path tree = Files.createDirectories(tmp.resolve("tree/a/b"));
    Files.writeString(tree.resolve("f.txt"), "x");
    Files.createSymbolicLink(tmp.resolve("tree/a/link"), outside);
    Files.createSymbolicLink(tmp.resolve("tree/dangling"), tmp.resolve("nowhere"));

    Trees.delete(tmp.resolve("tree"));

    assertThat(tmp.resolve("tree")).doesNotExist();
    assertThat(outside.resolve("keep.txt")).hasContent("keep");
  }

  @Test
  void delete_absentOrLinkItself(@TempDir Path tmp) throws Exception {
    Trees.delete(tmp.resolve("absent")); // nothing to do, no error
    Path dir = Files.createDirectories(tmp.resolve("dir"));
    Files.writeString(dir.resolve("f"), "x");
    Path link = Files.createSymbolicLink(tmp.resolve("link"), dir);
    assertThat(Trees.deleteQuietly(link)).isTrue();
    assertThat(link).doesNotExist();
    assertThat(dir.resolve("f")).hasContent("x");
  }
}
