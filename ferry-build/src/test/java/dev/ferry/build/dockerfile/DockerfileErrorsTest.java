package dev.ferry.build.dockerfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Broken Dockerfiles: each error names file:line:column, the instruction, and what is wrong. */
class DockerfileErrorsTest {

  static Stream<Arguments> broken() {
    return Stream.of(
        Arguments.of("FORM alpine\n", "Dockerfile:1:1", "unknown instruction FORM (did you mean FROM?)"),
        Arguments.of("FROM alpine\n  RUNN true\n", "Dockerfile:2:3", "unknown instruction RUNN (did you mean RUN?)"),
        Arguments.of("FROM alpine\nFOOBAR x\n", "Dockerfile:2:1", "unknown instruction FOOBAR"),
        Arguments.of("FROM alpine\nCOPY onlyone\n", "Dockerfile:2:6", "COPY needs at least a source and a destination"),
        Arguments.of("FROM alpine\nADD\n", "Dockerfile:2:1", "ADD needs at least a source and a destination"),
        Arguments.of("FROM alpine\n\n\n\n\nRUN true\nRUN <<EOF\necho never ends\n", "Dockerfile:7:5",
            "unterminated heredoc <<EOF started at line 7"),
        Arguments.of("FROM --platform=linux-amd64 alpine\n", "Dockerfile:1:6",
            "FROM --platform expects os/arch[/variant], got 'linux-amd64'"),
        Arguments.of("FROM alpine AS\n", "Dockerfile:1:13", "FROM expects an image and optionally AS name"),
        Arguments.of("FROM alpine AS 1st\n", "Dockerfile:1:16", "invalid stage name '1st'"),
        Arguments.of("FROM a AS x\nFROM b AS X\n", "Dockerfile:2:1", "duplicate stage name 'x', first used at line 1"),
        Arguments.of("", "Dockerfile:1:1", "the Dockerfile is empty"),
        Arguments.of("# just a comment\n\n", "Dockerfile:1:1", "the Dockerfile is empty"),
        Arguments.of("ARG X=1\n", "Dockerfile:1:1", "the Dockerfile has no FROM instruction"),
        Arguments.of("RUN true\nFROM alpine\n", "Dockerfile:1:1", "RUN before the first FROM"),
        Arguments.of("FROM alpine\nCOPY --form=build a b\n", "Dockerfile:2:6", "unknown flag --form"),
        Arguments.of("FROM alpine\nCOPY --from=a --from=b a b\n", "Dockerfile:2:15", "duplicate flag --from"),
        Arguments.of("FROM alpine\nCOPY --link=maybe a b\n", "Dockerfile:2:6", "--link expects true or false"),
        Arguments.of("FROM alpine\nRUN --network=bridge true\n", "Dockerfile:2:5",
            "RUN --network expects none, host or default, got 'bridge'"),
        Arguments.of("FROM alpine\nRUN --mount=type=cach,target=/x true\n", "Dockerfile:2:5",
            "unsupported mount type 'cach'"),
        Arguments.of("FROM alpine\nRUN --mount=type=cache true\n", "Dockerfile:2:5", "a cache mount needs a target"),
        Arguments.of("FROM alpine\nENV A=1 B\n", "Dockerfile:2:9", "can't find = in 'B'"),
        Arguments.of("FROM alpine\nENV ONLYKEY\n", "Dockerfile:2:5", "ENV ONLYKEY needs a value"),
        Arguments.of("FROM alpine\nSHELL /bin/bash -c\n", "Dockerfile:2:7", "SHELL needs a JSON array of strings"),
        Arguments.of("FROM alpine\nCMD [\"a\", 1]\n", "Dockerfile:2:5", "must hold only strings"),
        Arguments.of("FROM alpine\nHEALTHCHECK --interval=5 CMD true\n", "Dockerfile:2:13",
            "HEALTHCHECK --interval expects a duration"),
        Arguments.of("FROM alpine\nHEALTHCHECK --retries=-1 CMD true\n", "Dockerfile:2:13", "cannot be negative"),
        Arguments.of("FROM alpine\nHEALTHCHECK --retries=1 NONE\n", "Dockerfile:2:13", "HEALTHCHECK NONE takes no options"),
        Arguments.of("FROM alpine\nHEALTHCHECK RUN true\n", "Dockerfile:2:13", "HEALTHCHECK expects NONE or CMD"),
        Arguments.of("FROM alpine\nONBUILD ONBUILD RUN x\n", "Dockerfile:2:9", "ONBUILD ONBUILD is not allowed"),
        Arguments.of("FROM alpine\nONBUILD FROM x\n", "Dockerfile:2:9", "FROM is not allowed as an ONBUILD trigger"),
        Arguments.of("FROM alpine\nONBUILD MAINTAINER me\n", "Dockerfile:2:9",
            "MAINTAINER is not allowed as an ONBUILD trigger"),
        Arguments.of("FROM alpine\nONBUILD RUNX x\n", "Dockerfile:2:9", "unknown instruction RUNX"),
        Arguments.of("# escape=x\nFROM alpine\n", "Dockerfile:1:10", "invalid escape character 'x'"),
        Arguments.of("# escape=`\n# escape=\\\nFROM alpine\n", "Dockerfile:2:1", "only one escape parser directive"),
        Arguments.of("FROM alpine\nRUN \\\n  --mount=type=secret true\n", "Dockerfile:3:3",
            "a secret mount needs an id"),
        Arguments.of("FROM alpine\nUSER\n", "Dockerfile:2:1", "USER needs a user name"),
        Arguments.of("FROM alpine\nWORKDIR\n", "Dockerfile:2:1", "WORKDIR needs a path"),
        Arguments.of("FROM alpine\nEXPOSE\n", "Dockerfile:2:1", "EXPOSE needs at least one port"),
        Arguments.of("FROM alpine\nRUN\n", "Dockerfile:2:1", "RUN needs a command"),
        Arguments.of("FROM alpine\nARG\n", "Dockerfile:2:1", "ARG needs a name"),
        Arguments.of("FROM alpine\nENV --foo=1 A=1\n", "Dockerfile:2:5", "unknown flag --foo: ENV takes no flags"));
  }

  @ParameterizedTest(name = "{2}")
  @MethodSource("broken")
  void parse_brokenDockerfile_reportsLocationAndProblem(String text, String where, String problem) {
    DockerfileException e =
        catchThrowableOfType(DockerfileException.class, () -> DockerfileParser.parse("Dockerfile", text));
    assertThat(e).as("no error for:\n" + text).isNotNull();
    assertThat(e.location()).map(Location::toString).contains(where);
    assertThat(e.problem()).contains(problem);
    assertThat(e.getMessage()).startsWith(where + ": ");
  }

  @Test
  void message_includesTheInstructionText() {
    DockerfileException e = catchThrowableOfType(DockerfileException.class,
        () -> DockerfileParser.parse("app.Dockerfile", "FROM alpine\nCOPY onlyone\n"));
    assertThat(e.getMessage())
        .isEqualTo("app.Dockerfile:2:6: COPY needs at least a source and a destination: COPY <src>... <dest>\n"
            + "    COPY onlyone");
    assertThat(e.instruction()).contains("COPY onlyone");
  }
}
