package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.testing.Busybox;
import dev.ferry.testing.Peers;
import dev.ferry.testing.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * skopeo reads what Ferry writes and Ferry reads what skopeo writes: Ferry's store as an {@code oci:} layout,
 * docker-archive and oci-archive in both directions.
 */
class SkopeoInteropIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NAME = "docker.io/library/x:1";
  private static final List<String> CMD = List.of("/bin/sh", "-c", "echo from skopeo test");

  @TempDir Path tmp;
  Path skopeo;
  Path store;
  Cli ferry;
  String manifestDigest;

  @BeforeEach
  void setUp() throws IOException {
    skopeo = Peers.require("skopeo");
    store = tmp.resolve("store");
    ferry = new Cli(store);
    Path rootfs = Busybox.rootfs(tmp.resolve("rootfs"));
    Files.writeString(rootfs.resolve("etc/hello"), "hello\n");
    manifestDigest =
        ferry.ok("image", "from-rootfs", rootfs.toString(), "-t", "x:1", "--cmd", String.join(",", CMD)).lastLine();
  }

  @Test
  void dockerArchive_skopeoFromFerryStore_importsWithSameDiffIdsAndCmd() throws Exception {
    Path archive = tmp.resolve("skopeo.tar");
    skopeo("copy", "oci:" + store + ":" + NAME, "docker-archive:" + archive + ":x:1");

    Cli other = new Cli(tmp.resolve("other"));
    other.ok("import", archive.toString());

    JsonNode original = inspect(ferry, "x:1");
    JsonNode imported = inspect(other, "x:1");
    assertThat(diffIds(imported)).isNotEmpty().isEqualTo(diffIds(original));
    assertThat(strings(imported.path("Config").path("Cmd"))).isEqualTo(CMD);
    assertThat(other.ok("fsck").out()).startsWith("clean");
  }

  @Test
  void dockerArchive_ferryExport_skopeoCopiesItAndSeesTheSameConfigBytes() throws Exception {
    Path archive = tmp.resolve("ferry.tar");
    ferry.ok("export", "x:1", "-o", archive.toString(), "--format", "docker-archive");

    String skopeoConfig = skopeo("inspect", "--raw", "--config", "docker-archive:" + archive).stdout();
    assertThat(skopeoConfig).isEqualTo(stripNewline(ferry.ok("inspect", "--config", "x:1").out()));

    Path layout = tmp.resolve("layout");
    skopeo("copy", "docker-archive:" + archive, "oci:" + layout + ":x");
    Cli other = new Cli(tmp.resolve("other"));
    other.ok("import", layout.toString(), "-t", "copied:1");
    assertThat(diffIds(inspect(other, "copied:1"))).isEqualTo(diffIds(inspect(ferry, "x:1")));
    assertThat(strings(inspect(other, "copied:1").path("Config").path("Cmd"))).isEqualTo(CMD);
  }

  @Test
  void ociArchive_ferryToSkopeoToFerry_keepsTheManifestDigest() throws Exception {
    Path exported = tmp.resolve("ferry-oci.tar");
    ferry.ok("export", "x:1", "-o", exported.toString(), "--format", "oci-archive");
    assertThat(skopeo("inspect", "--raw", "oci-archive:" + exported).stdout())
        .isEqualTo(stripNewline(ferry.ok("inspect", "--raw", "x:1").out()));

    Path copied = tmp.resolve("skopeo-oci.tar");
    skopeo("copy", "--preserve-digests", "oci-archive:" + exported, "oci-archive:" + copied + ":" + NAME);
    Cli other = new Cli(tmp.resolve("other"));
    String imported = other.ok("import", copied.toString()).lastLine();

    assertThat(imported).isEqualTo(manifestDigest);
    assertThat(other.ok("-q", "images").outLines()).containsExactly(NAME);
    assertThat(other.ok("fsck").out()).startsWith("clean");
  }

  @Test
  void ociArchive_skopeoFromFerryStore_importsWithSameDiffIdsAndCmd() throws Exception {
    Path archive = tmp.resolve("skopeo-oci.tar");
    skopeo("copy", "oci:" + store + ":" + NAME, "oci-archive:" + archive + ":x:1");

    Cli other = new Cli(tmp.resolve("other"));
    other.ok("import", archive.toString(), "-t", "x:1");

    assertThat(diffIds(inspect(other, "x:1"))).isNotEmpty().isEqualTo(diffIds(inspect(ferry, "x:1")));
    assertThat(strings(inspect(other, "x:1").path("Config").path("Cmd"))).isEqualTo(CMD);
    Path out = tmp.resolve("unpacked");
    other.ok("unpack", "x:1", out.toString());
    assertThat(Files.readString(out.resolve("etc/hello"))).isEqualTo("hello\n");
  }

  @Test
  void ociLayout_skopeoWritesIntoTheStore_ferryListsTheNameAndFsckIsClean() throws Exception {
    skopeo("copy", "oci:" + store + ":" + NAME, "oci:" + store + ":docker.io/library/y:2");

    assertThat(ferry.ok("-q", "images").outLines()).containsExactlyInAnyOrder(NAME, "docker.io/library/y:2");
    assertThat(inspect(ferry, "y:2").path("Digest").asText()).isEqualTo(manifestDigest);
    assertThat(ferry.ok("fsck").out()).startsWith("clean").contains("2 names checked");
  }

  private Processes.Result skopeo(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(skopeo.toString());
    // A private policy: the host's /etc/containers/policy.json may be missing or strict.
    cmd.add("--policy");
    cmd.add(policy().toString());
    cmd.addAll(List.of(args));
    return Processes.run(cmd).ok();
  }

  private Path policy() throws IOException {
    Path p = tmp.resolve("policy.json");
    if (!Files.exists(p)) {
      Files.writeString(p, "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
    }
    return p;
  }

  private static JsonNode inspect(Cli cli, String ref) throws IOException {
    return JSON.readTree(cli.ok("--json", "inspect", ref).out());
  }

  private static List<String> diffIds(JsonNode inspect) {
    return strings(inspect.path("DiffIDs"));
  }

  private static List<String> strings(JsonNode array) {
    List<String> l = new ArrayList<>();
    array.forEach(n -> l.add(n.asText()));
    return l;
  }

  private static String stripNewline(String s) {
    return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
  }
}
