package dev.ferry.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DigestTest {
  static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  static final String ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  static final String ABC_SHA512 =
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
          + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";

  @Test
  void parse_sha256_keepsAlgorithmAndHex() {
    Digest d = Digest.parse("sha256:" + ABC_SHA256);

    assertThat(d.algorithm()).isEqualTo(Digest.Algorithm.SHA256);
    assertThat(d.hex()).isEqualTo(ABC_SHA256);
    assertThat(d.toString()).isEqualTo("sha256:" + ABC_SHA256);
    assertThat(d.shortHex()).isEqualTo("ba7816bf8f01");
  }

  @Test
  void parse_sha512_keepsAlgorithmAndHex() {
    Digest d = Digest.parse("sha512:" + ABC_SHA512);

    assertThat(d.algorithm()).isEqualTo(Digest.Algorithm.SHA512);
    assertThat(d.hex()).hasSize(128).isEqualTo(ABC_SHA512);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "md5:" + ABC_SHA256, // unknown algorithm
        "SHA256:" + ABC_SHA256, // algorithm is case-sensitive
        "sha256:" + ABC_SHA256 + "0", // 65 hex
        "sha256:" + "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a", // 63 hex
        "sha512:" + ABC_SHA256, // sha256 length under sha512
        "sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", // upper-case hex
        "sha256:zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", // not hex
        "sha256" + ABC_SHA256, // missing colon
        ":" + ABC_SHA256, // empty algorithm
        "sha256:",
        ""
      })
  void parse_malformed_throwsQuotingValue(String bad) {
    assertThatThrownBy(() -> Digest.parse(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + bad + "'");
    assertThat(Digest.isDigest(bad)).isFalse();
  }

  @Test
  void parse_unknownAlgorithm_namesTheAlgorithm() {
    assertThatThrownBy(() -> Digest.parse("md5:abc"))
        .hasMessageContaining("'md5'")
        .hasMessageContaining("sha256 or sha512");
  }

  @Test
  void parse_upperCaseHex_saysLowerCase() {
    assertThatThrownBy(() -> Digest.parse("sha256:" + ABC_SHA256.toUpperCase()))
        .hasMessageContaining("64 lower-case hex");
  }

  @Test
  void sha256_knownVectors_match() {
    assertThat(Digest.sha256(new byte[0])).hasToString("sha256:" + EMPTY_SHA256);
    assertThat(Digest.sha256("abc".getBytes(StandardCharsets.US_ASCII))).hasToString("sha256:" + ABC_SHA256);
  }

  @Test
  void of_sha512RawDigest_matchesKnownVector() {
    byte[] raw = Digest.Algorithm.SHA512.newMessageDigest().digest("abc".getBytes(StandardCharsets.US_ASCII));

    assertThat(Digest.of(Digest.Algorithm.SHA512, raw)).isEqualTo(Digest.parse("sha512:" + ABC_SHA512));
  }

  @Test
  void of_wrongRawLength_throws() {
    assertThatThrownBy(() -> Digest.of(Digest.Algorithm.SHA256, new byte[31]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("32 bytes, got 31");
  }

  @Test
  void equals_sameValue_equalAndSameHash() {
    Digest a = Digest.parse("sha256:" + ABC_SHA256);
    Digest b = Digest.sha256("abc".getBytes(StandardCharsets.US_ASCII));

    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(Digest.parse("sha256:" + EMPTY_SHA256));
  }

  @Test
  void compareTo_ordersByString() {
    Digest empty = Digest.parse("sha256:" + EMPTY_SHA256);
    Digest abc = Digest.parse("sha256:" + ABC_SHA256);

    assertThat(abc).isLessThan(empty);
    assertThat(abc.compareTo(Digest.parse(abc.toString()))).isZero();
  }
}
