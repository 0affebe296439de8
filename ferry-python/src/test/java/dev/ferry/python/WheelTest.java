package dev.ferry.python;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WheelTest {
  @TempDir Path tmp;

  @Test
  void open_validWheel_readsMetadataEntryPointsAndRecord() throws Exception {
    Path f = TestWheels.write(tmp, "demo_pkg-1.2-py3-none-any.whl", TestWheels.pure("demo_pkg", "1.2"));
    try (Wheel w = Wheel.open(f)) {
      assertThat(w.metadata().name()).isEqualTo("demo_pkg");
      assertThat(w.metadata().version()).isEqualTo("1.2");
      assertThat(w.metadata().requiresDist()).containsExactly("other (>=1)");
      assertThat(w.metadata().requiresPython()).contains(">=3.8");
      assertThat(w.entryPoints("console_scripts")).containsEntry("demo_pkg-hello", "demo_pkg:main");
      assertThat(w.distInfo()).isEqualTo("demo_pkg-1.2.dist-info");
      assertThat(w.rootIsPurelib()).isTrue();
      assertThat(w.record()).hasSize(8);
    }
  }

  @Test
  void open_memberChangedAfterRecord_refusedNamingFileAndMember() throws Exception {
    Map<String, byte[]> files = TestWheels.pure("demo", "1.0");
    Path good = TestWheels.write(tmp, "demo-1.0-py3-none-any.whl", files);
    // same RECORD, one member's bytes changed
    Map<String, byte[]> tampered = new LinkedHashMap<>();
    try (var z = new java.util.zip.ZipFile(good.toFile())) {
      for (var e : java.util.Collections.list(z.entries())) {
        tampered.put(e.getName(), z.getInputStream(e).readAllBytes());
      }
    }
    tampered.put("demo/__init__.py", "import os; os.system('evil')\n".getBytes(StandardCharsets.UTF_8));
    Files.delete(good);
    Path bad = TestWheels.writeRaw(tmp, "demo-1.0-py3-none-any.whl", tampered);

    assertThatThrownBy(() -> Wheel.open(bad))
        .isInstanceOf(WheelException.class)
        .hasMessageContaining("demo-1.0-py3-none-any.whl")
        .hasMessageContaining("RECORD hash of demo/__init__.py does not match");
  }

  @Test
  void open_memberMissingFromRecord_refused() throws Exception {
    Map<String, byte[]> files = TestWheels.pure("demo", "1.0");
    Path good = TestWheels.write(tmp, "x.tmp", files);
    Map<String, byte[]> more = new LinkedHashMap<>();
    try (var z = new java.util.zip.ZipFile(good.toFile())) {
      for (var e : java.util.Collections.list(z.entries())) {
        more.put(e.getName(), z.getInputStream(e).readAllBytes());
      }
    }
    more.put("demo/extra.py", new byte[] {1});
    Path bad = TestWheels.writeRaw(tmp, "demo-1.0-py3-none-any.whl", more);

    assertThatThrownBy(() -> Wheel.open(bad)).hasMessageContaining("demo/extra.py is in the archive but not in RECORD");
  }

  @Test
  void open_pathEscapingRoot_refusedNamingMember() throws Exception {
    Map<String, byte[]> files = TestWheels.pure("demo", "1.0");
    files.put("../../etc/passwd", "root::0:0\n".getBytes(StandardCharsets.UTF_8));
    Path bad = TestWheels.write(tmp, "demo-1.0-py3-none-any.whl", files);

    assertThatThrownBy(() -> Wheel.open(bad))
        .isInstanceOf(WheelException.class)
        .hasMessageContaining("demo-1.0-py3-none-any.whl: member '../../etc/passwd' escapes the install root");
  }

  @Test
  void open_absolutePath_refused() throws Exception {
    Map<String, byte[]> files = TestWheels.pure("demo", "1.0");
    files.put("/tmp/owned", new byte[] {1});
    Path bad = TestWheels.write(tmp, "demo-1.0-py3-none-any.whl", files);

    assertThatThrownBy(() -> Wheel.open(bad)).hasMessageContaining("escapes the install root");
  }

  @Test
  void open_wheelVersion2_refusedAsUnsupported() throws Exception {
    Map<String, byte[]> files = TestWheels.pure("demo", "1.0");
    files.put("demo-1.0.dist-info/WHEEL", "Wheel-Version: 2.0\nRoot-Is-Purelib: true\n".getBytes(StandardCharsets.UTF_8));
    Path bad = TestWheels.write(tmp, "demo-1.0-py3-none-any.whl", files);

    assertThatThrownBy(() -> Wheel.open(bad))
        .hasMessage("demo-1.0-py3-none-any.whl: unsupported Wheel-Version 2.0 (Ferry installs 1.x wheels)");
  }

  @Test
  void open_truncatedZip_refusedAsCorrupt() throws Exception {
    Path good = TestWheels.write(tmp, "demo-1.0-py3-none-any.whl", TestWheels.pure("demo", "1.0"));
    byte[] all = Files.readAllBytes(good);
    Files.write(good, Arrays.copyOf(all, all.length / 2));

    assertThatThrownBy(() -> Wheel.open(good))
        .isInstanceOf(WheelException.class)
        .hasMessageStartingWith("demo-1.0-py3-none-any.whl: ")
        .hasMessageContaining("zip");
  }

  @Test
  void open_metadataNamesOtherProject_refused() throws Exception {
    Map<String, byte[]> files = TestWheels.pure("demo", "1.0");
    files.put("demo-1.0.dist-info/METADATA", "Name: other\nVersion: 1.0\n".getBytes(StandardCharsets.UTF_8));
    Path bad = TestWheels.write(tmp, "demo-1.0-py3-none-any.whl", files);

    assertThatThrownBy(() -> Wheel.open(bad)).hasMessageContaining("METADATA names other, not demo");
  }

  @Test
  void unpack_spreadsDataDirsAndWritesLaunchersAndRecord() throws Exception {
    Path f = TestWheels.write(tmp, "demo-1.0-py3-none-any.whl", TestWheels.pure("demo", "1.0"));
    InstallLayout layout = InstallLayout.prefix("/usr/local", "/usr/bin/python3.11", "3.11", "dist-packages");
    WheelUnpacker u = new WheelUnpacker(layout, tmp.resolve("spill"));
    WheelUnpacker.Installed inst;
    try (Wheel w = Wheel.open(f)) {
      inst = u.install(w, "https://user:secret@pypi.example/demo-1.0-py3-none-any.whl", "ab");
    }
    String site = "/usr/local/lib/python3.11/dist-packages/";
    assertThat(u.content(site + "demo/__init__.py")).isPresent();
    assertThat(text(u, "/usr/local/share/demo/readme.txt")).isEqualTo("data\n");
    assertThat(u.content("/usr/local/include/python3.11/demo/demo.h")).isPresent();
    assertThat(text(u, "/usr/local/bin/demo-tool")).startsWith("#!/usr/bin/python3.11\n");
    assertThat(text(u, "/usr/local/bin/demo-hello"))
        .startsWith("#!/usr/bin/python3.11\n").contains("from demo import main", "sys.exit(main())");
    assertThat(u.executable("/usr/local/bin/demo-hello")).isTrue();
    assertThat(u.executable(site + "demo/__init__.py")).isFalse();
    assertThat(text(u, site + "demo-1.0.dist-info/INSTALLER")).isEqualTo("ferry\n");
    String direct = text(u, site + "demo-1.0.dist-info/direct_url.json");
    assertThat(direct).contains("https://pypi.example/demo-1.0-py3-none-any.whl").doesNotContain("secret");
    assertThat(u.entries()).extracting(dev.ferry.oci.layer.LayerEntry::path)
        .contains("usr/", "usr/local/bin/", "usr/local/bin/demo-hello").isSorted();
    String record = text(u, site + "demo-1.0.dist-info/RECORD");
    assertThat(record).contains("../../../bin/demo-hello,sha256=", "demo-1.0.dist-info/INSTALLER,sha256=",
        "demo-1.0.dist-info/RECORD,,\n");
    assertThat(inst.scripts()).contains("/usr/local/bin/demo-hello", "/usr/local/bin/demo-tool");
  }

  @Test
  void unpack_keptContents_sameFilesModesAndRecordAsReadingTheZipAgain() throws Exception {
    Path f = TestWheels.write(tmp, "demo-1.0-py3-none-any.whl", TestWheels.pure("demo", "1.0"));
    InstallLayout layout = InstallLayout.prefix("/usr/local", "/usr/bin/python3.11", "3.11", "dist-packages");
    WheelUnpacker plain = new WheelUnpacker(layout, tmp.resolve("spill1"));
    WheelUnpacker kept = new WheelUnpacker(layout, tmp.resolve("spill2"));
    try (Wheel w = Wheel.open(f)) {
      plain.install(w, "file:///demo-1.0-py3-none-any.whl", "ab");
    }
    try (Wheel w = Wheel.open(f, true)) {
      assertThat(w.keptContents("demo/__init__.py")).isPresent();
      assertThat(w.verifiedHash("demo/__init__.py")).hasValueSatisfying(h -> assertThat(h).startsWith("sha256="));
      kept.install(w, "file:///demo-1.0-py3-none-any.whl", "ab");
    }
    assertThat(kept.entries()).extracting(e -> e.path() + " " + Integer.toOctalString(e.mode()))
        .containsExactlyElementsOf(plain.entries().stream().map(e -> e.path() + " " + Integer.toOctalString(e.mode())).toList());
    for (var e : plain.entries()) {
      if (!e.path().endsWith("/")) {
        assertThat(kept.content("/" + e.path()).orElseThrow()).as(e.path()).isEqualTo(plain.content("/" + e.path()).orElseThrow());
      }
    }
    String site = "/usr/local/lib/python3.11/dist-packages/";
    String record = text(kept, site + "demo-1.0.dist-info/RECORD");
    byte[] init = kept.content(site + "demo/__init__.py").orElseThrow();
    assertThat(record).contains("demo/__init__.py," + RecordEntry.sha256(RecordEntry.sha256().digest(init)) + "," + init.length);
  }

  @Test
  void unpack_twoWheelsSameFile_refusedNamingBoth() throws Exception {
    Path a = TestWheels.write(tmp, "demo-1.0-py3-none-any.whl", TestWheels.pure("demo", "1.0"));
    Map<String, byte[]> other = TestWheels.pure("other", "1.0");
    other.put("demo/__init__.py", new byte[] {1});
    Path b = TestWheels.write(tmp, "other-1.0-py3-none-any.whl", other);
    WheelUnpacker u = new WheelUnpacker(InstallLayout.prefix("/usr", "/usr/bin/python3.12", "3.12", "site-packages"), tmp);
    try (Wheel w = Wheel.open(a)) {
      u.install(w, "file:///a", "00");
    }
    try (Wheel w = Wheel.open(b)) {
      assertThatThrownBy(() -> u.install(w, "file:///b", "00"))
          .hasMessageContaining("other-1.0-py3-none-any.whl and demo-1.0-py3-none-any.whl both install");
    }
  }

  private static String text(WheelUnpacker u, String path) throws Exception {
    return new String(u.content(path).orElseThrow(), StandardCharsets.UTF_8);
  }
}
