package dev.ferry.python;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PythonTargetTest {
  @Test
  void wheelFilename_withBuildTagAndCompressedTags_parsesAll() {
    WheelFilename w = WheelFilename.parse("Foo.Bar-1.0-2b-py2.py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
    assertThat(w.distribution()).isEqualTo("Foo.Bar");
    assertThat(w.project()).isEqualTo("foo-bar");
    assertThat(w.build()).contains("2b");
    assertThat(w.buildNumber()).isEqualTo(2);
    assertThat(w.tags()).hasSize(4).contains(Tag.parse("py3-none-manylinux2014_x86_64"));
  }

  @Test
  void wheelFilename_malformed_refusedShowingTheName() {
    assertThatThrownBy(() -> WheelFilename.parse("foo-1.0.whl")).hasMessageContaining("'foo-1.0.whl'");
    assertThatThrownBy(() -> WheelFilename.parse("foo-1.0-x-py3-none-any.whl")).hasMessageContaining("build tag");
    assertThatThrownBy(() -> WheelFilename.parse("foo-1.0-py3-none-any.tar.gz")).hasMessageContaining("ends in .whl");
  }

  @Test
  void platformTags_glibc236x86_newestFirstWithLegacyAliasesThenLinux() {
    List<String> p = PythonTarget.glibc(3, 11, "2.36", "x86_64").platformTags();
    assertThat(p.get(0)).isEqualTo("manylinux_2_36_x86_64");
    assertThat(p).containsSubsequence("manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux_2_16_x86_64");
    assertThat(p).containsSubsequence("manylinux_2_12_x86_64", "manylinux2010_x86_64");
    assertThat(p).containsSubsequence("manylinux_2_5_x86_64", "manylinux1_x86_64", "linux_x86_64");
    assertThat(p).doesNotContain("manylinux_2_4_x86_64").endsWith("linux_x86_64");
  }

  @Test
  void platformTags_aarch64_startsAtGlibc217WithoutOldAliases() {
    List<String> p = PythonTarget.glibc(3, 11, "2.31", "aarch64").platformTags();
    assertThat(p).contains("manylinux_2_17_aarch64", "manylinux2014_aarch64")
        .doesNotContain("manylinux_2_16_aarch64", "manylinux2010_aarch64", "manylinux1_aarch64");
  }

  @Test
  void platformTags_musl_descendsToZero() {
    assertThat(PythonTarget.musl(3, 12, "1.2", "aarch64").platformTags())
        .containsExactly("musllinux_1_2_aarch64", "musllinux_1_1_aarch64", "musllinux_1_0_aarch64", "linux_aarch64");
  }

  @Test
  void ranking_prefersOwnAbiThenAbi3ThenPure() {
    PythonTarget.Ranking r = PythonTarget.glibc(3, 11, "2.36", "x86_64").ranking();
    int own = r.of(Set.of(Tag.parse("cp311-cp311-manylinux_2_17_x86_64"))).orElseThrow();
    int abi3 = r.of(Set.of(Tag.parse("cp38-abi3-manylinux_2_17_x86_64"))).orElseThrow();
    int pure = r.of(Set.of(Tag.parse("py3-none-any"))).orElseThrow();
    assertThat(own).isLessThan(abi3);
    assertThat(abi3).isLessThan(pure);
    assertThat(r.of(Set.of(Tag.parse("cp312-cp312-manylinux_2_17_x86_64")))).isEmpty();
    assertThat(r.of(Set.of(Tag.parse("cp311-cp311-manylinux_2_38_x86_64")))).as("newer glibc").isEmpty();
    assertThat(r.of(Set.of(Tag.parse("cp311-cp311-manylinux_2_17_aarch64")))).as("other arch").isEmpty();
    assertThat(r.of(Set.of(Tag.parse("cp311-cp311-musllinux_1_1_x86_64")))).as("musl on glibc").isEmpty();
  }

  @Test
  void name_roundTrips() {
    PythonTarget t = PythonTarget.parse("cp312-musllinux_1_2_aarch64");
    assertThat(t.name()).isEqualTo("cp312-musllinux_1_2_aarch64");
    assertThat(t.libc()).isEqualTo(PythonTarget.Libc.MUSL);
    assertThat(t.platform().architecture()).isEqualTo("arm64");
    assertThatThrownBy(() -> PythonTarget.parse("py3-any")).hasMessageContaining("got 'py3-any'");
  }

  @Test
  void best_picksHighestRankedThenHigherBuild() {
    PythonTarget t = PythonTarget.glibc(3, 11, "2.36", "x86_64");
    List<WheelFilename> c = List.of(
        WheelFilename.parse("x-1.0-py3-none-any.whl"),
        WheelFilename.parse("x-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
        WheelFilename.parse("x-1.0-cp311-cp311-manylinux_2_39_x86_64.whl"),
        WheelFilename.parse("x-1.0-cp311-cp311-musllinux_1_1_x86_64.whl"));
    assertThat(Wheelhouse.best(c, w -> w, t.ranking()).orElseThrow().filename())
        .isEqualTo("x-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
    List<WheelFilename> builds = List.of(
        WheelFilename.parse("x-1.0-1-py3-none-any.whl"), WheelFilename.parse("x-1.0-2-py3-none-any.whl"));
    assertThat(Wheelhouse.best(builds, w -> w, t.ranking()).orElseThrow().build()).contains("2");
  }

  @Test
  void noCompatible_listsProjectTargetAndClosestTags() {
    PythonTarget t = PythonTarget.glibc(3, 11, "2.36", "aarch64");
    String m = Wheelhouse.noCompatible("numpy", "1.26.4", t,
        List.of(Tag.parse("cp311-cp311-win_amd64"), Tag.parse("cp311-cp311-manylinux_2_17_x86_64"),
            Tag.parse("cp312-cp312-manylinux_2_17_aarch64")), false);
    assertThat(m).startsWith("no compatible wheel of numpy 1.26.4 for target cp311-manylinux_2_36_aarch64")
        .contains("closest tags that exist: cp312-cp312-manylinux_2_17_aarch64, ");
  }

  @Test
  void names_normalizeAndCompareVersions() {
    assertThat(Names.normalize("Foo__Bar.baz")).isEqualTo("foo-bar-baz");
    assertThat(Names.sameVersion("1.0", "1.0.0")).isTrue();
    assertThat(Names.sameVersion("1.01", "1.1")).isTrue();
    assertThat(Names.sameVersion("1.0", "1.0.1")).isFalse();
  }
}
