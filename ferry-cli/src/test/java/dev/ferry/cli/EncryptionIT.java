package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.testing.Busybox;
import dev.ferry.testing.DistributionRegistry;
import dev.ferry.testing.Peers;
import dev.ferry.testing.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ocicrypt JWE layer encryption both ways with skopeo: Ferry encrypts and skopeo decrypts, and the reverse. */
class EncryptionIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  Cli ferry;
  Path store;
  Path skopeo;
  Path pub;
  Path priv;
  String plain;

  @BeforeEach
  void setUp() throws Exception {
    skopeo = Peers.require("skopeo");
    Path openssl = Peers.require("openssl");
    priv = tmp.resolve("priv.pem");
    pub = tmp.resolve("pub.pem");
    Processes.run(openssl.toString(), "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", priv.toString()).ok();
    Processes.run(openssl.toString(), "pkey", "-in", priv.toString(), "-pubout", "-out", pub.toString()).ok();
    store = tmp.resolve("store");
    ferry = new Cli(store);
    Path rootfs = Busybox.rootfs(tmp.resolve("rootfs"));
    Files.writeString(rootfs.resolve("etc/secret"), "source code worth protecting\n");
    plain = ferry.ok("image", "from-rootfs", rootfs.toString(), "-t", "app:1", "--cmd", "/bin/sh").lastLine();
  }

  private Processes.Result skopeo(String... args) throws Exception {
    String[] all = new String[args.length + 1];
    all[0] = skopeo.toString();
    System.arraycopy(args, 0, all, 1, args.length);
    Processes.Result r = Processes.run(all);
    assertThat(r.exitCode()).as(String.join(" ", args) + "\n" + r.stderr()).isZero();
    return r;
  }

  @Test
  void ferryEncrypts_skopeoDecryptsBackToTheSameDigest() throws Exception {
    String encrypted = ferry.ok("image", "encrypt", "app:1", "--key", "jwe:" + pub, "-t", "app:1-enc").lastLine();
    assertThat(encrypted).isNotEqualTo(plain);
    assertThat(ferry.ok("inspect", "app:1-enc").out()).contains("tar+gzip+encrypted");

    skopeo("copy", "--decryption-key", priv.toString(), "oci:" + store + ":docker.io/library/app:1-enc", "oci:" + tmp.resolve("out") + ":app");
    JsonNode index = JSON.readTree(tmp.resolve("out/index.json").toFile());
    assertThat(index.path("manifests").get(0).path("digest").asText()).isEqualTo(plain);
  }

  @Test
  void skopeoEncrypts_ferryDecryptsBackToTheSameDigest_wrongKeyIsOneLine() throws Exception {
    skopeo("copy", "--encryption-key", "jwe:" + pub, "oci:" + store + ":docker.io/library/app:1", "oci:" + tmp.resolve("enc") + ":app");
    ferry.ok("import", tmp.resolve("enc").toString(), "-t", "from-skopeo:1");
    assertThat(ferry.ok("inspect", "from-skopeo:1").out()).contains("+encrypted");

    assertThat(ferry.ok("image", "decrypt", "from-skopeo:1", "--key", "jwe:" + priv, "-t", "decrypted:1").lastLine()).isEqualTo(plain);
    ferry.ok("unpack", "decrypted:1", tmp.resolve("tree").toString());
    assertThat(tmp.resolve("tree/etc/secret")).hasContent("source code worth protecting");

    Processes.run(Peers.require("openssl").toString(), "genpkey", "-algorithm", "RSA", "-out", tmp.resolve("other.pem").toString()).ok();
    Cli.Run wrong = ferry.run("image", "decrypt", "from-skopeo:1", "--key", "jwe:" + tmp.resolve("other.pem"), "-t", "nope:1");
    assertThat(wrong.exitCode()).isEqualTo(1);
    assertThat(wrong.err()).contains("cannot be decrypted with this key").hasLineCount(1);
  }

  @Test
  void packEncrypted_pushedBundleDecryptsWithSkopeo_lockAndSbomStayReadable() throws Exception {
    Path project = Files.createDirectories(tmp.resolve("p"));
    Files.writeString(project.resolve("ferry.yaml"), """
        name: p
        version: 1.0.0
        images:
          - name: team/app
            tag: "1"
            pull: app:1
        """);
    Path bundle = Path.of(ferry.ok("pack", "-f", project.resolve("ferry.yaml").toString(), "--encrypt-for", "jwe:" + pub).lastLine());
    JsonNode lock = JSON.readTree(ferry.ok("--json", "bundle", "inspect", bundle.toString()).out());
    assertThat(lock.path("images").get(0).path("platforms").get(0).path("sbom").asText()).startsWith("sha256:");
    assertThat(lock.path("blobs").toString()).contains("tar+gzip+encrypted");

    Cli site = new Cli(tmp.resolve("site-store"));
    assertThat(site.ok("bundle", "load", bundle.toString(), "--decryption-key", "jwe:" + priv).out().strip())
        .isEqualTo("docker.io/team/app:1 " + plain);

    try (DistributionRegistry registry = DistributionRegistry.start()) {
      ferry.ok("bundle", "push", bundle.toString(), "--to", registry.host() + "/site");
      skopeo("copy", "--src-tls-verify=false", "--decryption-key", priv.toString(), "docker://" + registry.host() + "/site/team/app:1",
          "oci:" + tmp.resolve("site") + ":app");
      JsonNode index = JSON.readTree(tmp.resolve("site/index.json").toFile());
      assertThat(index.path("manifests").get(0).path("digest").asText()).isEqualTo(plain);
    }
  }
}
