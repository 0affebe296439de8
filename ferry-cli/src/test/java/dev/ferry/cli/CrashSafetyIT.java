package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.oci.Digest;
import dev.ferry.testing.Busybox;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store survives what goes wrong: an import killed with SIGKILL, truncated and tampered archives, and hostile
 * or unknown layers. After each, {@code fsck} is clean, existing images still work and no half-imported name
 * appears.
 */
class CrashSafetyIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MIB = 1L << 20;
  /** Marker text inside a layer, found in an archive's bytes to tamper with exactly one byte of layer content. */
  private static final String MARKER = "ferry-crash-safety-marker-0123456789";

  @TempDir Path tmp;
  Path store;
  Cli ferry;

  @BeforeEach
  void setUp() throws IOException {
    store = tmp.resolve("store");
    ferry = new Cli(store);
    Path busybox = Busybox.rootfs(tmp.resolve("busybox"));
    ferry.ok("image", "from-rootfs", busybox.toString(), "-t", "pre:1", "--cmd", "/bin/sh");
  }

  @Test
  void import_killedWithSigkill_storeStaysCleanGcTidiesAndARerunSucceeds() throws Exception {
    // 256 MiB in one uncompressed layer: the import copies it into .ferry/ingest for about a second, long enough
    // to kill it at chosen points of that copy.
    Path big = Files.createDirectories(tmp.resolve("big"));
    writeRandomFiles(big, 4, 64 * MIB);
    Cli maker = new Cli(tmp.resolve("maker"));
    maker.ok("image", "from-rootfs", big.toString(), "-t", "big:1", "--compression", "none");
    Path archive = tmp.resolve("big.tar");
    maker.ok("export", "big:1", "-o", archive.toString(), "--format", "docker-archive");
    deleteTree(big);

    for (long killAt : new long[] {10 * MIB, 128 * MIB}) {
      Process p = startChildImport(archive, tmp.resolve("child-" + killAt + ".log"));
      try {
        awaitTempFileOver(p, killAt);
      } finally {
        p.destroyForcibly(); // SIGKILL: no shutdown hooks, no finally blocks in the child
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      }

      Cli.Run fsck = ferry.run("fsck");
      assertThat(fsck.exitCode()).as(fsck.out()).isZero();
      assertThat(fsck.out()).startsWith("clean").doesNotContain(" 0 interrupted writes");
      assertThat(ferry.ok("-q", "images").outLines()).containsExactly("docker.io/library/pre:1");
    }
    assertThat(tempFiles()).hasSizeGreaterThanOrEqualTo(2);

    assertThat(ferry.ok("inspect", "pre:1").out()).contains("\"/bin/sh\"");
    Path unpacked = tmp.resolve("pre-unpacked");
    ferry.ok("unpack", "pre:1", unpacked.toString());
    assertThat(Files.isExecutable(unpacked.resolve("bin/busybox"))).isTrue();

    ferry.ok("gc");
    assertThat(tempFiles()).isEmpty();
    assertThat(ferry.ok("fsck").out()).startsWith("clean").contains(" 0 unreferenced blobs, 0 interrupted writes");

    ferry.ok("import", archive.toString());
    assertThat(ferry.ok("-q", "images").outLines()).containsExactlyInAnyOrder("docker.io/library/pre:1", "docker.io/library/big:1");
    assertThat(diffIds(ferry, "big:1")).isEqualTo(diffIds(maker, "big:1"));
    assertThat(ferry.ok("fsck").out()).startsWith("clean").contains("2 names checked");
  }

  @Test
  void import_truncatedArchive_failsNamingTheArchiveAndLeavesIndexUntouched() throws Exception {
    Path archive = smallArchive("docker-archive", "none");
    Path half = tmp.resolve("half.tar");
    byte[] bytes = Files.readAllBytes(archive);
    Files.write(half, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    byte[] indexBefore = Files.readAllBytes(store.resolve("index.json"));

    Cli.Run r = ferry.run("import", half.toString());

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).hasLineCount(1).startsWith("ferry: ").contains(half.toString());
    assertThat(Files.readAllBytes(store.resolve("index.json"))).isEqualTo(indexBefore);
    assertThat(ferry.ok("fsck").out()).startsWith("clean");
  }

  @Test
  void import_dockerArchiveWithAlteredLayer_failsNamingExpectedAndActualDiffId() throws Exception {
    Path archive = smallArchive("docker-archive", "none");
    String expected = diffIds(new Cli(tmp.resolve("small-store")), "small:1").get(0);
    flipMarkerByte(archive);
    String actual = "sha256:" + sha256OfEntry(archive, name -> name.endsWith("layer.tar"));
    byte[] indexBefore = Files.readAllBytes(store.resolve("index.json"));

    Cli.Run r = ferry.run("import", archive.toString());

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).hasLineCount(1).contains(expected, actual);
    assertThat(Files.readAllBytes(store.resolve("index.json"))).isEqualTo(indexBefore);
    assertThat(ferry.ok("-q", "images").outLines()).containsExactly("docker.io/library/pre:1");
    assertThat(ferry.ok("fsck").out()).startsWith("clean");
  }

  @Test
  void import_ociArchiveBlobNotMatchingItsName_failsNamingExpectedAndActualDigest() throws Exception {
    Path archive = smallArchive("oci-archive", "none");
    String layer = layerDigests(new Cli(tmp.resolve("small-store")), "small:1").get(0);
    flipMarkerByte(archive);
    String actual = "sha256:" + sha256OfEntry(archive, name -> name.equals("blobs/sha256/" + layer.substring("sha256:".length())));
    byte[] indexBefore = Files.readAllBytes(store.resolve("index.json"));

    Cli.Run r = ferry.run("import", archive.toString());

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).hasLineCount(1).contains(layer, actual);
    assertThat(Files.readAllBytes(store.resolve("index.json"))).isEqualTo(indexBefore);
    assertThat(ferry.ok("fsck").out()).startsWith("clean");
  }

  @Test
  void unpack_hostileLayers_importFineButUnpackRefusesNamingTheEntryAndWritesNothingOutside() throws Exception {
    String absolute = "/ferry-it-evil-" + UUID.randomUUID();
    List<Hostile> cases =
        List.of(
            new Hostile("dotdot:1", "../evil", tar(file("../evil", "evil\n"))),
            new Hostile("absolute:1", absolute, tar(file(absolute, "evil\n"))),
            new Hostile("symlink:1", "up/evil", tar(symlink("up", "../.."), file("up/evil", "evil\n"))),
            new Hostile("hardlink:1", "hl", tar(hardLink("hl", "../outside"))));
    Path hostileStore = tmp.resolve("hostile-store");
    List<String> names = new ArrayList<>();
    for (Hostile h : cases) {
      TestImages.put(hostileStore, h.name(), List.of(TestImages.Layer.plainTar(h.tar())), List.of("/bin/sh"));
      names.add(h.name());
    }
    // Through an archive and `ferry import`, as a hostile image would arrive: the import itself must accept them.
    Path archive = tmp.resolve("hostile.tar");
    List<String> export = new ArrayList<>(List.of("export"));
    export.addAll(names);
    export.addAll(List.of("-o", archive.toString(), "--format", "oci-archive"));
    new Cli(hostileStore).ok(export.toArray(String[]::new));
    ferry.ok("import", archive.toString());

    for (Hostile h : cases) {
      Path jail = Files.createDirectories(tmp.resolve("jail-" + h.name().replace(':', '-')));
      Path box = Files.createDirectories(jail.resolve("box"));
      Files.writeString(box.resolve("outside"), "not yours\n");
      Path target = box.resolve("target");

      Cli.Run r = ferry.run("unpack", h.name(), target.toString());

      assertThat(r.exitCode()).as(h.name() + ": " + r.err()).isEqualTo(1);
      assertThat(r.err()).as(h.name()).hasLineCount(1).contains(h.entry());
      assertThat(relativePaths(jail)).as(h.name()).doesNotContain("evil", "box/evil").allMatch(p -> p.equals("box") || p.equals("box/outside") || p.startsWith("box/target"));
      assertThat(Files.readString(box.resolve("outside"))).isEqualTo("not yours\n");
      assertThat(Files.getAttribute(box.resolve("outside"), "unix:nlink")).isEqualTo(1);
    }
    assertThat(Path.of(absolute)).doesNotExist();
    assertThat(ferry.ok("fsck").out()).startsWith("clean");
  }

  @Test
  void unpack_layerWithUnknownMediaType_failsListingSupportedTypes() throws Exception {
    String unknown = "application/vnd.example.unknown.layer.v1.tar";
    TestImages.Layer layer = TestImages.Layer.plainTar(tar(file("etc/x", "x\n"))).withMediaType(unknown);
    TestImages.put(store, "unknown:1", List.of(layer), List.of("/bin/sh"));
    Path target = tmp.resolve("unknown-out");

    Cli.Run r = ferry.run("unpack", "unknown:1", target.toString());

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).hasLineCount(1).contains(unknown, "application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.docker.image.rootfs.diff.tar.gzip");
  }

  // ---------------------------------------------------------------------------------------------------------------

  private record Hostile(String name, String entry, byte[] tar) {}

  /** An archive of a small image whose one layer holds {@link #MARKER}, made in a store of its own. */
  private Path smallArchive(String format, String compression) throws IOException {
    Path rootfs = Files.createDirectories(tmp.resolve("small-rootfs/etc"));
    Files.writeString(rootfs.resolve("marker"), MARKER + "\n");
    Files.write(rootfs.resolve("filler"), new byte[64 * 1024]);
    Cli maker = new Cli(tmp.resolve("small-store"));
    maker.ok("image", "from-rootfs", rootfs.getParent().toString(), "-t", "small:1", "--compression", compression);
    Path archive = tmp.resolve("small-" + format + ".tar");
    maker.ok("export", "small:1", "-o", archive.toString(), "--format", format);
    return archive;
  }

  /** Changes one byte of the marker text inside the archive: the tar stays well-formed, the layer's hash changes. */
  private static void flipMarkerByte(Path archive) throws IOException {
    byte[] bytes = Files.readAllBytes(archive);
    byte[] marker = MARKER.getBytes(StandardCharsets.US_ASCII);
    int at = indexOf(bytes, marker);
    assertThat(at).as("marker in " + archive).isNotNegative();
    assertThat(indexOf(java.util.Arrays.copyOfRange(bytes, at + 1, bytes.length), marker)).as("second marker").isNegative();
    bytes[at] ^= 0x20;
    Files.write(archive, bytes);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static String sha256OfEntry(Path archive, java.util.function.Predicate<String> which) throws IOException {
    try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(archive))) {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        if (which.test(e.getName())) {
          return Digest.sha256(in.readAllBytes()).toString().substring("sha256:".length());
        }
      }
    }
    throw new AssertionError("no matching entry in " + archive);
  }

  // --- hostile tars, written with commons-compress so that nothing sanitises the names -----------------------------

  private interface TarEntry {
    void writeTo(TarArchiveOutputStream out) throws IOException;
  }

  private static TarEntry file(String name, String content) {
    return out -> {
      byte[] b = content.getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry e = new TarArchiveEntry(name, true); // true: keep a leading '/'
      e.setSize(b.length);
      e.setMode(0100644);
      out.putArchiveEntry(e);
      out.write(b);
      out.closeArchiveEntry();
    };
  }

  private static TarEntry symlink(String name, String target) {
    return out -> {
      TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
      e.setLinkName(target);
      out.putArchiveEntry(e);
      out.closeArchiveEntry();
    };
  }

  private static TarEntry hardLink(String name, String target) {
    return out -> {
      TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
      e.setLinkName(target);
      out.putArchiveEntry(e);
      out.closeArchiveEntry();
    };
  }

  private static byte[] tar(TarEntry... entries) throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (TarEntry e : entries) {
        e.writeTo(out);
      }
    }
    return bytes.toByteArray();
  }

  // --- the killed import ------------------------------------------------------------------------------------------

  /** {@code ferry import} in a child JVM with this test's class path, so that it can be killed for real. */
  private Process startChildImport(Path archive, Path log) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java, "-cp", System.getProperty("java.class.path"), "dev.ferry.cli.Main", "--store", store.toString(), "import", archive.toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
  }

  /** Waits until a temp file in the store's ingest directory has grown past {@code bytes}; fails if the import ends first. */
  private void awaitTempFileOver(Process p, long bytes) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      for (Path t : tempFiles()) {
        try {
          if (Files.size(t) > bytes) {
            return;
          }
        } catch (java.nio.file.NoSuchFileException gone) {
          // committed or discarded between listing and stat
        }
      }
      if (!p.isAlive()) {
        throw new AssertionError("import exited " + p.exitValue() + " before a temp file reached " + bytes + " bytes");
      }
      Thread.sleep(2);
    }
    throw new AssertionError("no temp file reached " + bytes + " bytes in 60 s");
  }

  private List<Path> tempFiles() throws IOException {
    Path ingest = store.resolve(".ferry/ingest");
    if (!Files.isDirectory(ingest)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(ingest)) {
      return s.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList();
    }
  }

  /** {@code count} files of {@code size} seeded random bytes (one random MiB, varied per MiB: cheap to make). */
  private static void writeRandomFiles(Path dir, int count, long size) throws IOException {
    Random random = new Random(42);
    byte[] block = new byte[(int) MIB];
    random.nextBytes(block);
    for (int f = 0; f < count; f++) {
      try (OutputStream out = Files.newOutputStream(dir.resolve("random-" + f + ".bin"))) {
        for (long i = 0; i < size / MIB; i++) {
          long stamp = f * (size / MIB) + i;
          for (int b = 0; b < 8; b++) {
            block[b] = (byte) (stamp >>> (8 * b));
          }
          out.write(block);
        }
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static List<String> relativePaths(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString()).sorted().toList();
    }
  }

  private static List<String> diffIds(Cli cli, String ref) throws IOException {
    return strings(JSON.readTree(cli.ok("--json", "inspect", ref).out()).path("DiffIDs"));
  }

  private static List<String> layerDigests(Cli cli, String ref) throws IOException {
    List<String> l = new ArrayList<>();
    JSON.readTree(cli.ok("--json", "inspect", ref).out()).path("Layers").forEach(n -> l.add(n.path("Digest").asText()));
    return l;
  }

  private static List<String> strings(JsonNode array) {
    List<String> l = new ArrayList<>();
    array.forEach(n -> l.add(n.asText()));
    return l;
  }
}
