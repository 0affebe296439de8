package dev.ferry.build.dockerfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DockerIgnoreTest {

  private static DockerIgnore of(String text) throws DockerfileException {
    return DockerIgnore.parse(text);
  }

  @ParameterizedTest(name = "{0} vs {1} -> {2}")
  @CsvSource(delimiter = '|', value = {
    "*.md|a.md|true",
    "*.md|docs/a.md|false",
    "**/*.md|docs/a.md|true",
    "**/*.md|a.md|true",
    "**/*.md|x/y/z/a.md|true",
    "node_modules|node_modules|true",
    "node_modules|node_modules/a/b.js|true",
    "node_modules|src/node_modules|false",
    "**/node_modules|src/node_modules/x|true",
    "/build/|build/out.o|true",
    "./tmp|tmp/x|true",
    "temp?|temp1|true",
    "temp?|temp12|false",
    "*/temp*|somedir/temporary.txt|true",
    "*/*/temp*|somedir/subdir/temporary.txt|true",
    "*/temp*|temp|false",
    "[a-c].txt|b.txt|true",
    "[a-c].txt|d.txt|false",
    "[^a].txt|a.txt|false",
    "[^a].txt|b.txt|true",
    "foo/**|foo/x|true",
    "foo/**|foo/x/y|true",
    "foo/**|foobar/x|false",
    "a/**/b|a/b|true",
    "a/**/b|a/x/y/b|true",
    "a/**/b|a/x/y/c|false",
    "**|anything/at/all|true",
    "a\\*b|a*b|true",
    "a\\*b|axb|false",
    "dir/../other|other/f|true",
  })
  void matches_patternsFollowBuildKit(String pattern, String path, boolean excluded) throws DockerfileException {
    assertThat(of(pattern).matches(path, false)).isEqualTo(excluded);
  }

  @Test
  void exception_reincludesAMatchedFile() throws DockerfileException {
    DockerIgnore ig = of("*.md\n!README.md\n");
    assertThat(ig.matches("CHANGES.md", false)).isTrue();
    assertThat(ig.matches("README.md", false)).isFalse();
    assertThat(ig.hasExceptions()).isTrue();
  }

  @Test
  void laterRules_win() throws DockerfileException {
    DockerIgnore ig = of("!keep.txt\n*.txt\n");
    assertThat(ig.matches("keep.txt", false)).isTrue();
    DockerIgnore ig2 = of("*.txt\n!keep.txt\n");
    assertThat(ig2.matches("keep.txt", false)).isFalse();
  }

  @Test
  void excludedDirectory_exceptionBeneathReincludesIt() throws DockerfileException {
    DockerIgnore ig = of("secrets\n!secrets/public.pem\n");
    assertThat(ig.matches("secrets", true)).isTrue();
    assertThat(ig.matches("secrets/private.key", false)).isTrue();
    assertThat(ig.matches("secrets/public.pem", false)).isFalse();
    assertThat(ig.mayIncludeBeneath("secrets")).isTrue();
    assertThat(ig.mayIncludeBeneath("other")).isFalse();
  }

  @Test
  void exceptionUnderGlobbedDirectory_mayIncludeBeneath() throws DockerfileException {
    DockerIgnore ig = of("*\n!*/keep\n!**/*.go\n");
    assertThat(ig.mayIncludeBeneath("any")).isTrue();
    assertThat(ig.matches("any/keep", false)).isFalse();
    assertThat(ig.matches("deep/er/main.go", false)).isFalse();
    assertThat(ig.matches("deep/er/main.c", false)).isTrue();
  }

  @Test
  void commentsAndBlankLines_areSkipped() throws DockerfileException {
    DockerIgnore ig = of("# comment\n\n   \n*.log   \n");
    assertThat(ig.rules()).extracting(DockerIgnore.Rule::pattern).containsExactly("*.log");
    assertThat(ig.rules().get(0).line()).isEqualTo(4);
  }

  @Test
  void whichRule_namesTheDecidingRule() throws DockerfileException {
    DockerIgnore ig = of("# build outputs\ntarget\n*.md\n!README.md\n**/*.tmp\n");
    assertThat(ig.whichRule("target/classes/A.class")).map(DockerIgnore.Rule::text).contains("target");
    assertThat(ig.whichRule("x/y.tmp")).map(DockerIgnore.Rule::line).contains(5);
    assertThat(ig.whichRule("README.md")).isEmpty();
    assertThat(ig.whichRule("src/Main.java")).isEmpty();
    assertThat(ig.whichRule("NOTES.md").orElseThrow().describe()).isEqualTo("'*.md' (.dockerignore line 3)");
  }

  @Test
  void empty_excludesNothing() {
    assertThat(DockerIgnore.empty().matches("anything", false)).isFalse();
    assertThat(DockerIgnore.empty().whichRule(".")).isEmpty();
  }

  @Test
  void badPatterns_areErrorsWithTheLine() {
    assertThatThrownBy(() -> of("ok\n[abc\n")).isInstanceOf(DockerfileException.class)
        .hasMessageStartingWith(".dockerignore:2:1: bad pattern");
    assertThatThrownBy(() -> of("!\n")).hasMessageStartingWith(".dockerignore:1:1: illegal exception pattern");
  }
}
