package dev.ferry.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class IndexTest {
  static final Digest AMD = Digest.parse("sha256:" + "a".repeat(64));
  static final Digest ARM = Digest.parse("sha256:" + "b".repeat(64));
  static final Digest ARMV7 = Digest.parse("sha256:" + "7".repeat(64));

  static final String ODD =
      "{ \"manifests\":[\n"
          + " {\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"},\"size\":100,\"digest\":\""
          + AMD
          + "\",\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"},\n"
          + " {\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
          + ARM
          + "\",\"size\":101,\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}}\n"
          + "], \"schemaVersion\":2 ,\"annotations\":{\"x\":\"y\"} }";

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void parse_oddFormatting_keepsExactBytesAndDigest() {
    byte[] input = utf8(ODD);

    Index i = Index.parse(input, Optional.empty());

    assertThat(i.bytes()).isEqualTo(input);
    assertThat(i.digest()).isEqualTo(Digest.sha256(input));
    assertThat(i.descriptor()).isEqualTo(Descriptor.of(MediaType.OCI_INDEX, Digest.sha256(input), input.length));
  }

  @Test
  void parse_entries_readInOrderWithPlatforms() {
    Index i = Index.parse(utf8(ODD), Optional.empty());

    assertThat(i.mediaType()).isEqualTo(MediaType.OCI_INDEX);
    assertThat(i.manifests()).extracting(Descriptor::digest).containsExactly(AMD, ARM);
    assertThat(i.manifests()).extracting(Descriptor::size).containsExactly(100L, 101L);
    assertThat(i.platforms()).containsExactly(Platform.LINUX_AMD64, new Platform("linux", "arm64", "v8"));
    assertThat(i.annotations()).isEqualTo(Map.of("x", "y"));
  }

  @Test
  void find_platform_picksMatchingEntry() {
    Index i = Index.parse(utf8(ODD), Optional.empty());

    assertThat(i.find(Platform.parse("linux/arm64")).map(Descriptor::digest)).contains(ARM);
    assertThat(i.find(Platform.parse("x86_64")).map(Descriptor::digest)).contains(AMD);
    assertThat(i.find(Platform.parse("linux/s390x"))).isEmpty();
  }

  @Test
  void find_entryWithoutPlatform_skipped() {
    Index i =
        Index.of(
            List.of(
                Descriptor.of(MediaType.OCI_MANIFEST, AMD, 1),
                Descriptor.of(MediaType.OCI_MANIFEST, ARMV7, 2).withPlatform(new Platform("linux", "arm", "v7"))));

    assertThat(i.find(Platform.parse("linux/arm/v7")).map(Descriptor::digest)).contains(ARMV7);
    assertThat(i.find(Platform.LINUX_AMD64)).isEmpty();
    assertThat(i.platforms()).containsExactly(new Platform("linux", "arm", "v7"));
  }

  @Test
  void parse_duplicateKey_refused() {
    String dup = "{\"schemaVersion\":2,\"manifests\":[],\"manifests\":[]}";

    assertThatThrownBy(() -> Index.parse(utf8(dup), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("manifests");
  }

  @Test
  void parse_schemaVersion3_refused() {
    assertThatThrownBy(() -> Index.parse(utf8("{\"schemaVersion\":3,\"manifests\":[]}"), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("schemaVersion 2, got 3");
  }

  @Test
  void parse_manifest_refused() {
    Manifest m =
        Manifest.of(Descriptor.of(MediaType.OCI_CONFIG, AMD, 2), List.of(Descriptor.of(MediaType.OCI_LAYER, ARM, 3)));

    assertThatThrownBy(() -> Index.parse(m.bytes(), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected an image index")
        .hasMessageContaining(MediaType.OCI_MANIFEST.value());
  }

  @Test
  void parse_manifestWithoutTypeDeclaredAsManifest_refused() {
    String noType = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
        + "\"digest\":\"" + AMD + "\",\"size\":1},\"layers\":[]}";

    assertThatThrownBy(() -> Index.parse(utf8(noType), Optional.of(MediaType.OCI_MANIFEST.value())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected an image index");
    assertThatThrownBy(() -> Index.parse(utf8(noType), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'manifests' array");
  }

  @Test
  void parse_dockerManifestList_readsTypes() {
    String list =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.list.v2+json\","
            + "\"manifests\":[{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"size\":7143,"
            + "\"digest\":\""
            + ARMV7
            + "\",\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}}]}";

    Index i = Index.parse(utf8(list), Optional.empty());

    assertThat(i.mediaType()).isEqualTo(MediaType.DOCKER_MANIFEST_LIST);
    assertThat(i.manifests()).singleElement().satisfies(d -> {
      assertThat(d.isManifest()).isTrue();
      assertThat(d.knownMediaType()).contains(MediaType.DOCKER_MANIFEST);
    });
    assertThat(i.find(Platform.parse("armhf")).map(Descriptor::digest)).contains(ARMV7);
  }

  @Test
  void parse_entryPlatformWithoutArchitecture_refusedNamingEntry() {
    String bad = ODD.replace("\"architecture\":\"arm64\",", "");

    assertThatThrownBy(() -> Index.parse(utf8(bad), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("index entry 1 platform")
        .hasMessageContaining("'architecture'");
  }

  @Test
  void of_thenParse_sameFieldsAndDigest() {
    Descriptor amd = Descriptor.of(MediaType.OCI_MANIFEST, AMD, 100).withPlatform(Platform.LINUX_AMD64);
    Descriptor arm =
        Descriptor.of(MediaType.OCI_MANIFEST, ARM, 101)
            .withPlatform(new Platform("linux", "arm64", "", "", List.of("sse4")))
            .withAnnotation(Descriptor.REF_NAME, "x");
    Index built = Index.of(MediaType.OCI_INDEX, List.of(amd, arm), Map.of("k", "v"));

    Index parsed = Index.parse(built.bytes(), Optional.empty());

    assertThat(parsed.digest()).isEqualTo(built.digest());
    assertThat(parsed.manifests()).containsExactly(amd, arm);
    assertThat(parsed.annotations()).isEqualTo(Map.of("k", "v"));
    assertThat(parsed.mediaType()).isEqualTo(MediaType.OCI_INDEX);
  }

  @Test
  void of_manifestType_refused() {
    assertThatThrownBy(() -> Index.of(MediaType.OCI_MANIFEST, List.of(), Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
