package dev.ferry.oci.layer;

import static dev.ferry.oci.layer.Layers.bytes;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.ferry.oci.Digest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.MediaType.Compression;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LayerWriterTest {
  @TempDir Path tmp;

  private Path sampleTree() throws IOException {
    Path root = tmp.resolve("tree");
    Layers.write(root.resolve("b"), "bee");
    Layers.write(root.resolve("a/c"), "sea");
    Layers.write(root.resolve("a-b"), "dash");
    Layers.write(root.resolve("a/deep/er/file.txt"), "x".repeat(70_000));
    Files.createSymbolicLink(root.resolve("a/link"), Path.of("../b"));
    Files.createLink(root.resolve("z-hard"), root.resolve("a/c"));
    return root;
  }

  private static byte[] blob(LayerWriter w, Path dir) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    w.write(dir, out);
    return out.toByteArray();
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void write_sameTreeTwice_byteIdentical(Compression c) throws IOException {
    Path root = sampleTree();
    LayerWriter w = LayerWriter.builder().compression(c).zstdWorkers(c == Compression.ZSTD ? 2 : 0).build();

    byte[] first = blob(w, root);
    Files.setLastModifiedTime(root.resolve("b"), java.nio.file.attribute.FileTime.from(Instant.now()));
    byte[] second = blob(w, root);

    assertThat(second).isEqualTo(first);
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void write_eachCompression_diffIdIsSha256OfTarAndDigestOfBlob(Compression c) throws IOException {
    Path root = sampleTree();
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    WrittenLayer layer = LayerWriter.builder().compression(c).build().write(root, out);

    byte[] blob = out.toByteArray();
    byte[] tar = Layers.decompress(blob, c);
    assertThat(layer.diffId()).isEqualTo(Digest.sha256(tar));
    assertThat(layer.digest()).isEqualTo(Digest.sha256(blob));
    assertThat(layer.size()).isEqualTo(blob.length);
    assertThat(layer.mediaType()).isEqualTo(MediaType.ociLayer(c));
    assertThat(Layers.read(tar)).extracting(Layers.Read::name).contains("a/deep/er/file.txt");
  }

  @Test
  void write_gzip_headerHasZeroMtimeAndNoName() throws IOException {
    byte[] blob = blob(LayerWriter.builder().build(), sampleTree());

    assertThat(blob[3]).as("FLG: no FNAME, FCOMMENT or FEXTRA").isZero();
    assertThat(List.of(blob[4], blob[5], blob[6], blob[7])).containsOnly((byte) 0);
  }

  @Test
  void write_directory_entriesSortedByteWiseRelativeWithoutRoot() throws IOException {
    byte[] tar = blob(LayerWriter.builder().compression(Compression.NONE).build(), sampleTree());

    assertThat(Layers.read(tar))
        .extracting(Layers.Read::name)
        .containsExactly(
            "a-b", "a/", "a/c", "a/deep/", "a/deep/er/", "a/deep/er/file.txt", "a/link", "b", "z-hard");
  }

  @Test
  void write_mtimes_clampedToEpochAndKeptWhenEarlier() throws IOException {
    Path root = sampleTree();
    Layers.setMtime(root.resolve("b"), 500);
    LayerWriter w = LayerWriter.builder().compression(Compression.NONE).epoch(Instant.ofEpochSecond(1000)).build();

    List<Layers.Read> entries = Layers.read(blob(w, root));

    assertThat(entries).allSatisfy(r -> assertThat(r.entry().getLastModifiedTime().toInstant().getEpochSecond())
        .isEqualTo(r.name().equals("b") ? 500 : 1000));
  }

  @Test
  void write_paxHeaders_neverCarryTimesOrNames() throws IOException {
    Path root = sampleTree();
    Layers.write(root.resolve("n".repeat(120)), "long");
    Layers.setMtime(root.resolve("b"), 500);

    byte[] tar = blob(LayerWriter.builder().compression(Compression.NONE).epoch(Instant.now()).build(), root);

    String raw = new String(tar, ISO_8859_1);
    assertThat(raw).doesNotContain("atime=", "ctime=", "mtime=");
    assertThat(raw).contains(" path=" + "n".repeat(120) + "\n");
    assertThat(Layers.read(tar)).allSatisfy(r -> {
      assertThat(r.entry().getUserName()).isEmpty();
      assertThat(r.entry().getGroupName()).isEmpty();
      assertThat(r.entry().getLastAccessTime()).isNull();
      assertThat(r.entry().getStatusChangeTime()).isNull();
    });
  }

  @Test
  void write_hardLinks_laterPathsLinkToFirstInSortOrder() throws IOException {
    List<Layers.Read> entries =
        Layers.read(blob(LayerWriter.builder().compression(Compression.NONE).build(), sampleTree()));

    Layers.Read first = entries.stream().filter(r -> r.name().equals("a/c")).findFirst().orElseThrow();
    Layers.Read second = entries.stream().filter(r -> r.name().equals("z-hard")).findFirst().orElseThrow();
    assertThat(first.entry().isFile()).isTrue();
    assertThat(first.content()).isEqualTo(bytes("sea"));
    assertThat(second.entry().isLink()).isTrue();
    assertThat(second.entry().getLinkName()).isEqualTo("a/c");
    assertThat(second.entry().getSize()).isZero();
  }

  @Test
  void write_explicitEntries_keepTypesModesOwnersAndLinksVerbatim() throws IOException {
    String longName = "d/" + "x".repeat(300);
    String longTarget = "/" + "t".repeat(250);
    List<LayerEntry> entries = List.of(
        LayerEntry.file("/usr/bin/su", bytes("su")).withMode(04755).withOwner(0, 5_000_000),
        LayerEntry.directory("./tmp").withMode(01777),
        LayerEntry.symlink("abs", "/etc/passwd"),
        LayerEntry.symlink("rel", "../../up"),
        LayerEntry.symlink("long-link", longTarget),
        LayerEntry.hardLink("usr/bin/su2", "usr/bin/su"),
        LayerEntry.file(longName, bytes("long")),
        LayerEntry.charDevice("dev/null", 1, 3),
        LayerEntry.blockDevice("dev/sda", 8, 0),
        LayerEntry.fifo("run/pipe"),
        LayerEntry.whiteout("gone"),
        LayerEntry.opaqueWhiteout("opaque"));

    List<Layers.Read> read = Layers.read(
        Layers.decompress(write(LayerWriter.builder().build(), entries), Compression.GZIP));

    Map<String, Layers.Read> byName = new java.util.TreeMap<>();
    read.forEach(r -> byName.put(r.name(), r));
    assertThat(byName.get("usr/bin/su").entry().getMode()).isEqualTo(04755);
    assertThat(byName.get("usr/bin/su").entry().getLongGroupId()).isEqualTo(5_000_000);
    assertThat(byName.get("tmp/").entry().getMode()).isEqualTo(01777);
    assertThat(byName.get("abs").entry().getLinkName()).isEqualTo("/etc/passwd");
    assertThat(byName.get("rel").entry().getLinkName()).isEqualTo("../../up");
    assertThat(byName.get("long-link").entry().getLinkName()).isEqualTo(longTarget);
    assertThat(byName.get("usr/bin/su2").entry().isLink()).isTrue();
    assertThat(byName.get(longName).content()).isEqualTo(bytes("long"));
    assertThat(byName.get("dev/null").entry().isCharacterDevice()).isTrue();
    assertThat(byName.get("dev/null").entry().getDevMinor()).isEqualTo(3);
    assertThat(byName.get("dev/sda").entry().isBlockDevice()).isTrue();
    assertThat(byName.get("dev/sda").entry().getDevMajor()).isEqualTo(8);
    assertThat(byName.get("run/pipe").entry().isFIFO()).isTrue();
    assertThat(byName).containsKeys(".wh.gone", "opaque/.wh..wh..opq");
  }

  @Test
  void write_longNameOfUtf8_roundTripsThroughPax() throws IOException {
    String name = "données/" + "é".repeat(120) + "/fichier";

    List<Layers.Read> read = Layers.read(Layers.decompress(
        write(LayerWriter.builder().build(), List.of(LayerEntry.file(name, bytes("x")))), Compression.GZIP));

    assertThat(read).extracting(Layers.Read::name).containsExactly(name);
  }

  @Test
  void write_xattrs_rawBytesInSchilyPaxRecords() throws IOException {
    byte[] capability = {1, 0, 0, 2, 0, 0x20, 0, 0, (byte) 0xff, 0x0a, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    LayerEntry ping = LayerEntry.file("bin/ping", bytes("ping"))
        .withXattr("security.capability", capability)
        .withXattr("user.origin", bytes("ferry"));

    byte[] tar = Layers.decompress(write(LayerWriter.builder().build(), List.of(ping)), Compression.GZIP);

    String record = "SCHILY.xattr.security.capability=" + new String(capability, ISO_8859_1) + "\n";
    String expected = (record.length() + 3) + " " + record;
    assertThat(new String(tar, ISO_8859_1)).contains(expected);
    assertThat(Layers.read(tar).get(0).entry().getExtraPaxHeaders())
        .containsEntry("SCHILY.xattr.user.origin", "ferry");
  }

  @Test
  void write_directoryWithUserXattr_readsItFromFileSystem() throws IOException {
    Path root = sampleTree();
    UserDefinedFileAttributeView view =
        Files.getFileAttributeView(root.resolve("b"), UserDefinedFileAttributeView.class);
    try {
      view.write("origin", ByteBuffer.wrap(bytes("ferry")));
    } catch (IOException | UnsupportedOperationException e) {
      assumeThat(false).as("file system without user xattrs").isTrue();
    }

    List<Layers.Read> read = Layers.read(blob(LayerWriter.builder().compression(Compression.NONE).build(), root));

    assertThat(read.stream().filter(r -> r.name().equals("b")).findFirst().orElseThrow().entry()
        .getExtraPaxHeaders()).containsEntry("SCHILY.xattr.user.origin", "ferry");
  }

  @Test
  void write_owners_fromFileSystemOrForced() throws IOException {
    Path root = sampleTree();
    Files.setAttribute(root.resolve("b"), "unix:uid", 1234);
    Files.setAttribute(root.resolve("b"), "unix:gid", 4321);

    List<Layers.Read> asIs = Layers.read(blob(LayerWriter.builder().compression(Compression.NONE).build(), root));
    List<Layers.Read> forced = Layers.read(
        blob(LayerWriter.builder().compression(Compression.NONE).forceOwner(0, 0).build(), root));

    TarEntryOwner b = TarEntryOwner.of(asIs, "b");
    assertThat(b).isEqualTo(new TarEntryOwner(1234, 4321));
    assertThat(forced).allSatisfy(r -> assertThat(TarEntryOwner.of(r)).isEqualTo(new TarEntryOwner(0, 0)));
  }

  record TarEntryOwner(long uid, long gid) {
    static TarEntryOwner of(Layers.Read r) {
      return new TarEntryOwner(r.entry().getLongUserId(), r.entry().getLongGroupId());
    }

    static TarEntryOwner of(List<Layers.Read> entries, String name) {
      return of(entries.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow());
    }
  }

  @Test
  void write_modesFromFileSystem_keepSetuidAndSticky() throws IOException {
    Path root = sampleTree();
    Files.setAttribute(root.resolve("b"), "unix:mode", 04711);
    Files.setAttribute(root.resolve("a"), "unix:mode", 01777);

    List<Layers.Read> read = Layers.read(blob(LayerWriter.builder().compression(Compression.NONE).build(), root));

    assertThat(read).filteredOn(r -> r.name().equals("b")).extracting(r -> r.entry().getMode()).containsExactly(04711);
    assertThat(read).filteredOn(r -> r.name().equals("a/")).extracting(r -> r.entry().getMode())
        .containsExactly(01777);
  }

  @Test
  void write_duplicatePath_throwsNamingIt() {
    List<LayerEntry> entries = List.of(LayerEntry.file("a/b", bytes("1")), LayerEntry.file("/a/b", bytes("2")));

    assertThatThrownBy(() -> write(LayerWriter.builder().build(), entries))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a/b'");
  }

  @Test
  void entry_pathWithDotDot_throwsNamingIt() {
    assertThatThrownBy(() -> LayerEntry.file("a/../../etc", bytes("x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a/../../etc'");
  }

  @Test
  void sourceDateEpoch_setUnsetOrMalformed_parsedDefaultedOrRefused() {
    assertThat(LayerWriter.sourceDateEpoch(Map.of("SOURCE_DATE_EPOCH", "1700000000")))
        .isEqualTo(Instant.ofEpochSecond(1_700_000_000));
    assertThat(LayerWriter.sourceDateEpoch(Map.of())).isEqualTo(Instant.EPOCH);
    assertThatThrownBy(() -> LayerWriter.sourceDateEpoch(Map.of("SOURCE_DATE_EPOCH", "yesterday")))
        .hasMessageContaining("'yesterday'");
  }

  @Test
  void write_fileFromPath_streamsItsContent() throws IOException {
    Path big = tmp.resolve("big");
    byte[] content = new byte[3 * LayerWriter.BUFFER_SIZE + 17];
    new java.util.Random(7).nextBytes(content);
    Files.write(big, content);

    List<Layers.Read> read = Layers.read(Layers.decompress(
        write(LayerWriter.builder().compression(Compression.ZSTD).build(), List.of(LayerEntry.file("big", big))),
        Compression.ZSTD));

    assertThat(read.get(0).content()).isEqualTo(content);
  }

  static byte[] write(LayerWriter w, List<LayerEntry> entries) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    w.write(entries, out);
    return out.toByteArray();
  }
}
