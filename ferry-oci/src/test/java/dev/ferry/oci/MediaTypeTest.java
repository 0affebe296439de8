package dev.ferry.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MediaTypeTest {

  @Test
  void parse_unknown_throwsListingSupported() {
    assertThatThrownBy(() -> MediaType.parse("application/json"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'application/json'")
        .hasMessageContaining(MediaType.OCI_MANIFEST.value())
        .hasMessageContaining(MediaType.DOCKER_MANIFEST_LIST.value())
        .hasMessageContaining(MediaType.OCI_LAYER_ZSTD.value());
  }

  @Test
  void parse_everyValue_roundTrips() {
    for (MediaType t : MediaType.values()) {
      assertThat(MediaType.parse(t.value())).isEqualTo(t);
      assertThat(t).hasToString(t.value());
    }
    assertThat(MediaType.supported()).hasSize(MediaType.values().length).doesNotHaveDuplicates();
  }

  @Test
  void find_withParameters_ignoresThem() {
    assertThat(MediaType.find("application/vnd.oci.image.manifest.v1+json; charset=utf-8"))
        .contains(MediaType.OCI_MANIFEST);
    assertThat(MediaType.find("application/vnd.docker.distribution.manifest.v2+json ;charset=utf-8"))
        .contains(MediaType.DOCKER_MANIFEST);
    assertThat(MediaType.parse("application/vnd.oci.image.index.v1+json;charset=utf-8"))
        .isEqualTo(MediaType.OCI_INDEX);
  }

  @Test
  void find_unknownOrNull_empty() {
    assertThat(MediaType.find("application/vnd.example+json")).isEmpty();
    assertThat(MediaType.find(null)).isEmpty();
    assertThat(MediaType.find("")).isEmpty();
  }

  @Test
  void find_isCaseSensitiveOnValue() {
    assertThat(MediaType.find("APPLICATION/VND.OCI.IMAGE.MANIFEST.V1+JSON")).isEmpty();
  }

  @Test
  void kinds_classifyTypes() {
    assertThat(MediaType.OCI_MANIFEST.isManifest()).isTrue();
    assertThat(MediaType.DOCKER_MANIFEST.isManifest()).isTrue();
    assertThat(MediaType.OCI_INDEX.isIndex()).isTrue();
    assertThat(MediaType.DOCKER_MANIFEST_LIST.isIndex()).isTrue();
    assertThat(MediaType.OCI_INDEX.isManifest()).isFalse();
    assertThat(MediaType.OCI_LAYER_NONDISTRIBUTABLE_GZIP.isLayer()).isTrue();
    assertThat(MediaType.DOCKER_FOREIGN_LAYER.isLayer()).isTrue();
    assertThat(MediaType.OCI_CONFIG.isLayer()).isFalse();
    assertThat(MediaType.DOCKER_CONFIG.isDocker()).isTrue();
    assertThat(MediaType.OCI_CONFIG.isDocker()).isFalse();
  }

  @Test
  void ociLayer_compression_picksMatchingType() {
    for (MediaType.Compression c : MediaType.Compression.values()) {
      MediaType t = MediaType.ociLayer(c);
      assertThat(t.compression()).isEqualTo(c);
      assertThat(t.kind()).isEqualTo(MediaType.Kind.LAYER);
      assertThat(t.isDocker()).isFalse();
    }
  }
}
