package dev.ferry.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ManifestTest {
  static final String CONFIG_DIGEST = "sha256:" + "c".repeat(64);
  static final String LAYER_DIGEST = "sha256:" + "1".repeat(64);
  static final String LAYER2_DIGEST = "sha256:" + "2".repeat(64);

  /** A manifest with odd whitespace and keys out of the canonical order. */
  static final String ODD =
      "{\n  \"layers\" : [ {\"size\":10, \"digest\":\""
          + LAYER_DIGEST
          + "\",\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\"} ],\n"
          + "\t\"config\":{\"digest\":\""
          + CONFIG_DIGEST
          + "\",\"size\":7,\"mediaType\":\"application/vnd.oci.image.config.v1+json\"},"
          + "\"annotations\":{\"b\":\"2\",\"a\":\"1\"},   \"schemaVersion\" :2,"
          + "\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"   }\n";

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void parse_oddFormatting_keepsExactBytesAndDigest() {
    byte[] input = utf8(ODD);

    Manifest m = Manifest.parse(input, Optional.empty());

    assertThat(m.bytes()).isEqualTo(input);
    assertThat(m.digest()).isEqualTo(Digest.sha256(input));
    assertThat(m.descriptor().size()).isEqualTo(input.length);
    assertThat(m.descriptor().digest()).isEqualTo(Digest.sha256(input));
    assertThat(m.descriptor().mediaType()).isEqualTo(MediaType.OCI_MANIFEST.value());
  }

  @Test
  void parse_oddFormatting_readsFields() {
    Manifest m = Manifest.parse(utf8(ODD), Optional.empty());

    assertThat(m.mediaType()).isEqualTo(MediaType.OCI_MANIFEST);
    assertThat(m.config().digest()).hasToString(CONFIG_DIGEST);
    assertThat(m.config().size()).isEqualTo(7);
    assertThat(m.layers()).singleElement().satisfies(l -> {
      assertThat(l.digest()).hasToString(LAYER_DIGEST);
      assertThat(l.knownMediaType()).contains(MediaType.OCI_LAYER_GZIP);
    });
    assertThat(m.annotations()).containsExactlyInAnyOrderEntriesOf(Map.of("a", "1", "b", "2"));
    assertThat(m.contentSize()).isEqualTo(17);
  }

  @Test
  void parse_inputMutatedAfterwards_unaffected() {
    byte[] input = utf8(ODD);
    Manifest m = Manifest.parse(input, Optional.empty());
    Digest before = m.digest();

    input[0] = ' ';
    m.bytes()[1] = 'x';

    assertThat(m.bytes()).isEqualTo(utf8(ODD));
    assertThat(m.digest()).isEqualTo(before);
  }

  @Test
  void parse_duplicateKey_refused() {
    String dup =
        "{\"schemaVersion\":2,\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
            + "\"digest\":\""
            + CONFIG_DIGEST
            + "\",\"size\":1},\"layers\":[]}";

    assertThatThrownBy(() -> Manifest.parse(utf8(dup), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not valid JSON")
        .hasMessageContaining("schemaVersion");
  }

  @Test
  void parse_duplicateKeyInsideDescriptor_refused() {
    String dup =
        "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
            + "\"digest\":\""
            + CONFIG_DIGEST
            + "\",\"digest\":\""
            + LAYER_DIGEST
            + "\",\"size\":1},\"layers\":[]}";

    assertThatThrownBy(() -> Manifest.parse(utf8(dup), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("digest");
  }

  @Test
  void parse_schemaVersion1_refused() {
    String v1 = ODD.replace("\"schemaVersion\" :2", "\"schemaVersion\" :1");

    assertThatThrownBy(() -> Manifest.parse(utf8(v1), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("schemaVersion 2, got 1");
  }

  @Test
  void parse_noSchemaVersion_refused() {
    String none = ODD.replace("\"schemaVersion\" :2,", "");

    assertThatThrownBy(() -> Manifest.parse(utf8(none), Optional.empty()))
        .hasMessageContaining("schemaVersion 2, got none");
  }

  @Test
  void parse_notAnObject_refused() {
    assertThatThrownBy(() -> Manifest.parse(utf8("[1,2]"), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> Manifest.parse(utf8("{\"schemaVersion\":2"), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not valid JSON");
  }

  @Test
  void parse_index_refused() {
    byte[] index = Index.of(List.of()).bytes();

    assertThatThrownBy(() -> Manifest.parse(index, Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected an image manifest")
        .hasMessageContaining(MediaType.OCI_INDEX.value());
  }

  @Test
  void parse_declaredIndexTypeWithoutTypeInDocument_refused() {
    String noType = ODD.replace(",\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"", "");

    assertThat(Manifest.parse(utf8(noType), Optional.empty()).mediaType()).isEqualTo(MediaType.OCI_MANIFEST);
    assertThatThrownBy(() -> Manifest.parse(utf8(noType), Optional.of(MediaType.OCI_INDEX.value())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected an image manifest");
  }

  @Test
  void parse_declaredDockerTypeWithoutTypeInDocument_usesDeclared() {
    String noType = ODD.replace(",\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"", "");

    Manifest m = Manifest.parse(utf8(noType), Optional.of(MediaType.DOCKER_MANIFEST.value()));

    assertThat(m.mediaType()).isEqualTo(MediaType.DOCKER_MANIFEST);
  }

  @Test
  void parse_unknownMediaType_refused() {
    String other = ODD.replace("application/vnd.oci.image.manifest.v1+json", "application/vnd.example+json");

    assertThatThrownBy(() -> Manifest.parse(utf8(other), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unsupported media type 'application/vnd.example+json'");
  }

  @Test
  void parse_dockerV22_readsTypes() {
    String docker =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
            + "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":1469,\"digest\":\""
            + CONFIG_DIGEST
            + "\"},\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":2479,"
            + "\"digest\":\""
            + LAYER_DIGEST
            + "\"},{\"mediaType\":\"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip\",\"size\":5,"
            + "\"digest\":\""
            + LAYER2_DIGEST
            + "\",\"urls\":[\"https://example.com/layer\"]}]}";

    Manifest m = Manifest.parse(utf8(docker), Optional.empty());

    assertThat(m.mediaType()).isEqualTo(MediaType.DOCKER_MANIFEST);
    assertThat(m.config().knownMediaType()).contains(MediaType.DOCKER_CONFIG);
    assertThat(m.layers()).extracting(Descriptor::knownMediaType)
        .containsExactly(Optional.of(MediaType.DOCKER_LAYER_GZIP), Optional.of(MediaType.DOCKER_FOREIGN_LAYER));
    assertThat(m.layers().get(1).urls()).containsExactly("https://example.com/layer");
    assertThat(m.digest()).isEqualTo(Digest.sha256(utf8(docker)));
  }

  @Test
  void parse_missingConfig_refused() {
    assertThatThrownBy(() -> Manifest.parse(utf8("{\"schemaVersion\":2,\"layers\":[]}"), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no config");
  }

  @Test
  void parse_layersNotArray_refused() {
    String bad = ODD.replaceFirst("\\[ \\{.*?\\} \\]", "{}");

    assertThatThrownBy(() -> Manifest.parse(utf8(bad), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'layers' must be an array");
  }

  @Test
  void parse_badLayerDigest_namesLayer() {
    String bad = ODD.replace(LAYER_DIGEST, "sha256:XYZ");

    assertThatThrownBy(() -> Manifest.parse(utf8(bad), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("manifest layer 0")
        .hasMessageContaining("'sha256:XYZ'");
  }

  @Test
  void parse_nonIntegerSize_refused() {
    String bad = ODD.replace("\"size\":7", "\"size\":7.5");

    assertThatThrownBy(() -> Manifest.parse(utf8(bad), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("manifest config needs an integer field 'size'");
  }

  @Test
  void parse_negativeSize_refused() {
    String bad = ODD.replace("\"size\":7", "\"size\":-7");

    assertThatThrownBy(() -> Manifest.parse(utf8(bad), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-7");
  }

  @Test
  void of_thenParse_sameFieldsAndDigest() {
    Descriptor config = Descriptor.of(MediaType.OCI_CONFIG, Digest.parse(CONFIG_DIGEST), 7);
    Descriptor layer =
        Descriptor.of(MediaType.OCI_LAYER_ZSTD, Digest.parse(LAYER_DIGEST), 10).withAnnotation("k", "v");
    Descriptor subject = Descriptor.of(MediaType.OCI_MANIFEST, Digest.parse(LAYER2_DIGEST), 300);
    Manifest built =
        Manifest.of(
            MediaType.OCI_MANIFEST,
            config,
            List.of(layer),
            Map.of("z", "1", "a", "2"),
            Optional.of(subject),
            Optional.of("application/vnd.example.sbom"));

    Manifest parsed = Manifest.parse(built.bytes(), Optional.empty());

    assertThat(parsed.digest()).isEqualTo(built.digest());
    assertThat(parsed.bytes()).isEqualTo(built.bytes());
    assertThat(parsed.mediaType()).isEqualTo(built.mediaType());
    assertThat(parsed.config()).isEqualTo(config);
    assertThat(parsed.layers()).containsExactly(layer);
    assertThat(parsed.subject()).contains(subject);
    assertThat(parsed.artifactType()).contains("application/vnd.example.sbom");
    assertThat(parsed.annotations()).isEqualTo(Map.of("z", "1", "a", "2"));
  }

  @Test
  void of_sameInputs_sameBytes() {
    Descriptor config = Descriptor.of(MediaType.OCI_CONFIG, Digest.parse(CONFIG_DIGEST), 7);

    Manifest a = Manifest.of(MediaType.OCI_MANIFEST, config, List.of(), Map.of("b", "1", "a", "2"), Optional.empty(), Optional.empty());
    Manifest b = Manifest.of(MediaType.OCI_MANIFEST, config, List.of(), new java.util.LinkedHashMap<>(Map.of("a", "2", "b", "1")), Optional.empty(), Optional.empty());

    assertThat(a.bytes()).isEqualTo(b.bytes());
    assertThat(new String(a.bytes(), StandardCharsets.UTF_8)).contains("\"annotations\":{\"a\":\"2\",\"b\":\"1\"}");
  }

  @Test
  void of_dockerType_parsesBackAsDocker() {
    Descriptor config = Descriptor.of(MediaType.DOCKER_CONFIG, Digest.parse(CONFIG_DIGEST), 7);
    Manifest built =
        Manifest.of(MediaType.DOCKER_MANIFEST, config, List.of(), Map.of(), Optional.empty(), Optional.empty());

    assertThat(Manifest.parse(built.bytes(), Optional.empty()).mediaType()).isEqualTo(MediaType.DOCKER_MANIFEST);
  }

  @Test
  void of_indexType_refused() {
    Descriptor config = Descriptor.of(MediaType.OCI_CONFIG, Digest.parse(CONFIG_DIGEST), 7);

    assertThatThrownBy(
            () -> Manifest.of(MediaType.OCI_INDEX, config, List.of(), Map.of(), Optional.empty(), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(MediaType.OCI_INDEX.value());
  }
}
