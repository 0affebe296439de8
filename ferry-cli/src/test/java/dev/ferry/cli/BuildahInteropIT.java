package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ferry reads images that buildah commits and pushes: oci-archive, docker-archive and an OCI layout directory.
 * buildah runs with the vfs driver and its own storage, policy and registries files under the test's temporary
 * directory, so the host's container storage is never touched. Root only (buildah without a user namespace).
 */
class BuildahInteropIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String IMAGE = "localhost/bimg:1";

  @TempDir Path tmp;
  Path buildah;
  Path rootfs;
  Path policy;
  Map<String, String> env;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Peers.isRoot(), "buildah is run without a user namespace; that needs root");
    buildah = Peers.require("buildah");
    rootfs = Busybox.rootfs(tmp.resolve("rootfs"));
    Files.writeString(rootfs.resolve("etc/hello"), "hello from buildah\n");
    policy = Files.writeString(tmp.resolve("policy.json"), "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
    Path registries = Files.writeString(tmp.resolve("registries.conf"), "unqualified-search-registries = []\n");
    Path storage =
        Files.writeString(
            tmp.resolve("storage.conf"),
            "[storage]\ndriver = \"vfs\"\nrunroot = \"" + tmp.resolve("run") + "\"\ngraphroot = \"" + tmp.resolve("root") + "\"\n");
    env =
        Map.of(
            "STORAGE_DRIVER", "vfs",
            "CONTAINERS_STORAGE_CONF", storage.toString(),
            "CONTAINERS_REGISTRIES_CONF", registries.toString(),
            "BUILDAH_ISOLATION", "chroot");

    String ctr = buildah("from", "--signature-policy", policy.toString(), "scratch").stdout().strip();
    buildah("copy", ctr, rootfs.toString(), "/");
    buildah("config", "--cmd", "[\"/bin/sh\",\"-c\",\"echo hi from buildah\"]", "--env", "GREETING=hi", ctr);
    buildah("commit", "--signature-policy", policy.toString(), ctr, IMAGE);
    buildah("rm", ctr);
  }

  @Test
  void import_ociArchive_showsBuildahsCmdAndUnpacksTheFiles() throws Exception {
    Path archive = tmp.resolve("b-oci.tar");
    buildah("push", "--signature-policy", policy.toString(), IMAGE, "oci-archive:" + archive + ":bimg:1");

    checkImported(archive, "bimg:1");
  }

  @Test
  void import_dockerArchive_showsBuildahsCmdAndUnpacksTheFiles() throws Exception {
    Path archive = tmp.resolve("b-docker.tar");
    buildah("push", "--signature-policy", policy.toString(), IMAGE, "docker-archive:" + archive + ":bimg:1");

    checkImported(archive, "bimg:1");
  }

  @Test
  void import_ociLayoutDirectory_showsBuildahsCmdAndUnpacksTheFiles() throws Exception {
    Path layout = tmp.resolve("b-layout");
    buildah("push", "--signature-policy", policy.toString(), IMAGE, "oci:" + layout + ":bimg:1");

    checkImported(layout, "bimg:1");
  }

  private void checkImported(Path source, String name) throws IOException {
    Cli ferry = new Cli(tmp.resolve("store"));
    ferry.ok("import", source.toString(), "-t", name);

    JsonNode inspect = JSON.readTree(ferry.ok("--json", "inspect", name).out());
    assertThat(strings(inspect.path("Config").path("Cmd"))).containsExactly("/bin/sh", "-c", "echo hi from buildah");
    assertThat(strings(inspect.path("Config").path("Env"))).contains("GREETING=hi");
    assertThat(inspect.path("Config").path("Labels").path("io.buildah.version").asText()).isNotEmpty();

    Path out = tmp.resolve("unpacked");
    ferry.ok("unpack", name, out.toString());
    assertThat(Trees.sha256(out.resolve("bin/busybox"))).isEqualTo(Trees.sha256(rootfs.resolve("bin/busybox")));
    assertThat(Files.isExecutable(out.resolve("bin/busybox"))).isTrue();
    assertThat(Files.readSymbolicLink(out.resolve("bin/sh"))).isEqualTo(Path.of("busybox"));
    assertThat(Files.readString(out.resolve("etc/hello"))).isEqualTo("hello from buildah\n");
    assertThat(ferry.ok("fsck").out()).startsWith("clean").contains("1 names checked");
  }

  private Processes.Result buildah(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(buildah.toString());
    cmd.addAll(
        List.of("--storage-driver", "vfs", "--root", tmp.resolve("root").toString(), "--runroot", tmp.resolve("run").toString()));
    cmd.addAll(List.of(args));
    return Processes.run(cmd, null, env, 120).ok();
  }

  private static List<String> strings(JsonNode array) {
    List<String> l = new ArrayList<>();
    array.forEach(n -> l.add(n.asText()));
    return l;
  }
}
