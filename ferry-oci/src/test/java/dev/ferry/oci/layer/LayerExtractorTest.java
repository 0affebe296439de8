package dev.ferry.oci.layer;

import static dev.ferry.oci.layer.Layers.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.oci.Digest;
import dev.ferry.oci.DigestMismatchException;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.MediaType.Compression;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LayerExtractorTest {
  @TempDir Path tmp;
  private Path root;
  private Path outside;

  @BeforeEach
  void setUp() throws IOException {
    root = Files.createDirectories(tmp.resolve("root"));
    outside = Files.createDirectories(tmp.resolve("outside"));
    Layers.write(outside.resolve("keep"), "untouched");
  }

  private static LayerSource source(byte[] blob) {
    return LayerSource.of(new ByteArrayInputStream(blob));
  }

  private static byte[] layer(Compression c, LayerEntry... entries) throws IOException {
    return LayerWriterTest.write(LayerWriter.builder().compression(c).build(), List.of(entries));
  }

  private ExtractionResult extract(byte[]... blobs) throws IOException {
    return extract(LayerExtractor.builder().build(), blobs);
  }

  private ExtractionResult extract(LayerExtractor x, byte[]... blobs) throws IOException {
    List<LayerSource> sources = new ArrayList<>();
    for (byte[] b : blobs) {
      sources.add(source(b));
    }
    return x.extract(sources, root);
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void extract_writerOutput_createsEveryTypeWithModesAndTimes(Compression c) throws IOException {
    byte[] blob = layer(c,
        LayerEntry.directory("usr/bin").withMode(0750).withOwner(12, 34),
        LayerEntry.file("usr/bin/su", bytes("su")).withMode(04755).withMtime(java.time.Instant.EPOCH),
        LayerEntry.hardLink("usr/bin/su-again", "usr/bin/su"),
        LayerEntry.symlink("etc/alt", "/usr/bin/su"),
        LayerEntry.fifo("run/pipe").withMode(0600),
        LayerEntry.charDevice("dev/null", 1, 3));

    ExtractionResult result = extract(LayerExtractor.builder().devices(false).build(), blob);

    assertThat(Files.readString(root.resolve("usr/bin/su"))).isEqualTo("su");
    assertThat(Files.getAttribute(root.resolve("usr/bin/su"), "unix:mode")).isEqualTo(0104755);
    assertThat(Files.getAttribute(root.resolve("usr/bin"), "unix:mode")).isEqualTo(040750);
    assertThat(Files.getAttribute(root.resolve("usr/bin"), "unix:uid")).isEqualTo(12);
    assertThat(Files.getAttribute(root.resolve("usr/bin/su-again"), "unix:ino"))
        .isEqualTo(Files.getAttribute(root.resolve("usr/bin/su"), "unix:ino"));
    assertThat(Files.readSymbolicLink(root.resolve("etc/alt"))).isEqualTo(Path.of("/usr/bin/su"));
    assertThat(Files.getAttribute(root.resolve("run/pipe"), "unix:mode", LinkOption.NOFOLLOW_LINKS))
        .isEqualTo(010600);
    assertThat(Files.getLastModifiedTime(root.resolve("usr/bin")).toMillis()).isZero();
    assertThat(root.resolve("dev/null")).doesNotExist();
    assertThat(result.skipped()).isEqualTo(1);
    assertThat(result.warnings()).singleElement().asString().contains("dev/null");
  }

  @Test
  void extract_whiteouts_deleteLowerPathsButNotThisLayers() throws IOException {
    byte[] lower = layer(Compression.GZIP,
        LayerEntry.file("a/x", bytes("x")),
        LayerEntry.file("a/y", bytes("y")),
        LayerEntry.file("b/old/deep", bytes("d")),
        LayerEntry.file("b/old2", bytes("d")),
        LayerEntry.file("c", bytes("c")));
    byte[] upper = layer(Compression.ZSTD,
        LayerEntry.whiteout("a/x"),
        LayerEntry.opaqueWhiteout("b"),
        LayerEntry.file("b/+early", bytes("sorts before the opaque marker")),
        LayerEntry.file("b/new", bytes("n")),
        LayerEntry.whiteout("c"),
        LayerEntry.directory("c"));

    extract(lower, upper);

    assertThat(Layers.describe(root).keySet())
        .containsExactlyInAnyOrder("a", "a/y", "b", "b/+early", "b/new", "c");
    assertThat(root.resolve("c")).isDirectory();
  }

  @Test
  void extract_fileOverSymlink_replacesLinkInsteadOfWritingThroughIt() throws IOException {
    byte[] first = Layers.tar(out -> Layers.link(out, "l", outside.resolve("keep").toString(),
        TarConstants.LF_SYMLINK));
    byte[] second = Layers.tar(out -> Layers.file(out, "l", bytes("replaced")));

    extract(first, second);

    assertThat(Files.isSymbolicLink(root.resolve("l"))).isFalse();
    assertThat(Files.readString(root.resolve("l"))).isEqualTo("replaced");
    assertThat(Files.readString(outside.resolve("keep"))).isEqualTo("untouched");
  }

  @Test
  void extract_directoryOverFileAndBack_replacesTheOldType() throws IOException {
    byte[] first = layer(Compression.NONE, LayerEntry.file("p", bytes("f")), LayerEntry.file("q/r", bytes("r")));
    byte[] second = layer(Compression.NONE,
        LayerEntry.directory("p"), LayerEntry.file("p/inner", bytes("i")), LayerEntry.file("q", bytes("q")));

    extract(first, second);

    assertThat(Files.readString(root.resolve("p/inner"))).isEqualTo("i");
    assertThat(Files.readString(root.resolve("q"))).isEqualTo("q");
  }

  @Test
  void extract_expectedDigests_matchOrFailNamingTheLayer() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    WrittenLayer written = LayerWriter.builder().build().write(List.of(LayerEntry.file("f", bytes("f"))), out);
    LayerExtractor x = LayerExtractor.builder().build();

    x.extract(List.of(LayerSource.of(new ByteArrayInputStream(out.toByteArray()), MediaType.OCI_LAYER_GZIP)
        .withDigest(written.digest()).withDiffId(written.diffId())), root);

    LayerSource wrong = source(out.toByteArray()).withDiffId(Digest.sha256(bytes("other")));
    assertThatThrownBy(() -> x.extract(List.of(source(out.toByteArray()), wrong), root))
        .isInstanceOf(DigestMismatchException.class)
        .hasMessageContaining("layer 2 of 2 diffID");
  }

  // --- hostile layers: each must be refused, naming the entry, with nothing written outside the root ---

  private void assertRefused(byte[] blob, String entry) throws IOException {
    assertRefused(LayerExtractor.builder().build(), entry, blob);
  }

  private void assertRefused(LayerExtractor x, String entry, byte[]... blobs) throws IOException {
    Map<String, String> before = Layers.describe(outside);
    List<String> siblings = list(tmp);

    assertThatThrownBy(() -> extract(x, blobs))
        .isInstanceOf(UnsafeArchiveException.class)
        .hasMessageContaining("'" + entry + "'")
        .satisfies(e -> assertThat(((UnsafeArchiveException) e).entry()).isEqualTo(entry));

    assertThat(Layers.describe(outside)).isEqualTo(before);
    assertThat(list(tmp)).isEqualTo(siblings);
    assertThat(Files.exists(Path.of("/evil"))).isFalse();
  }

  private static List<String> list(Path dir) throws IOException {
    try (var s = Files.list(dir)) {
      return s.map(Path::toString).sorted().toList();
    }
  }

  @Test
  void extract_dotDotEscape_refused() throws IOException {
    assertRefused(Layers.tar(out -> Layers.file(out, "../evil", bytes("x"))), "../evil");
    assertRefused(Layers.tar(out -> Layers.file(out, "a/../../outside/keep", bytes("x"))), "a/../../outside/keep");
  }

  @Test
  void extract_absolutePath_refused() throws IOException {
    assertRefused(Layers.tar(out -> Layers.file(out, "/etc/passwd", bytes("x"))), "/etc/passwd");
  }

  @Test
  void extract_writeThroughAbsoluteSymlink_landsInsideTheRoot() throws IOException {
    byte[] tar = Layers.tar(out -> {
      Layers.link(out, "a", "/", TarConstants.LF_SYMLINK);
      Layers.file(out, "a/etc/passwd", bytes("root::0:0::/:/bin/sh"));
    });
    Map<String, String> before = Layers.describe(outside);

    extract(tar);

    assertThat(Files.readString(root.resolve("etc/passwd"))).isEqualTo("root::0:0::/:/bin/sh");
    assertThat(Files.isSymbolicLink(root.resolve("a"))).isTrue();
    assertThat(Layers.describe(outside)).isEqualTo(before);
  }

  @Test
  void extract_writeThroughAbsoluteSymlinkToHostDirectory_staysInsideTheRoot() throws IOException {
    byte[] tar = Layers.tar(out -> {
      Layers.link(out, "out", outside.toString(), TarConstants.LF_SYMLINK);
      Layers.file(out, "out/keep", bytes("overwritten"));
    });
    Map<String, String> before = Layers.describe(outside);

    extract(tar);

    assertThat(Layers.describe(outside)).isEqualTo(before);
    assertThat(Files.readString(root.resolve(outside.toString().substring(1)).resolve("keep"))).isEqualTo("overwritten");
  }

  @Test
  void extract_symlinkChainClimbingOut_refused() throws IOException {
    byte[] direct = Layers.tar(out -> {
      Layers.link(out, "a", "../..", TarConstants.LF_SYMLINK);
      Layers.file(out, "a/evil", bytes("x"));
    });
    byte[] chain = Layers.tar(out -> {
      Layers.dir(out, "d");
      Layers.link(out, "d/up", "..", TarConstants.LF_SYMLINK);
      Layers.link(out, "b", "d/up/c", TarConstants.LF_SYMLINK);
      Layers.link(out, "c", "../outside", TarConstants.LF_SYMLINK);
      Layers.file(out, "b/keep", bytes("x"));
    });

    assertRefused(direct, "a/evil");
    assertRefused(chain, "b/keep");
  }

  @Test
  void extract_symlinkInsideRoot_isFollowedWithinIt() throws IOException {
    byte[] tar = Layers.tar(out -> {
      Layers.dir(out, "usr/lib");
      Layers.link(out, "lib", "usr/lib", TarConstants.LF_SYMLINK);
      Layers.file(out, "lib/libc.so", bytes("elf"));
    });

    extract(tar);

    assertThat(Files.readString(root.resolve("usr/lib/libc.so"))).isEqualTo("elf");
  }

  @Test
  void extract_hardLinkOutsideRoot_refused() throws IOException {
    assertRefused(
        Layers.tar(out -> Layers.link(out, "h", "../outside/keep", TarConstants.LF_LINK)), "h");
    assertRefused(
        Layers.tar(out -> Layers.link(out, "h2", "/etc/passwd", TarConstants.LF_LINK)), "h2");
    byte[] viaSymlink = Layers.tar(out -> {
      Layers.link(out, "o", outside.toString(), TarConstants.LF_SYMLINK);
      Layers.link(out, "h3", "o/keep", TarConstants.LF_LINK);
    });
    // The absolute link resolves inside the root, where o/keep does not exist: the link cannot reach outside.
    Map<String, String> before = Layers.describe(outside);
    assertThatThrownBy(() -> extract(viaSymlink)).isInstanceOf(IOException.class).hasMessageContaining("'h3'");
    assertThat(Layers.describe(outside)).isEqualTo(before);
  }

  @Test
  void extract_tooManyEntries_refusedAtTheFirstOverLimit() throws IOException {
    byte[] tar = Layers.tar(out -> {
      for (int i = 0; i < 5; i++) {
        Layers.file(out, "f" + i, bytes("x"));
      }
    });

    assertRefused(LayerExtractor.builder().limits(new ExtractionLimits(1 << 20, 3, 1 << 20)).build(), "f3", tar);
  }

  @Test
  void extract_fileOverSizeLimit_refused() throws IOException {
    byte[] tar = Layers.tar(out -> Layers.file(out, "big", new byte[10_000]));

    assertRefused(LayerExtractor.builder().limits(new ExtractionLimits(1 << 20, 10, 1000)).build(), "big", tar);
  }

  @Test
  void extract_gzipBombOverTotalLimit_refused() throws IOException {
    byte[] tar = Layers.tar(out -> {
      Layers.file(out, "zeros1", new byte[600_000]);
      Layers.file(out, "zeros2", new byte[600_000]);
    });
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(tar);
    }
    assertThat(gz.size()).isLessThan(10_000);

    assertRefused(
        LayerExtractor.builder().limits(new ExtractionLimits(1_000_000, 10, 1_000_000)).build(), "zeros2",
        gz.toByteArray());
  }
}
