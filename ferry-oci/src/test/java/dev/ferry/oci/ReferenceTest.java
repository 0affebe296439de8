package dev.ferry.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ReferenceTest {
  static final String HEX = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  static final String DIGEST = "sha256:" + HEX;

  /** The Docker CLI's normalisation (distribution/reference ParseNormalizedNamed): input, registry, repository, tag, digest. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      nullValues = "-",
      value = {
        "busybox, docker.io, library/busybox, latest, -",
        "busybox:1.36, docker.io, library/busybox, 1.36, -",
        "user/repo:tag, docker.io, user/repo, tag, -",
        "docker.io/busybox, docker.io, library/busybox, latest, -",
        "docker.io/library/busybox, docker.io, library/busybox, latest, -",
        "index.docker.io/x, docker.io, library/x, latest, -",
        "registry-1.docker.io/user/x:2, docker.io, user/x, 2, -",
        "localhost/foo, localhost, foo, latest, -",
        "localhost:5000/a/b:1, localhost:5000, a/b, 1, -",
        "localhost:5000, docker.io, library/localhost, 5000, -",
        "registry.example.com:443/ns/img@" + DIGEST + ", registry.example.com:443, ns/img, -, " + DIGEST,
        "busybox:1.36@" + DIGEST + ", docker.io, library/busybox, 1.36, " + DIGEST,
        "busybox@" + DIGEST + ", docker.io, library/busybox, -, " + DIGEST,
        "ghcr.io/a/b/c/d:v1.2.3-rc_1, ghcr.io, a/b/c/d, v1.2.3-rc_1, -",
        "example.com/a.b/c__d/e---f:Tag_UPPER, example.com, a.b/c__d/e---f, Tag_UPPER, -",
        "Foo/bar, Foo, bar, latest, -",
        "[::1]:5000/x, [::1]:5000, x, latest, -",
        "[::1]/x:1, [::1], x, 1, -",
        "' busybox ', docker.io, library/busybox, latest, -"
      })
  void parse_dockerGrammar_normalises(String input, String registry, String repository, String tag, String digest) {
    Reference r = Reference.parse(input);

    assertThat(r.registry()).isEqualTo(registry);
    assertThat(r.repository()).isEqualTo(repository);
    assertThat(r.tag()).isEqualTo(java.util.Optional.ofNullable(tag));
    assertThat(r.digest().map(Digest::toString)).isEqualTo(java.util.Optional.ofNullable(digest));
    assertThat(r.name()).isEqualTo(registry + "/" + repository);
  }

  @Test
  void toString_busybox_fullyQualified() {
    assertThat(Reference.parse("busybox")).hasToString("docker.io/library/busybox:latest");
  }

  @Test
  void toString_tagAndDigest_keepsBoth() {
    assertThat(Reference.parse("busybox:1@" + DIGEST)).hasToString("docker.io/library/busybox:1@" + DIGEST);
  }

  @Test
  void toString_digestOnly_hasNoTag() {
    assertThat(Reference.parse("registry.example.com:443/ns/img@" + DIGEST))
        .hasToString("registry.example.com:443/ns/img@" + DIGEST);
  }

  @Test
  void parse_upperCaseFirstComponent_isRegistryAsInDocker() {
    // Docker's splitDockerDomain: a first component that is not all lower case can only be a host name.
    Reference r = Reference.parse("Foo/bar");

    assertThat(r.registry()).isEqualTo("Foo");
    assertThat(r).hasToString("Foo/bar:latest");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Busybox", "busybox/Foo", "example.com/Foo/bar", "localhost:5000/a/B:1"})
  void parse_upperCaseRepository_saysLowercase(String bad) {
    assertThatThrownBy(() -> Reference.parse(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + bad + "'")
        .hasMessageContaining("must be lowercase");
  }

  @ParameterizedTest
  @ValueSource(strings = {"busybox:", "busybox:-x", "busybox:.x", "busybox:a+b", "busybox:a b"})
  void parse_badTag_throwsNamingTag(String bad) {
    assertThatThrownBy(() -> Reference.parse(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + bad + "'")
        .hasMessageContaining("tag '");
  }

  @Test
  void parse_tagOf128Characters_accepted() {
    String tag = "t".repeat(128);

    assertThat(Reference.parse("busybox:" + tag).tag()).contains(tag);
    assertThatThrownBy(() -> Reference.parse("busybox:" + tag + "t")).hasMessageContaining("1-128");
  }

  @Test
  void parse_nameLongerThan255_throws() {
    String repo = "a".repeat(100) + "/" + "b".repeat(100) + "/" + "c".repeat(60);

    assertThatThrownBy(() -> Reference.parse("example.com/" + repo))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("longer than 255");
  }

  @Test
  void parse_nameOf255_accepted() {
    String registry = "example.com";
    String repo = "a".repeat(255 - registry.length() - 1);

    assertThat(Reference.parse(registry + "/" + repo).name()).hasSize(255);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "  ",
        ":tag",
        "busybox@sha256:abc",
        "busybox@md5:" + HEX,
        "example.com:port/x",
        "exa_mple.com/x",
        "a//b",
        "a/b/",
        "-busybox",
        "busy..box",
        "busybox/"
      })
  void parse_malformed_throwsQuotingValue(String bad) {
    assertThatThrownBy(() -> Reference.parse(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid image reference '" + bad + "'");
  }

  @Test
  void parse_badRegistryPort_namesRegistry() {
    assertThatThrownBy(() -> Reference.parse("example.com:port/x"))
        .hasMessageContaining("registry 'example.com:port' is not a valid host[:port]");
  }

  @ParameterizedTest
  @CsvSource({
    "docker.io/library/busybox:latest, busybox:latest",
    "busybox:1, busybox:1",
    "docker.io/user/repo:tag, user/repo:tag",
    "localhost:5000/a/b:1, localhost:5000/a/b:1",
    "ghcr.io/library/x:1, ghcr.io/library/x:1",
    "[::1]:5000/x, [::1]:5000/x:latest",
    "Foo/bar, Foo/bar:latest"
  })
  void familiar_roundTrips(String input, String familiar) {
    Reference r = Reference.parse(input);

    assertThat(r.familiar()).isEqualTo(familiar);
    assertThat(Reference.parse(r.familiar())).isEqualTo(r);
    assertThat(Reference.parse(r.toString())).isEqualTo(r);
  }

  @Test
  void familiar_withDigest_keepsDigest() {
    Reference r = Reference.parse("docker.io/library/busybox:1@" + DIGEST);

    assertThat(r.familiar()).isEqualTo("busybox:1@" + DIGEST);
    assertThat(Reference.parse(r.familiar())).isEqualTo(r);
  }

  @Test
  void tagOrDigest_prefersDigest() {
    assertThat(Reference.parse("busybox:1@" + DIGEST).tagOrDigest()).isEqualTo(DIGEST);
    assertThat(Reference.parse("busybox:1").tagOrDigest()).isEqualTo("1");
    assertThat(Reference.parse("busybox").tagOrDigest()).isEqualTo("latest");
  }

  @Test
  void withTag_replacesTagAndValidates() {
    Reference r = Reference.parse("localhost:5000/a/b:1");

    assertThat(r.withTag("2")).hasToString("localhost:5000/a/b:2");
    assertThatThrownBy(() -> r.withTag("-bad")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void withDigest_keepsTag() {
    Reference r = Reference.parse("busybox:1").withDigest(Digest.parse(DIGEST));

    assertThat(r).hasToString("docker.io/library/busybox:1@" + DIGEST);
  }

  @Test
  void equals_sameNormalisedForm_equal() {
    Reference a = Reference.parse("busybox");
    Reference b = Reference.parse("index.docker.io/library/busybox:latest");

    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(Reference.parse("busybox:1"));
  }

  @Test
  void familiarName_keepsTheRegistryPortAndDropsTheTag() {
    assertThat(Reference.parse("127.0.0.1:5000/demo/bb:1").familiarName()).isEqualTo("127.0.0.1:5000/demo/bb");
    assertThat(Reference.parse("docker.io/library/busybox:1").familiarName()).isEqualTo("busybox");
    assertThat(Reference.parse("team/app@sha256:" + "a".repeat(64)).familiarName()).isEqualTo("team/app");
  }
}
