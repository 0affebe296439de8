package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The delivery verbs' argument handling and errors (no peers). */
class DeliveryCommandsTest {
  @TempDir Path tmp;
  Cli ferry;

  @BeforeEach
  void setUp() {
    ferry = new Cli(tmp.resolve("store"));
  }

  @Test
  void init_directoryWithoutDockerfile_exitsTwoSayingSo() {
    Cli.Run r = ferry.run("init", tmp.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("no Dockerfile in").hasLineCount(1);
  }

  @Test
  void init_twice_needsForce() throws Exception {
    Files.writeString(tmp.resolve("Dockerfile"), "FROM scratch\n");
    ferry.ok("init", tmp.toString());
    Cli.Run again = ferry.run("init", tmp.toString());
    assertThat(again.exitCode()).isEqualTo(2);
    assertThat(again.err()).contains("already exists", "--force");
    ferry.ok("init", tmp.toString(), "--force");
  }

  @Test
  void specCheck_json_listsEveryProblemWithLineAndPath() throws Exception {
    Path spec = Files.writeString(tmp.resolve("ferry.yaml"), "name: x\nversion: 1\nimages:\n  - pull: busybox\n    tag: \"bad tag\"\n  - nmae: y\n");
    Cli.Run r = ferry.run("--json", "spec", "check", "-f", spec.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    JsonNode o = new ObjectMapper().readTree(r.out());
    assertThat(o.path("valid").asBoolean()).isFalse();
    assertThat(o.path("problems")).extracting(p -> p.path("line").asInt() + " " + p.path("path").asText())
        .containsExactly("5 images[0].tag", "6 images[1].nmae", "6 images[1]");
  }

  @Test
  void keygen_existingName_isRefused() {
    ferry.ok("keygen", "-o", tmp.resolve("k").toString());
    Cli.Run r = ferry.run("keygen", "-o", tmp.resolve("k").toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("already exists");
  }

  @Test
  void pack_splitNotWholeMebibytes_exitsTwo() throws Exception {
    Files.writeString(tmp.resolve("Dockerfile"), "FROM scratch\n");
    ferry.ok("init", tmp.toString());
    Cli.Run r = ferry.run("pack", "-f", tmp.resolve("ferry.yaml").toString(), "--split", "1500K");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--split must be a whole number of MiB");
    assertThat(PackCommand.parseSize("4G")).isEqualTo(4L << 30);
    assertThat(PackCommand.parseSize("700MiB")).isEqualTo(700L << 20);
  }

  @Test
  void bundleVerify_notABundle_exitsOneNamingIt() throws Exception {
    Path junk = Files.writeString(tmp.resolve("junk.ferry"), "not a tar at all, just text that is long enough to be read".repeat(20));
    Cli.Run r = ferry.run("bundle", "verify", junk.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("junk.ferry").hasLineCount(1);
  }
}
