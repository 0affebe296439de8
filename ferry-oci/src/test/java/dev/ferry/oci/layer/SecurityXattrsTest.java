package dev.ferry.oci.layer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.oci.MediaType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecurityXattrsTest {
  @TempDir Path tmp;

  @Test
  void parse_dumpWithEscapedNames_decodesPathsAndValues() {
    String dump =
        "# file: /r/bin/ping\nsecurity.capability=0sAQAAAgAgAAAAAAAAAAAAAAAAAAA=\n\n"
            + "# file: /r/odd\\040name\\134x\nsecurity.capability=0sAAE=\n\n";

    Map<Path, SortedMap<String, byte[]>> m = SecurityXattrs.parse(dump);

    assertThat(m).containsOnlyKeys(Path.of("/r/bin/ping"), Path.of("/r/odd name\\x"));
    assertThat(HexFormat.of().formatHex(m.get(Path.of("/r/bin/ping")).get("security.capability")))
        .isEqualTo("0100000200200000000000000000000000000000");
  }

  @Test
  void write_fileWithCapability_recordsItAsPaxXattr() throws Exception {
    Assumptions.assumeTrue(SecurityXattrs.available(), "getfattr (package attr) is not installed");
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/setcap")), "setcap is not installed");
    Path root = Files.createDirectories(tmp.resolve("root"));
    Path ping = Files.writeString(root.resolve("ping"), "binary");
    Files.writeString(root.resolve("plain"), "x");
    Process p = new ProcessBuilder("/usr/sbin/setcap", "cap_net_raw+ep", ping.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    Assumptions.assumeTrue(p.waitFor() == 0, "setcap failed here (needs root and a file system with xattrs): " + out);

    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    LayerWriter.builder().compression(MediaType.Compression.NONE).build().write(root, blob);

    // The PAX record holds the raw 20 bytes (VFS_CAP_REVISION_2); read them from the tar bytes themselves, since
    // commons-compress decodes PAX values as UTF-8 text.
    byte[] tar = blob.toByteArray();
    String latin = new String(tar, StandardCharsets.ISO_8859_1);
    int at = latin.indexOf("SCHILY.xattr.security.capability=");
    assertThat(at).as("a security.capability PAX record").isPositive();
    assertThat(latin.indexOf("SCHILY.xattr.security.capability=", at + 1)).as("only ping has one").isNegative();
    int start = at + "SCHILY.xattr.security.capability=".length();
    byte[] cap = java.util.Arrays.copyOfRange(tar, start, start + 20);
    Map<Path, SortedMap<String, byte[]>> onDisk = SecurityXattrs.read(root);
    assertThat(cap).isEqualTo(onDisk.get(ping.toAbsolutePath()).get("security.capability"));
    assertThat(tar[start + 20]).as("record ends after the value").isEqualTo((byte) '\n');
  }
}
