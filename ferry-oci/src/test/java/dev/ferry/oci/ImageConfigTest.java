package dev.ferry.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ImageConfigTest {
  static final Digest DIFF1 = Digest.parse("sha256:" + "1".repeat(64));
  static final Digest DIFF2 = Digest.parse("sha256:" + "2".repeat(64));

  static final String ODD =
      "{ \"rootfs\": {\"diff_ids\":[\""
          + DIFF1
          + "\"],\"type\":\"layers\"},\n \"os\":\"linux\", \"architecture\":\"arm\",\"variant\":\"v7\","
          + " \"foo\": {\"bar\": [1, 2, 3]},"
          + " \"config\":{\"Env\":[\"A=1\"],\"Cmd\":[\"sh\"],\"Labels\":{\"l\":\"v\"},\"ExposedPorts\":{\"80/tcp\":{}},"
          + "\"WorkingDir\":\"\",\"User\":\"1000\"},"
          + " \"history\":[{\"created_by\":\"ADD x\",\"created\":\"2024-01-01T00:00:00Z\"},"
          + "{\"created_by\":\"ENV A=1\",\"empty_layer\":true,\"comment\":\"c\",\"author\":\"me\"}] }";

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void parse_oddFormatting_keepsExactBytesAndDigest() {
    byte[] input = utf8(ODD);

    ImageConfig c = ImageConfig.parse(input);

    assertThat(c.bytes()).isEqualTo(input);
    assertThat(c.digest()).isEqualTo(Digest.sha256(input));
  }

  @Test
  void parse_fields_read() {
    ImageConfig c = ImageConfig.parse(utf8(ODD));

    assertThat(c.platform()).isEqualTo(new Platform("linux", "arm", "v7"));
    assertThat(c.diffIds()).containsExactly(DIFF1);
    assertThat(c.env()).containsExactly("A=1");
    assertThat(c.cmd()).containsExactly("sh");
    assertThat(c.entrypoint()).isEmpty();
    assertThat(c.labels()).isEqualTo(Map.of("l", "v"));
    assertThat(c.exposedPorts()).containsExactly("80/tcp");
    assertThat(c.workingDir()).isEmpty();
    assertThat(c.user()).contains("1000");
    assertThat(c.history())
        .containsExactly(
            new ImageConfig.History(
                Optional.of("2024-01-01T00:00:00Z"), Optional.of("ADD x"), Optional.empty(), Optional.empty(), false),
            new ImageConfig.History(
                Optional.empty(), Optional.of("ENV A=1"), Optional.of("me"), Optional.of("c"), true));
  }

  @Test
  void parse_duplicateKey_refused() {
    assertThatThrownBy(() -> ImageConfig.parse(utf8("{\"os\":\"linux\",\"os\":\"windows\"}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("image config is not valid JSON");
  }

  @Test
  void parse_invalidDiffId_refusedQuotingIt() {
    String bad = ODD.replace(DIFF1.toString(), "sha256:nothex");

    assertThatThrownBy(() -> ImageConfig.parse(utf8(bad)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'sha256:nothex'");
  }

  @Test
  void parse_rootfsNotObject_refused() {
    assertThatThrownBy(() -> ImageConfig.parse(utf8("{\"rootfs\":[]}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'rootfs' must be an object");
  }

  @Test
  void toBuilder_unknownField_kept() {
    ImageConfig c = ImageConfig.parse(utf8(ODD));

    ImageConfig edited = c.toBuilder().env(List.of("B=2")).label("m", "n").build();

    String json = new String(edited.bytes(), StandardCharsets.UTF_8);
    assertThat(json).contains("\"foo\":{\"bar\":[1,2,3]}");
    assertThat(edited.env()).containsExactly("B=2");
    assertThat(edited.labels()).isEqualTo(Map.of("l", "v", "m", "n"));
    assertThat(edited.cmd()).containsExactly("sh");
    assertThat(edited.diffIds()).containsExactly(DIFF1);
    assertThat(edited.history()).hasSize(2);
    assertThat(edited.digest()).isEqualTo(Digest.sha256(edited.bytes())).isNotEqualTo(c.digest());
  }

  @Test
  void toBuilder_doesNotChangeOriginal() {
    ImageConfig c = ImageConfig.parse(utf8(ODD));

    c.toBuilder().env(List.of("B=2")).addLayer(DIFF2, ImageConfig.History.of(null, "x", false)).build();

    assertThat(c.env()).containsExactly("A=1");
    assertThat(c.diffIds()).containsExactly(DIFF1);
    assertThat(c.bytes()).isEqualTo(utf8(ODD));
  }

  @Test
  void builder_layersAndHistory_roundTrip() {
    ImageConfig built =
        ImageConfig.builder(Platform.parse("linux/arm/v7"))
            .created("1970-01-01T00:00:00Z")
            .author("ferry")
            .entrypoint(List.of("/bin/app"))
            .cmd(List.of("--serve"))
            .workingDir("/srv")
            .user("65532")
            .addLayer(DIFF1, ImageConfig.History.of("1970-01-01T00:00:00Z", "COPY app", true))
            .addHistory(ImageConfig.History.of("1970-01-01T00:00:00Z", "ENV X=1", true))
            .addLayer(DIFF2, ImageConfig.History.of(null, "COPY lib", false))
            .build();

    ImageConfig parsed = ImageConfig.parse(built.bytes());

    assertThat(parsed.digest()).isEqualTo(built.digest());
    assertThat(parsed.diffIds()).containsExactly(DIFF1, DIFF2);
    assertThat(parsed.history())
        .containsExactly(
            // addLayer records a layer, so empty_layer is forced off even when the entry said otherwise
            ImageConfig.History.of("1970-01-01T00:00:00Z", "COPY app", false),
            ImageConfig.History.of("1970-01-01T00:00:00Z", "ENV X=1", true),
            ImageConfig.History.of(null, "COPY lib", false));
    assertThat(parsed.platform()).isEqualTo(new Platform("linux", "arm", "v7"));
    assertThat(parsed.created()).contains("1970-01-01T00:00:00Z");
    assertThat(parsed.author()).contains("ferry");
    assertThat(parsed.entrypoint()).containsExactly("/bin/app");
    assertThat(parsed.cmd()).containsExactly("--serve");
    assertThat(parsed.workingDir()).contains("/srv");
    assertThat(parsed.user()).contains("65532");
  }

  @Test
  void builder_sameInputs_sameDigest() {
    ImageConfig a = ImageConfig.builder(Platform.LINUX_AMD64).addLayer(DIFF1, ImageConfig.History.of(null, "x", false)).build();
    ImageConfig b = ImageConfig.builder(Platform.LINUX_AMD64).addLayer(DIFF1, ImageConfig.History.of(null, "x", false)).build();

    assertThat(a.digest()).isEqualTo(b.digest());
  }

  @Test
  void builder_buildTwice_secondSeesLaterEdits() {
    ImageConfig.Builder b = ImageConfig.builder(Platform.LINUX_AMD64);
    ImageConfig first = b.build();

    ImageConfig second = b.addLayer(DIFF1, ImageConfig.History.of(null, "x", false)).build();

    assertThat(first.diffIds()).isEmpty();
    assertThat(second.diffIds()).containsExactly(DIFF1);
  }
}
