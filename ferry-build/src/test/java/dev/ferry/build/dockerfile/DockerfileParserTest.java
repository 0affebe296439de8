package dev.ferry.build.dockerfile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class DockerfileParserTest {

  private static Dockerfile parse(String text) throws DockerfileException {
    return DockerfileParser.parse("Dockerfile", text);
  }

  private static Instruction only(String text) throws DockerfileException {
    Dockerfile df = parse("FROM alpine\n" + text);
    assertThat(df.stages().get(0).instructions()).hasSize(1);
    return df.stages().get(0).instructions().get(0);
  }

  @Test
  void parse_multiStage_givesStagesWithNamesIndexesAndLines() throws Exception {
    Dockerfile df = parse("""
        ARG BASE=alpine:3.20
        FROM ${BASE} AS Build
        RUN make

        FROM scratch
        COPY --from=build /out /
        """);
    assertThat(df.globalArgs()).extracting(Arg::name).containsExactly("BASE");
    assertThat(df.globalArgs().get(0).defaultValue()).contains("alpine:3.20");
    assertThat(df.stages()).hasSize(2);
    Stage build = df.stages().get(0);
    assertThat(build.name()).contains("build");
    assertThat(build.from().image()).isEqualTo("${BASE}");
    assertThat(build.line()).isEqualTo(2);
    assertThat(df.stages().get(1).index()).isEqualTo(1);
    assertThat(df.stages().get(1).name()).isEmpty();
    assertThat(df.stage("BUILD")).contains(build);
    assertThat(df.stage("1")).contains(df.stages().get(1));
  }

  @Test
  void parse_lowercaseKeywords_areAccepted() throws Exception {
    Dockerfile df = parse("from alpine as base\nrun echo hi\nCoPy a b\n");
    assertThat(df.stages().get(0).instructions()).extracting(Instruction::keyword).containsExactly("RUN", "COPY");
    assertThat(df.stages().get(0).name()).contains("base");
  }

  @Test
  void parse_fromPlatform_keepsRawFlagText() throws Exception {
    Dockerfile df = parse("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n");
    assertThat(df.stages().get(0).from().platform()).contains("$BUILDPLATFORM");
  }

  @Test
  void parse_directives_areReadOnlyAtTheTop() throws Exception {
    Dockerfile df = parse("""
        # syntax=docker/dockerfile:1.7
        #ESCAPE = `
        # check=skip=all
        FROM alpine
        """);
    assertThat(df.directive("syntax")).contains("docker/dockerfile:1.7");
    assertThat(df.escape()).isEqualTo('`');
    assertThat(df.directives()).extracting(Directive::name).containsExactly("syntax", "escape", "check");
  }

  @Test
  void parse_directiveAfterComment_isAComment() throws Exception {
    Dockerfile df = parse("# hello\n# escape=`\nFROM alpine\nRUN a \\\n b\n");
    assertThat(df.directives()).isEmpty();
    assertThat(df.escape()).isEqualTo('\\');
  }

  @Test
  void parse_unknownDirective_endsDirectives() throws Exception {
    Dockerfile df = parse("# unknown=1\n# syntax=x\nFROM alpine\n");
    assertThat(df.directives()).isEmpty();
  }

  @Test
  void parse_backtickEscape_continuesLinesAndKeepsBackslashes() throws Exception {
    Dockerfile df = parse("""
        # escape=`
        FROM mcr.microsoft.com/windows/servercore
        COPY testfile.txt c:\\
        RUN dir c:\\ `
            /b
        """);
    List<Instruction> in = df.stages().get(0).instructions();
    assertThat(((Instruction.Copy) in.get(0)).destination()).isEqualTo("c:\\");
    assertThat(((Instruction.Run) in.get(1)).command().commandLine()).isEqualTo("dir c:\\     /b");
    assertThat(in.get(1).location().line()).isEqualTo(4);
    assertThat(in.get(1).location().endLine()).isEqualTo(5);
  }

  @Test
  void parse_continuationWithCommentsAndBlankLines_skipsThem() throws Exception {
    Dockerfile df = parse("""
        FROM alpine
        RUN apk add \\
        # a comment inside
            curl \\
          # indented comment

            git
        """);
    Instruction.Run run = (Instruction.Run) df.stages().get(0).instructions().get(0);
    assertThat(run.command().commandLine()).isEqualTo("apk add     curl     git");
    assertThat(run.location()).isEqualTo(new Location("Dockerfile", 2, 1, 7, 7));
    assertThat(run.text()).startsWith("RUN apk add \\\n# a comment inside").endsWith("    git");
    assertThat(df.warnings()).anyMatch(w -> w.startsWith("Dockerfile:6: empty continuation line"));
  }

  @Test
  void parse_trailingWhitespaceAfterEscape_stillContinues() throws Exception {
    Instruction.Run run = (Instruction.Run) only("RUN echo a \\  \n  b\n");
    assertThat(run.command().commandLine()).isEqualTo("echo a   b");
  }

  @Test
  void parse_indentedInstructionsAndComments_keepColumns() throws Exception {
    Dockerfile df = parse("  # comment\n  FROM alpine\n\t  RUN true\n");
    assertThat(df.stages().get(0).from().location().column()).isEqualTo(3);
    assertThat(df.stages().get(0).instructions().get(0).location().column()).isEqualTo(4);
  }

  @Test
  void parse_runExecForm_isJson() throws Exception {
    Instruction.Run run = (Instruction.Run) only("RUN [\"/bin/sh\", \"-c\", \"echo \\\"hi\\\"\"]");
    assertThat(run.command()).isEqualTo(Command.exec(List.of("/bin/sh", "-c", "echo \"hi\"")));
  }

  @Test
  void parse_invalidJson_fallsBackToShellForm() throws Exception {
    Instruction.Cmd cmd = (Instruction.Cmd) only("CMD [\"echo\", 'single quotes']");
    assertThat(cmd.command()).isEqualTo(Command.shell("[\"echo\", 'single quotes']"));
    Instruction.Entrypoint ep = (Instruction.Entrypoint) only("ENTRYPOINT [\"app\"");
    assertThat(ep.command().execForm()).isFalse();
  }

  @Test
  void parse_shellForms_keepTextVerbatim() throws Exception {
    Instruction.Cmd cmd = (Instruction.Cmd) only("CMD echo \"$HOME\" && ls  -l");
    assertThat(cmd.command().commandLine()).isEqualTo("echo \"$HOME\" && ls  -l");
    assertThat(cmd.command().argv(List.of("/bin/sh", "-c")))
        .containsExactly("/bin/sh", "-c", "echo \"$HOME\" && ls  -l");
    Instruction.Entrypoint ep = (Instruction.Entrypoint) only("ENTRYPOINT [\"/app\", \"--serve\"]");
    assertThat(ep.command().argv(List.of("/bin/sh", "-c"))).containsExactly("/app", "--serve");
  }

  @Test
  void parse_runFlags_parsesMountsNetworkAndSecurity() throws Exception {
    Instruction.Run run = (Instruction.Run) only(
        "RUN --mount=type=cache,target=/root/.cache,id=pip,sharing=locked "
            + "--mount=type=secret,id=token,required --mount=type=bind,from=build,source=/out,target=/mnt,rw "
            + "--network=none pip install x");
    assertThat(run.network()).contains("none");
    assertThat(run.command().commandLine()).isEqualTo("pip install x");
    Mount cache = run.mounts().get(0);
    assertThat(cache.type()).isEqualTo(Mount.Type.CACHE);
    assertThat(cache.target()).isEqualTo("/root/.cache");
    assertThat(cache.id()).contains("pip");
    assertThat(cache.sharing()).isEqualTo(Mount.Sharing.LOCKED);
    assertThat(cache.readOnly()).isFalse();
    Mount secret = run.mounts().get(1);
    assertThat(secret.type()).isEqualTo(Mount.Type.SECRET);
    assertThat(secret.target()).isEqualTo("/run/secrets/token");
    assertThat(secret.required()).isTrue();
    Mount bind = run.mounts().get(2);
    assertThat(bind.type()).isEqualTo(Mount.Type.BIND);
    assertThat(bind.from()).contains("build");
    assertThat(bind.source()).contains("/out");
    assertThat(bind.readOnly()).isFalse();
  }

  @Test
  void mountParse_defaults_followBuildKit() throws Exception {
    assertThat(Mount.parse("target=/src").readOnly()).isTrue();
    assertThat(Mount.parse("type=cache,target=/c").id()).contains("/c");
    assertThat(Mount.parse("type=secret,target=/etc/key").id()).contains("key");
    assertThat(Mount.parse("type=secret,id=a,mode=0440,uid=10").mode()).isEqualTo(OptionalInt.of(0440));
    assertThat(Mount.parse("type=ssh").id()).contains("default");
    assertThat(Mount.parse("type=tmpfs,dst=/tmp,size=64m").size()).contains("64m");
  }

  @Test
  void parse_runHeredoc_keepsBodyAndRunsItAsScript() throws Exception {
    Dockerfile df = parse("""
        FROM alpine
        RUN <<EOF
        echo one
        echo "$HOME"
        EOF
        RUN true
        """);
    List<Instruction> in = df.stages().get(0).instructions();
    Instruction.Run run = (Instruction.Run) in.get(0);
    assertThat(run.heredocs()).containsExactly(new Heredoc("EOF", "echo one\necho \"$HOME\"\n", true, false, 0));
    assertThat(run.effectiveCommand()).isEqualTo(Command.shell("echo one\necho \"$HOME\"\n"));
    assertThat(run.location().endLine()).isEqualTo(5);
    assertThat(in.get(1).location().line()).isEqualTo(6);
  }

  @Test
  void parse_chompHeredoc_stripsLeadingTabs() throws Exception {
    Instruction.Run run = (Instruction.Run) only("RUN <<-EOT\n\t\techo a\n\t  echo b\n\tEOT\n");
    assertThat(run.heredocs().get(0).content()).isEqualTo("echo a\n  echo b\n");
    assertThat(run.heredocs().get(0).chomp()).isTrue();
  }

  @Test
  void parse_quotedHeredoc_disablesExpansion() throws Exception {
    Instruction.Run run = (Instruction.Run) only("RUN <<'EOF'\necho $X\nEOF\n");
    assertThat(run.heredocs().get(0).expand()).isFalse();
    Instruction.Copy copy = (Instruction.Copy) only("COPY <<\"EOF\" /x\n$X\nEOF\n");
    assertThat(copy.heredocs().get(0).expand()).isFalse();
  }

  @Test
  void parse_severalHeredocsOnOneLine_readsBodiesInOrder() throws Exception {
    Instruction.Run run = (Instruction.Run) only("""
        RUN cat <<A > /a && 3<<B cat /dev/fd/3
        first
        A
        second
        B
        """);
    assertThat(run.heredocs()).extracting(Heredoc::name).containsExactly("A", "B");
    assertThat(run.heredocs().get(1).fileDescriptor()).isEqualTo(3);
    assertThat(run.effectiveCommand().commandLine())
        .isEqualTo("cat <<A > /a && 3<<B cat /dev/fd/3\nfirst\nA\nsecond\nB");
  }

  @Test
  void parse_heredocInsideQuotes_isNotAHeredoc() throws Exception {
    Instruction.Run run = (Instruction.Run) only("RUN echo \"<<EOF\"");
    assertThat(run.heredocs()).isEmpty();
  }

  @Test
  void parse_copyHeredoc_becomesAnInlineSource() throws Exception {
    Dockerfile df = parse("""
        FROM alpine
        COPY --chmod=755 <<EOF /usr/local/bin/hello
        #!/bin/sh
        echo hello
        EOF
        """);
    Instruction.Copy copy = (Instruction.Copy) df.stages().get(0).instructions().get(0);
    assertThat(copy.sources()).isEmpty();
    assertThat(copy.heredocs()).extracting(Heredoc::name).containsExactly("EOF");
    assertThat(copy.heredocs().get(0).content()).isEqualTo("#!/bin/sh\necho hello\n");
    assertThat(copy.destination()).isEqualTo("/usr/local/bin/hello");
    assertThat(copy.chmod()).contains("755");
  }

  @Test
  void parse_copyFlags_areAllRead() throws Exception {
    Instruction.Copy copy = (Instruction.Copy) only(
        "COPY --from=build --chown=app:app --chmod=0644 --link --parents --exclude=*.md --exclude=tmp a b /dst/");
    assertThat(copy.from()).contains("build");
    assertThat(copy.chown()).contains("app:app");
    assertThat(copy.chmod()).contains("0644");
    assertThat(copy.link()).isTrue();
    assertThat(copy.parents()).isTrue();
    assertThat(copy.excludes()).containsExactly("*.md", "tmp");
    assertThat(copy.sources()).containsExactly("a", "b");
    assertThat(copy.destination()).isEqualTo("/dst/");
  }

  @Test
  void parse_copyJsonForm_allowsSpaces() throws Exception {
    Instruction.Copy copy = (Instruction.Copy) only("COPY [\"my file\", \"other file\", \"/dest dir/\"]");
    assertThat(copy.sources()).containsExactly("my file", "other file");
    assertThat(copy.destination()).isEqualTo("/dest dir/");
  }

  @Test
  void parse_linkFalse_isFalse() throws Exception {
    assertThat(((Instruction.Copy) only("COPY --link=false a b")).link()).isFalse();
  }

  @Test
  void parse_add_readsFlagsAndKnowsRemoteSources() throws Exception {
    Instruction.Add add = (Instruction.Add) only(
        "ADD --checksum=sha256:abc --keep-git-dir --chown=1:1 https://example.com/a.tar.gz app.tar /opt/");
    assertThat(add.checksum()).contains("sha256:abc");
    assertThat(add.keepGitDir()).isTrue();
    assertThat(add.sources()).containsExactly("https://example.com/a.tar.gz", "app.tar");
    assertThat(Instruction.Add.isRemote(add.sources().get(0))).isTrue();
    assertThat(Instruction.Add.isRemote(add.sources().get(1))).isFalse();
  }

  @Test
  void parse_env_readsPairsWithQuotesRaw() throws Exception {
    Instruction.Env env = (Instruction.Env) only("ENV A=\"x y\" B=z C=one\\ two D=");
    assertThat(env.pairs()).containsExactly(new KeyValue("A", "\"x y\""), new KeyValue("B", "z"),
        new KeyValue("C", "one\\ two"), new KeyValue("D", ""));
    assertThat(env.legacy()).isFalse();
  }

  @Test
  void parse_legacyEnv_takesTheRestOfTheLine() throws Exception {
    Dockerfile df = parse("FROM alpine\nENV MY_NAME John Doe\n");
    Instruction.Env env = (Instruction.Env) df.stages().get(0).instructions().get(0);
    assertThat(env.pairs()).containsExactly(new KeyValue("MY_NAME", "John Doe"));
    assertThat(env.legacy()).isTrue();
    assertThat(df.warnings()).anyMatch(w -> w.contains("legacy"));
  }

  @Test
  void parse_label_readsPairsAndLegacyForm() throws Exception {
    Instruction.Label l = (Instruction.Label) only("LABEL \"com.example.vendor\"=\"ACME\" version=1.0 multi.label=\"a \\\n b\"");
    assertThat(l.pairs()).extracting(KeyValue::key).containsExactly("\"com.example.vendor\"", "version", "multi.label");
    Instruction.Label legacy = (Instruction.Label) only("LABEL description This text illustrates");
    assertThat(legacy.pairs()).containsExactly(new KeyValue("description", "This text illustrates"));
  }

  @Test
  void parse_arg_declaresSeveralWithAndWithoutDefaults() throws Exception {
    Instruction.ArgInstruction a = (Instruction.ArgInstruction) only("ARG A B=2 C=\"x y\"");
    assertThat(a.args()).extracting(Arg::name).containsExactly("A", "B", "C");
    assertThat(a.args()).extracting(Arg::defaultValue)
        .containsExactly(Optional.empty(), Optional.of("2"), Optional.of("\"x y\""));
    assertThat(a.args().get(1).location().column()).isEqualTo(7);
  }

  @Test
  void parse_simpleInstructions_keepTheirArgument() throws Exception {
    assertThat(((Instruction.User) only("USER app:app")).user()).isEqualTo("app:app");
    assertThat(((Instruction.Workdir) only("WORKDIR /my dir")).path()).isEqualTo("/my dir");
    assertThat(((Instruction.StopSignal) only("STOPSIGNAL SIGTERM")).signal()).isEqualTo("SIGTERM");
    assertThat(((Instruction.Expose) only("EXPOSE 80/tcp 443 8000-8010/udp")).ports())
        .containsExactly("80/tcp", "443", "8000-8010/udp");
    assertThat(((Instruction.Maintainer) only("MAINTAINER Jane <jane@example.com>")).author())
        .isEqualTo("Jane <jane@example.com>");
  }

  @Test
  void parse_volume_acceptsJsonAndPlain() throws Exception {
    assertThat(((Instruction.Volume) only("VOLUME [\"/data\", \"/logs\"]")).paths()).containsExactly("/data", "/logs");
    assertThat(((Instruction.Volume) only("VOLUME /data /logs")).paths()).containsExactly("/data", "/logs");
  }

  @Test
  void parse_shell_needsJson() throws Exception {
    assertThat(((Instruction.Shell) only("SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]")).shell())
        .containsExactly("/bin/bash", "-o", "pipefail", "-c");
  }

  @Test
  void parse_healthcheck_readsOptionsAndCommand() throws Exception {
    Instruction.Healthcheck h = (Instruction.Healthcheck) only(
        "HEALTHCHECK --interval=1m30s --timeout=10s --start-period=5s --start-interval=500ms --retries=3 "
            + "CMD curl -f http://localhost/ || exit 1");
    assertThat(h.command()).contains(Command.shell("curl -f http://localhost/ || exit 1"));
    assertThat(h.interval()).contains(Duration.ofSeconds(90));
    assertThat(h.timeout()).contains(Duration.ofSeconds(10));
    assertThat(h.startPeriod()).contains(Duration.ofSeconds(5));
    assertThat(h.startInterval()).contains(Duration.ofMillis(500));
    assertThat(h.retries()).isEqualTo(OptionalInt.of(3));
    Instruction.Healthcheck exec = (Instruction.Healthcheck) only("HEALTHCHECK cmd [\"/bin/check\"]");
    assertThat(exec.command()).contains(Command.exec(List.of("/bin/check")));
    assertThat(exec.interval()).isEmpty();
  }

  @Test
  void parse_healthcheckNone_hasNoCommand() throws Exception {
    assertThat(((Instruction.Healthcheck) only("HEALTHCHECK NONE")).none()).isTrue();
  }

  @Test
  void parse_onbuild_wrapsTheTrigger() throws Exception {
    Instruction.OnBuild ob = (Instruction.OnBuild) only("ONBUILD COPY --chown=1:1 . /app/src");
    assertThat(ob.trigger()).isInstanceOf(Instruction.Copy.class);
    assertThat(((Instruction.Copy) ob.trigger()).chown()).contains("1:1");
    assertThat(ob.triggerText()).isEqualTo("COPY --chown=1:1 . /app/src");
    assertThat(ob.trigger().location().column()).isEqualTo(9);
  }

  @Test
  void parseInstruction_onbuildTriggerFromImageConfig_parses() throws Exception {
    Instruction in = DockerfileParser.parseInstruction("base:onbuild", "RUN echo ${X}", '\\');
    assertThat(in).isInstanceOf(Instruction.Run.class);
  }

  @Test
  void parse_crlfAndBom_areHandled() throws Exception {
    Dockerfile df = parse("\uFEFFFROM alpine\r\nRUN a \\\r\n b\r\n");
    assertThat(((Instruction.Run) df.stages().get(0).instructions().get(0)).command().commandLine())
        .isEqualTo("a  b");
  }

  @Test
  void parse_instructionText_isTheOriginal() throws Exception {
    Instruction in = only("RUN    echo   hi");
    assertThat(in.text()).isEqualTo("RUN    echo   hi");
    assertThat(in.location()).isEqualTo(new Location("Dockerfile", 2, 1, 2, 16));
    assertThat(in.location().toString()).isEqualTo("Dockerfile:2:1");
  }
}
