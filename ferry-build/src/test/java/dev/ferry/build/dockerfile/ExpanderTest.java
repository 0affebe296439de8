package dev.ferry.build.dockerfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Cases mirror BuildKit's shell lexer behaviour (its envVarTest table) for the forms the reference documents. */
class ExpanderTest {
  private static final Map<String, String> VARS = new LinkedHashMap<>();

  static {
    VARS.put("PWD", "/home");
    VARS.put("SHELL", "bash");
    VARS.put("EMPTY", "");
    VARS.put("SPACED", "a  b");
  }

  private static final Expander E = Expander.of(VARS);

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
    "hello|hello",
    "he'll'o|hello",
    "he\\'llo|he'llo",
    "abc\\tdef|abctdef",
    "~\"abc\\tdef\"~|abc\\tdef",
    "~\"abc\\\\tdef\"~|abc\\tdef",
    "'abc\\tdef'|abc\\tdef",
    "hello\\|hello",
    "hello\\\\|hello\\",
    "~\"hel'lo\"~|hel'lo",
    "'hello\\'|hello\\",
    "~\"''\"~|''",
    "$.|$.",
    "$|$",
    "he$1x|hex",
    "he$.x|he$.x",
    "he$PWD|he/home",
    "he$PWD.x|he/home.x",
    "he\\$PWD|he$PWD",
    "he\\\\$PWD|he\\/home",
    "~\"he\\$PWD\"~|he$PWD",
    "'he\\$PWD'|he\\$PWD",
    "'he$PWD'|he$PWD",
    "~\"he$PWD\"~|he/home",
    "he${PWD}xx|he/homexx",
    "he${PWD:+${PWD}:}xx|he/home:xx",
    "he${XXX:-000}xx|he000xx",
    "he${PWD:-000}xx|he/homexx",
    "he${XXX:-$PWD}xx|he/homexx",
    "he${XXX:-${PWD:-yyy}}xx|he/homexx",
    "he${XXX:-${YYY:-yyy}}xx|heyyyxx",
    "he${PWD?}|he/home",
    "he${PWD:?}|he/home",
    "he${EMPTY?}x|hex",
    "he${XXX:+${PWD}}xx|hexx",
    "${XXX-a}|a",
    "${EMPTY-a}|~~",
    "${EMPTY:-a}|a",
    "${EMPTY+a}|a",
    "${EMPTY:+a}|~~",
    "${XXX+a}|~~",
    "${XXX:-'quoted word'}|quoted word",
    "$SPACED|a  b",
    "${PWD}/${SHELL}|/home/bash",
    "x${XXX}y|xy",
  })
  void expand_shellLexerCases_matchDocker(String in, String out) throws DockerfileException {
    assertThat(E.expand(in)).isEqualTo(out == null ? "" : out);
  }

  @ParameterizedTest(name = "{0} fails")
  @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
    "he'llo|single quote",
    "he\\\\'llo|single quote",
    "~\"hello~|double quote",
    "~\"hello\\\"~|double quote",
    "he${PWD|missing '}'",
    "he${PWD:=000}xx|unsupported modifier ':='",
    "he${XXX:YYY}|unsupported modifier ':Y'",
    "he${XXX?}|XXX: is not allowed to be unset",
    "he${XXX:?}|XXX: is not allowed to be unset or empty",
    "he${EMPTY:?}|EMPTY: is not allowed to be unset or empty",
    "${XXX:?must be set for the release}|XXX: must be set for the release",
    "${}|bad substitution",
    "${:x}|bad substitution",
  })
  void expand_badInput_failsWithAClearProblem(String in, String problem) {
    assertThatThrownBy(() -> E.expand(in)).isInstanceOf(DockerfileException.class).hasMessageContaining(problem);
  }

  @Test
  void expand_backtickEscape_leavesBackslashesAlone() throws DockerfileException {
    Expander win = Expander.of('`', Map.of("X", "1"));
    assertThat(win.expand("c:\\dir\\$X")).isEqualTo("c:\\dir\\1");
    assertThat(win.expand("`$X")).isEqualTo("$X");
    assertThat(win.expand("\"a`\"b\"")).isEqualTo("a\"b");
  }

  @Test
  void expandWords_splitsUnquotedWhitespaceIncludingFromVariables() throws DockerfileException {
    Expander e = Expander.of(Map.of("PORTS", "80/tcp  443", "Q", "x y"));
    assertThat(e.expandWords("$PORTS 8080")).containsExactly("80/tcp", "443", "8080");
    assertThat(e.expandWords("\"$Q\" z")).containsExactly("x y", "z");
    assertThat(e.expandWords("a\\ b")).containsExactly("a b");
    assertThat(e.expandWords("\"\"")).containsExactly("");
    assertThat(e.expandWords("  ")).isEqualTo(List.of());
  }

  @Test
  void expandHeredoc_expandsVariablesOnlyAndKeepsQuotes() throws DockerfileException {
    Expander e = Expander.of(Map.of("X", "1", "Y", "2"));
    assertThat(e.expandHeredoc("echo \"$X\" '$Y' \\$Z \\n\n")).isEqualTo("echo \"1\" '2' $Z \\n\n");
  }

  @Test
  void envInstruction_expandsAllPairsAgainstTheScopeBeforeIt() throws DockerfileException {
    Dockerfile df = DockerfileParser.parse("Dockerfile", """
        FROM alpine
        ENV abc=hello
        ENV abc=bye def=$abc
        ENV ghi=$abc
        ENV A="x y" B=z C=one\\ two D='$abc' E="${abc}s"
        """);
    StageEnvironment env = StageEnvironment.start('\\', Map.of(), BuildOptions.defaults(), Map.of());
    for (Instruction in : df.stages().get(0).instructions()) {
      env = env.apply(in);
    }
    assertThat(env.env()).containsEntry("abc", "bye").containsEntry("def", "hello").containsEntry("ghi", "bye")
        .containsEntry("A", "x y").containsEntry("B", "z").containsEntry("C", "one two")
        .containsEntry("D", "$abc").containsEntry("E", "byes");
  }

  @Test
  void legacyEnv_valueKeepsSpacesAndLosesQuotes() throws DockerfileException {
    Dockerfile df = DockerfileParser.parse("Dockerfile", "FROM alpine\nENV MSG \"hello  world\" and  more\n");
    StageEnvironment env = StageEnvironment.start('\\', Map.of(), BuildOptions.defaults(), Map.of())
        .apply(df.stages().get(0).instructions().get(0));
    assertThat(env.env()).containsEntry("MSG", "hello  world and  more");
  }

  @Test
  void labelInstruction_expandsKeysAndValues() throws DockerfileException {
    Instruction.Label l = (Instruction.Label) DockerfileParser.parse("Dockerfile",
        "FROM a\nLABEL \"com.example.$V\"=\"v $V\" plain=$V\n").stages().get(0).instructions().get(0);
    Instruction.Label x = l.expand(Expander.of(Map.of("V", "1")));
    assertThat(x.pairs()).containsExactly(new KeyValue("com.example.1", "v 1"), new KeyValue("plain", "1"));
  }

  @Test
  void runInstruction_isNotExpandedButItsMountsAre() throws DockerfileException {
    Instruction.Run run = (Instruction.Run) DockerfileParser.parse("Dockerfile",
        "FROM a\nRUN --mount=type=cache,target=/c,id=cache-$ARCH echo $ARCH\n").stages().get(0).instructions().get(0);
    Instruction.Run x = run.expand(Expander.of(Map.of("ARCH", "arm64")));
    assertThat(x.command().commandLine()).isEqualTo("echo $ARCH");
    assertThat(x.mounts().get(0).id()).contains("cache-arm64");
  }

  @Test
  void copyInstruction_expandsSourcesDestFlagsAndUnquotedHeredocs() throws DockerfileException {
    Instruction.Copy copy = (Instruction.Copy) DockerfileParser.parse("Dockerfile", """
        FROM a
        COPY --chown=$U:$U --from=$STAGE <<EOF <<'RAW' $SRC ${DEST:-/opt}/
        v=$U
        EOF
        v=$U
        RAW
        """).stages().get(0).instructions().get(0);
    Instruction.Copy x = copy.expand(Expander.of(Map.of("U", "app", "STAGE", "build", "SRC", "a.txt")));
    assertThat(x.chown()).contains("app:app");
    assertThat(x.from()).contains("build");
    assertThat(x.sources()).containsExactly("a.txt");
    assertThat(x.destination()).isEqualTo("/opt/");
    assertThat(x.heredocs()).extracting(Heredoc::content).containsExactly("v=app\n", "v=$U\n");
  }

  @Test
  void exposeInstruction_splitsExpandedPorts() throws DockerfileException {
    Instruction.Expose e = (Instruction.Expose) DockerfileParser.parse("Dockerfile", "FROM a\nEXPOSE $PORTS 9000\n")
        .stages().get(0).instructions().get(0);
    assertThat(e.expand(Expander.of(Map.of("PORTS", "80 443/udp"))).ports()).containsExactly("80", "443/udp", "9000");
  }

  @Test
  void expandError_inInstruction_carriesItsLocation() throws DockerfileException {
    Instruction w = DockerfileParser.parse("Dockerfile", "FROM a\n\nWORKDIR ${DIR:?set DIR}\n")
        .stages().get(0).instructions().get(0);
    assertThatThrownBy(() -> w.expand(Expander.of(Map.of())))
        .isInstanceOf(DockerfileException.class)
        .hasMessageStartingWith("Dockerfile:3:1: DIR: set DIR");
  }
}
