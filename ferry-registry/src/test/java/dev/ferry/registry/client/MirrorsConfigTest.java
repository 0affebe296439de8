package dev.ferry.registry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.oci.Reference;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MirrorsConfigTest {
  private static MirrorsConfig parse(String yaml) throws IOException {
    return MirrorsConfig.parse(yaml.getBytes(StandardCharsets.UTF_8), "registries.yaml");
  }

  @Test
  void parse_seedExample_mirrorsInOrderAndInsecure() throws IOException {
    MirrorsConfig c = parse("""
        mirrors:
          docker.io:
            - host: harbor.corp:443
              prefix: dockerhub-proxy
            - mirror.local:5000
          quay.io:
            - harbor.corp/quay-proxy
        insecure:
          - harbor.corp:5000
        """);
    assertThat(c.mirrorsFor("docker.io")).containsExactly(
        new MirrorsConfig.Mirror("harbor.corp:443", "dockerhub-proxy"), new MirrorsConfig.Mirror("mirror.local:5000", ""));
    assertThat(c.mirrorsFor("quay.io")).containsExactly(new MirrorsConfig.Mirror("harbor.corp", "quay-proxy"));
    assertThat(c.mirrorsFor("ghcr.io")).isEmpty();
    assertThat(c.insecure()).containsExactly("harbor.corp:5000");
  }

  @Test
  void parse_flowStyleFromTheIssue_works() throws IOException {
    MirrorsConfig c = parse("mirrors: { docker.io: [ {host: harbor.corp:443, prefix: dockerhub-proxy} ] }\ninsecure: [ \"harbor.corp:5000\" ]\n");
    assertThat(c.mirrorsFor("index.docker.io")).hasSize(1);
  }

  @Test
  void rewrite_keepsRepositoryTagAndDigestUnderPrefix() {
    MirrorsConfig.Mirror m = new MirrorsConfig.Mirror("harbor.corp:443", "dockerhub-proxy");
    assertThat(m.rewrite(Reference.parse("busybox:1")).toString())
        .isEqualTo("harbor.corp:443/dockerhub-proxy/library/busybox:1");
    Reference byDigest = Reference.parse("minio/minio@sha256:" + "a".repeat(64));
    assertThat(new MirrorsConfig.Mirror("m.local", "").rewrite(byDigest).toString())
        .isEqualTo("m.local/minio/minio@sha256:" + "a".repeat(64));
  }

  @Test
  void parse_emptyFile_isEmptyConfig() throws IOException {
    assertThat(parse("").mirrors()).isEmpty();
  }

  @Test
  void parse_badEntries_failNamingFileAndValue() {
    assertThatThrownBy(() -> parse("mirror: {}\n")).hasMessageContaining("registries.yaml").hasMessageContaining("'mirror'");
    assertThatThrownBy(() -> parse("mirrors: { docker.io: [ {host: \"bad host\"} ] }"))
        .hasMessageContaining("registries.yaml").hasMessageContaining("bad host");
    assertThatThrownBy(() -> parse("mirrors: { docker.io: {host: x.io} }")).hasMessageContaining("must be a list");
    assertThatThrownBy(() -> parse("insecure: [ \"a/b\" ]")).hasMessageContaining("a/b");
    assertThatThrownBy(() -> parse("mirrors: [")).hasMessageContaining("not valid YAML");
  }

  @Test
  void candidates_mirrorsThenUpstream_offlineMirrorsOnly() throws IOException {
    MirrorsConfig c = parse("mirrors: { docker.io: [ \"m1.local:5000\", \"m2.local/hub\" ] }");
    var puller = new dev.ferry.registry.client.internal.Puller(r -> null, c, false, new dev.ferry.registry.client.internal.Locations());
    assertThat(puller.candidates(Reference.parse("busybox:1"))).extracting(Reference::toString).containsExactly(
        "m1.local:5000/library/busybox:1", "m2.local/hub/library/busybox:1", "docker.io/library/busybox:1");
    var offline = new dev.ferry.registry.client.internal.Puller(r -> null, c, true, new dev.ferry.registry.client.internal.Locations());
    assertThat(offline.candidates(Reference.parse("busybox:1"))).hasSize(2);
    assertThat(offline.candidates(Reference.parse("ghcr.io/a/b:1"))).isEmpty();
  }
}
