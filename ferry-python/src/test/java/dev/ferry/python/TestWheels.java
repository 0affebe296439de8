package dev.ferry.python;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Writes small wheels for unit tests, with a correct RECORD unless a test breaks it on purpose. */
final class TestWheels {
  private TestWheels() {}

  /** Files of a pure wheel {@code name-version}: a package, WHEEL, METADATA and a console script. */
  static Map<String, byte[]> pure(String name, String version) {
    String di = name + "-" + version + ".dist-info/";
    Map<String, byte[]> f = new LinkedHashMap<>();
    f.put(name + "/__init__.py", ("def main():\n    print('hi from " + name + "')\n").getBytes(StandardCharsets.UTF_8));
    f.put(name + "-" + version + ".data/scripts/" + name + "-tool", "#!python\nprint('tool')\n".getBytes(StandardCharsets.UTF_8));
    f.put(name + "-" + version + ".data/data/share/" + name + "/readme.txt", "data\n".getBytes(StandardCharsets.UTF_8));
    f.put(name + "-" + version + ".data/headers/" + name + ".h", "int x;\n".getBytes(StandardCharsets.UTF_8));
    f.put(di + "WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n".getBytes(StandardCharsets.UTF_8));
    f.put(di + "METADATA", ("Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version
        + "\nRequires-Dist: other (>=1)\nRequires-Python: >=3.8\n").getBytes(StandardCharsets.UTF_8));
    f.put(di + "entry_points.txt", ("[console_scripts]\n" + name + "-hello = " + name + ":main\n")
        .getBytes(StandardCharsets.UTF_8));
    return f;
  }

  /** Writes the files plus a RECORD computed from them. */
  static Path write(Path dir, String filename, Map<String, byte[]> files) throws IOException {
    String distInfo = files.keySet().stream().filter(k -> k.endsWith(".dist-info/WHEEL")).findFirst().orElseThrow();
    String record = distInfo.substring(0, distInfo.length() - "WHEEL".length()) + "RECORD";
    StringBuilder sb = new StringBuilder();
    files.forEach((k, v) -> sb.append(k).append(',')
        .append(RecordEntry.sha256(RecordEntry.sha256().digest(v))).append(',').append(v.length).append('\n'));
    sb.append(record).append(",,\n");
    Map<String, byte[]> all = new LinkedHashMap<>(files);
    all.put(record, sb.toString().getBytes(StandardCharsets.UTF_8));
    return writeRaw(dir, filename, all);
  }

  /** Writes exactly these members (no RECORD added). */
  static Path writeRaw(Path dir, String filename, Map<String, byte[]> files) throws IOException {
    Path out = dir.resolve(filename);
    try (OutputStream o = Files.newOutputStream(out);
        ZipOutputStream z = new ZipOutputStream(o)) {
      for (Map.Entry<String, byte[]> e : files.entrySet()) {
        z.putNextEntry(new ZipEntry(e.getKey()));
        z.write(e.getValue());
        z.closeEntry();
      }
    }
    return out;
  }
}
