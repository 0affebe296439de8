package dev.ferry.oci.layer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerDiffTest {
  /** Later than every test file, so clamping keeps real modification times and trees compare exactly. */
  private static final LayerWriter WRITER =
      LayerWriter.builder().epoch(Instant.parse("2200-01-01T00:00:00Z")).build();

  @TempDir Path tmp;
  private Path lower;
  private Path upper;

  @BeforeEach
  void setUp() throws Exception {
    lower = tmp.resolve("lower");
    Layers.write(lower.resolve("etc/config"), "v1");
    Layers.write(lower.resolve("etc/same-size"), "aaaa");
    Layers.write(lower.resolve("etc/unchanged"), "keep");
    Layers.write(lower.resolve("var/cache/big/1"), "1");
    Layers.write(lower.resolve("var/cache/big/2"), "2");
    Layers.write(lower.resolve("opt/app/old-a"), "a");
    Layers.write(lower.resolve("opt/app/old-b"), "b");
    Layers.write(lower.resolve("becomes-dir"), "file");
    Layers.write(lower.resolve("becomes-file/child"), "child");
    Layers.write(lower.resolve("bin/tool"), "tool");
    Files.createSymbolicLink(lower.resolve("bin/link"), Path.of("tool"));
    for (Path p : List.of(lower.resolve("etc/same-size"), lower.resolve("etc/unchanged"))) {
      Layers.setMtime(p, 1_600_000_000);
    }
    upper = tmp.resolve("upper");
    Layers.run("cp", "-a", lower.toString(), upper.toString());
  }

  private void change() throws Exception {
    Files.writeString(upper.resolve("etc/config"), "version 2");
    Files.writeString(upper.resolve("etc/same-size"), "bbbb");
    Files.writeString(upper.resolve("etc/new"), "new");
    Files.setAttribute(upper.resolve("bin/tool"), "unix:mode", 04755);
    Files.delete(upper.resolve("bin/link"));
    Files.createSymbolicLink(upper.resolve("bin/link"), Path.of("/usr/bin/other"));
    Layers.run("rm", "-r", upper.resolve("var/cache/big").toString());
    Layers.run("rm", "-r", upper.resolve("opt/app/old-a").toString(), upper.resolve("opt/app/old-b").toString());
    Layers.write(upper.resolve("opt/app/fresh"), "fresh");
    Files.delete(upper.resolve("becomes-dir"));
    Layers.write(upper.resolve("becomes-dir/inside"), "inside");
    Layers.run("rm", "-r", upper.resolve("becomes-file").toString());
    Files.writeString(upper.resolve("becomes-file"), "now a file");
    Layers.write(upper.resolve("links/one"), "shared");
    Files.createLink(upper.resolve("links/two"), upper.resolve("links/one"));
  }

  @Test
  void changes_appliedOverLowerLayer_reproduceUpperTree() throws Exception {
    change();
    ByteArrayOutputStream base = new ByteArrayOutputStream();
    ByteArrayOutputStream diff = new ByteArrayOutputStream();
    WRITER.write(lower, base);
    WRITER.writeDiff(lower, upper, diff);
    Path root = Files.createDirectory(tmp.resolve("root"));

    LayerExtractor.builder().build().extract(List.of(
        LayerSource.of(new ByteArrayInputStream(base.toByteArray())),
        LayerSource.of(new ByteArrayInputStream(diff.toByteArray()))), root);

    assertThat(Layers.describe(root)).isEqualTo(Layers.describe(upper));
  }

  @Test
  void changes_listOnlyWhatChangedWithWhiteoutsAndOpaqueDirectory() throws Exception {
    change();

    List<String> paths = LayerDiff.changes(lower, upper).stream().map(LayerEntry::path).sorted().toList();

    assertThat(paths)
        .contains("etc/config", "etc/same-size", "etc/new", "bin/tool", "bin/link", "var/cache/.wh.big",
            "opt/app/.wh..wh..opq", "opt/app/fresh", "becomes-dir/", "becomes-dir/inside", "becomes-file",
            "links/one", "links/two")
        .doesNotContain("etc/unchanged", "opt/app/.wh.old-a", "var/cache/big/1");
  }

  @Test
  void changes_identicalTrees_nothing() throws IOException {
    assertThat(LayerDiff.changes(lower, upper)).isEmpty();
  }

  @Test
  void writeDiff_hardLinkedPair_secondBecomesHardLink() throws Exception {
    change();
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    WRITER.writeDiff(lower, upper, out);

    List<Layers.Read> read = Layers.read(Layers.decompress(out.toByteArray(), dev.ferry.oci.MediaType.Compression.GZIP));
    assertThat(read).filteredOn(r -> r.name().equals("links/two"))
        .singleElement()
        .satisfies(r -> assertThat(r.entry().getLinkName()).isEqualTo("links/one"));
  }
}
