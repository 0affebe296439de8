package dev.ferry.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PlatformTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "linux/amd64, linux/amd64",
    "linux/x86_64, linux/amd64",
    "linux/x86-64, linux/amd64",
    "x86_64, linux/amd64",
    "linux/aarch64, linux/arm64",
    "aarch64, linux/arm64",
    "arm64, linux/arm64",
    "linux/arm64/v8, linux/arm64",
    "linux/aarch64/v8, linux/arm64",
    "armhf, linux/arm/v7",
    "linux/armhf, linux/arm/v7",
    "linux/arm, linux/arm/v7",
    "linux/arm/v6, linux/arm/v6",
    "armel, linux/arm/v6",
    "linux/i386, linux/386",
    "Linux/AMD64, linux/amd64",
    "windows/amd64, windows/amd64",
    "linux/riscv64, linux/riscv64",
    "' linux/ppc64le ', linux/ppc64le"
  })
  void parse_commonSpellings_normalise(String input, String expected) {
    assertThat(Platform.parse(input)).hasToString(expected);
  }

  @Test
  void parse_arm64v8_dropsVariantAndEqualsConstant() {
    Platform p = Platform.parse("linux/arm64/v8");

    assertThat(p).isEqualTo(Platform.LINUX_ARM64);
    assertThat(p.variant()).isEmpty();
  }

  @Test
  void parse_armhf_hasArmV7Fields() {
    Platform p = Platform.parse("armhf");

    assertThat(p.os()).isEqualTo("linux");
    assertThat(p.architecture()).isEqualTo("arm");
    assertThat(p.variant()).isEqualTo("v7");
  }

  @ParameterizedTest
  @ValueSource(strings = {"linux/", "/amd64", "a/b/c/d", "linux//amd64", "linux /amd64", "linux/amd 64", "", "  ", "linux/amd64!"})
  void parse_malformed_throwsQuotingValue(String bad) {
    assertThatThrownBy(() -> Platform.parse(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("os/arch[/variant]")
        .hasMessageContaining("'" + bad + "'");
  }

  @Test
  void new_emptyArchitecture_throws() {
    assertThatThrownBy(() -> new Platform("linux", "", ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("architecture=''");
  }

  @Test
  void matches_sameOsAndArch_true() {
    assertThat(Platform.LINUX_AMD64.matches(new Platform("linux", "amd64", ""))).isTrue();
  }

  @Test
  void matches_otherArchOrOs_false() {
    assertThat(Platform.LINUX_AMD64.matches(Platform.LINUX_ARM64)).isFalse();
    assertThat(Platform.LINUX_AMD64.matches(new Platform("windows", "amd64", ""))).isFalse();
  }

  @Test
  void matches_wantedWithoutVariant_acceptsAnyVariant() {
    Platform wanted = Platform.parse("linux/arm64");

    assertThat(wanted.matches(new Platform("linux", "arm64", "v8"))).isTrue();
    assertThat(wanted.matches(new Platform("linux", "arm64", ""))).isTrue();
  }

  @Test
  void matches_wantedVariant_requiresSameVariant() {
    Platform v7 = Platform.parse("linux/arm/v7");

    assertThat(v7.matches(new Platform("linux", "arm", "v7"))).isTrue();
    assertThat(v7.matches(new Platform("linux", "arm", "v6"))).isFalse();
  }

  @Test
  void matches_candidateArmWithoutVariant_treatedAsV7() {
    // An index entry for "arm" without a variant means v7, as containerd reads it.
    assertThat(Platform.parse("linux/arm/v7").matches(new Platform("linux", "arm", ""))).isTrue();
    assertThat(Platform.parse("linux/arm/v6").matches(new Platform("linux", "arm", ""))).isFalse();
  }

  @Test
  void compareTo_ordersByString() {
    assertThat(Platform.LINUX_AMD64).isLessThan(Platform.LINUX_ARM64);
  }
}
