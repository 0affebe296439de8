package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testing.Peers;
import dev.ferry.testing.Processes;
import dev.ferry.testing.PythonWheels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry python install} end to end: real wheels (built by pip and gcc, and Debian's own) installed into a
 * Debian python3 image without pip, then imported and run under runc; the layer is reproducible; bad wheels are
 * refused with nothing stored.
 */
class PythonInstallIT {
  @TempDir Path tmp;
  Cli ferry;
  RuncContainers containers;

  @BeforeEach
  void setUp() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Peers.isRoot(), "runc needs root here");
    containers = new RuncContainers(tmp);
    PythonWheels.require();
    ferry = new Cli(tmp.resolve("store"));
    PythonBaseImage.importInto(ferry, "pybase:1");
  }

  @AfterEach
  void deleteContainers() throws Exception {
    if (containers != null) {
      containers.close();
    }
  }

  @Test
  void install_realWheels_importAndConsoleScriptsRunUnderRunc_andLayerIsReproducible() throws Exception {
    Path wh = Files.createDirectories(tmp.resolve("wheelhouse"));
    Files.copy(PythonWheels.pure(tmp, "ferrydemo", "1.0"), wh.resolve("ferrydemo-1.0-py3-none-any.whl"));
    Path ext = PythonWheels.extension(tmp, "fastsum", "2.0");
    Files.copy(ext, wh.resolve(ext.getFileName()));
    for (Path w : PythonWheels.debian()) {
      if (w.getFileName().toString().startsWith("wheel-")) {
        Files.copy(w, wh.resolve(w.getFileName()));
      }
    }

    Cli.Run tags = ferry.ok("python", "tags", "--image", "pybase:1");
    assertThat(tags.outLines().get(0)).isEqualTo("cp311-manylinux_2_36_x86_64");

    String first = ferry.ok("python", "install", "--image", "pybase:1", "--wheelhouse", wh.toString(), "-t", "app:1").lastLine();
    String second = ferry.ok("python", "install", "--image", "pybase:1", "--wheelhouse", wh.toString(), "-t", "app:2").lastLine();
    assertThat(second).as("same wheels, same base: same image").isEqualTo(first);
    String history = ferry.ok("history", "--no-trunc", "app:1").out();
    assertThat(history).contains("ferry python install fastsum==2.0 ferrydemo==1.0 wheel==0.38.4");

    Path bundle = tmp.resolve("bundle");
    ferry.ok("unpack", "--bundle", "app:1", bundle.toString());
    Processes.Result r = run(bundle, "sh", "-c",
        "ferrydemo-hello a b && ferrydemo-data && wheel version"
            + " && python3 -c 'import fastsum, ferrydemo; print(fastsum.add(40, 2))'"
            + " && python3 -m ferrydemo x");
    assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
    assertThat(r.stdout().lines().toList())
        .containsExactly("hello from ferrydemo 1.0 a b", "data script 1.0", "wheel 0.38.4", "42", "hello from ferrydemo 1.0 x");
    Path site = bundle.resolve("rootfs/usr/local/lib/python3.11/dist-packages");
    assertThat(site.resolve("ferrydemo-1.0.dist-info/INSTALLER")).hasContent("ferry");
    assertThat(Files.readString(site.resolve("ferrydemo-1.0.dist-info/RECORD")))
        .contains("../../../bin/ferrydemo-hello,sha256=");
  }

  @Test
  void install_compile_addsHashBasedPycsThatPythonUses_andStaysReproducible() throws Exception {
    Path wh = Files.createDirectories(tmp.resolve("wheelhouse"));
    Files.copy(PythonWheels.pure(tmp, "ferrydemo", "1.0"), wh.resolve("ferrydemo-1.0-py3-none-any.whl"));

    String first = ferry.ok("python", "install", "--compile", "--image", "pybase:1", "--wheelhouse", wh.toString(), "-t", "c:1").lastLine();
    String second = ferry.ok("python", "install", "--compile", "--image", "pybase:1", "--wheelhouse", wh.toString(), "-t", "c:2").lastLine();
    assertThat(second).as("hash-based pycs keep the layer reproducible").isEqualTo(first);

    Path bundle = tmp.resolve("bundle");
    ferry.ok("unpack", "--bundle", "c:1", bundle.toString());
    Path site = bundle.resolve("rootfs/usr/local/lib/python3.11/dist-packages");
    Path pyc = site.resolve("ferrydemo/__pycache__/__init__.cpython-311.pyc");
    assertThat(pyc).isNotEmptyFile();
    byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(pyc), 8);
    assertThat(head[4] & 0xff).as("PEP 552 flags: hash-based, unchecked").isEqualTo(1);
    assertThat(Files.readString(site.resolve("ferrydemo-1.0.dist-info/RECORD")))
        .contains("ferrydemo/__pycache__/__init__.cpython-311.pyc,sha256=");
    // python finds and uses it: no new pyc is written next to it on a read-only import
    Processes.Result r = run(bundle, "python3", "-c",
        "import sys; sys.dont_write_bytecode = True; import ferrydemo; print(ferrydemo.__spec__.cached)");
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    assertThat(r.stdout().strip()).isEqualTo("/usr/local/lib/python3.11/dist-packages/ferrydemo/__pycache__/__init__.cpython-311.pyc");
  }

  @Test
  void install_tamperedWheel_refusedNamingTheFile_andStoreUnchanged() throws Exception {
    Path wh = Files.createDirectories(tmp.resolve("wheelhouse"));
    Path good = PythonWheels.pure(tmp, "ferrydemo", "1.0");
    // flip one byte inside the archive's stored data: a corrupt member or a RECORD mismatch, never a valid wheel
    byte[] bytes = Files.readAllBytes(good);
    int at = indexOf(bytes, "hello from".getBytes());
    Path bad = wh.resolve(good.getFileName());
    if (at >= 0) {
      bytes[at] = 'J';
    } else {
      bytes[bytes.length / 3] ^= 0x55;
    }
    Files.write(bad, bytes);
    List<String> blobsBefore = blobs();
    String indexBefore = Files.readString(tmp.resolve("store/index.json"));

    Cli.Run r = ferry.run("python", "install", "--image", "pybase:1", "--wheelhouse", wh.toString(), "-t", "app:bad");

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("ferrydemo-1.0-py3-none-any.whl").hasLineCount(countLines(r.err()));
    assertThat(Files.readString(tmp.resolve("store/index.json"))).isEqualTo(indexBefore);
    assertThat(blobs()).isEqualTo(blobsBefore);
  }

  @Test
  void install_noCompatibleWheel_errorListsProjectTargetAndTags() throws Exception {
    Path wh = Files.createDirectories(tmp.resolve("wheelhouse"));
    Path ext = PythonWheels.extension(tmp, "fastsum", "2.0");
    String other = ext.getFileName().toString().replace("x86_64", "aarch64");
    Files.copy(ext, wh.resolve(other));

    Cli.Run r = ferry.run("python", "install", "--image", "pybase:1", "--wheelhouse", wh.toString(), "-t", "app:x");

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("no compatible wheel of fastsum 2.0 for target cp311-manylinux_2_36_x86_64",
        "cp311-cp311-linux_aarch64");
  }

  private static int countLines(String s) {
    return (int) s.lines().count();
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private List<String> blobs() throws Exception {
    try (Stream<Path> s = Files.list(tmp.resolve("store/blobs/sha256"))) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  Processes.Result run(Path bundle, String... args) throws Exception {
    return containers.run(bundle, args);
  }
}
