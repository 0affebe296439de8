package dev.ferry.build.dockerfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContextFilesTest {
  @TempDir Path ctx;
  ContextFiles files;

  @BeforeEach
  void context() throws Exception {
    for (String f : List.of("app/main.py", "app/util.py", "app/__pycache__/main.pyc", "app/sub/deep.py",
        "README.md", "NOTES.md", "secrets/key", "secrets/public.pem", "config.yml", "Dockerfile", "a b.txt")) {
      Path p = ctx.resolve(f);
      Files.createDirectories(p.getParent());
      Files.writeString(p, f);
    }
    files = ContextFiles.of(ctx, DockerIgnore.parse("""
        secrets
        !secrets/public.pem
        **/__pycache__
        *.md
        !README.md
        config*
        """));
  }

  private static List<String> paths(List<ContextFiles.Entry> entries) {
    return entries.stream().map(ContextFiles.Entry::path).toList();
  }

  @Test
  void resolve_plainFile_isItself() throws IOException {
    assertThat(files.resolve("README.md")).containsExactly(new ContextFiles.Entry("README.md", ContextFiles.Kind.FILE));
    assertThat(paths(files.resolve("./a b.txt"))).containsExactly("a b.txt");
  }

  @Test
  void resolve_pathsStayInsideTheContext() throws IOException {
    assertThat(paths(files.resolve("/app/../README.md"))).containsExactly("README.md");
    assertThat(paths(files.resolve("../../README.md"))).containsExactly("README.md");
    assertThat(paths(files.resolve("."))).containsExactly(".");
  }

  @Test
  void resolve_glob_matchesWithinOneDirectory() throws IOException {
    assertThat(paths(files.resolve("app/*.py"))).containsExactly("app/main.py", "app/util.py");
    assertThat(paths(files.resolve("*/m?in.py"))).containsExactly("app/main.py");
    assertThat(paths(files.resolve("[A-Z]*.md"))).containsExactly("README.md");
  }

  @Test
  void resolve_doubleStar_isTwoStarsAsInDocker() throws IOException {
    assertThat(paths(files.resolve("**/*.py"))).containsExactly("app/main.py", "app/util.py");
  }

  @Test
  void resolve_missingPath_namesIt() {
    ContextSourceException e = catchThrowableOfType(ContextSourceException.class, () -> files.resolve("missing.txt"));
    assertThat(e.getMessage()).startsWith("COPY source 'missing.txt' not found in the build context");
    assertThat(e.rule()).isEmpty();
    assertThat(e.source()).isEqualTo("missing.txt");
  }

  @Test
  void resolve_excludedPath_namesTheRule() {
    ContextSourceException e = catchThrowableOfType(ContextSourceException.class, () -> files.resolve("secrets/key"));
    assertThat(e.getMessage()).isEqualTo("COPY source 'secrets/key' is excluded by .dockerignore rule "
        + "'secrets' (.dockerignore line 1); remove the rule or add an exception !secrets/key");
    assertThat(e.rule()).map(DockerIgnore.Rule::line).contains(1);
  }

  @Test
  void resolve_globMatchingOnlyExcludedPaths_namesTheRule() {
    ContextSourceException e = catchThrowableOfType(ContextSourceException.class, () -> files.resolve("*.yml"));
    assertThat(e.getMessage()).contains("matches only paths excluded by .dockerignore: config.yml")
        .contains("'config*' (.dockerignore line 6)");
  }

  @Test
  void resolve_globMatchingNothing_saysSo() {
    ContextSourceException e = catchThrowableOfType(ContextSourceException.class, () -> files.resolve("*.nothing"));
    assertThat(e.getMessage()).startsWith("COPY source pattern '*.nothing' matches nothing");
  }

  @Test
  void resolve_badPattern_saysSo() {
    ContextSourceException e = catchThrowableOfType(ContextSourceException.class, () -> files.resolve("app/[x"));
    assertThat(e.getMessage()).contains("is not a valid pattern");
  }

  @Test
  void resolve_excludedDirectoryWithException_isKeptWithOnlyTheException() throws IOException {
    List<ContextFiles.Entry> r = files.resolve("secrets");
    assertThat(paths(r)).containsExactly("secrets");
    assertThat(paths(files.walk(r.get(0)))).containsExactly("secrets", "secrets/public.pem");
  }

  @Test
  void walk_directory_skipsIgnoredContent() throws IOException {
    assertThat(paths(files.walk(files.resolve("app").get(0))))
        .containsExactly("app", "app/main.py", "app/sub", "app/sub/deep.py", "app/util.py");
  }

  @Test
  void walk_root_appliesEveryRule() throws IOException {
    assertThat(paths(files.walk(files.resolve(".").get(0)))).containsExactly("Dockerfile", "README.md", "a b.txt",
        "app", "app/main.py", "app/sub", "app/sub/deep.py", "app/util.py", "secrets", "secrets/public.pem");
  }

  @Test
  void walk_symlink_isListedNotFollowed() throws IOException {
    Files.createSymbolicLink(ctx.resolve("link"), ctx.resolve("app"));
    List<ContextFiles.Entry> r = files.resolve("link");
    assertThat(r).containsExactly(new ContextFiles.Entry("link", ContextFiles.Kind.SYMLINK));
    assertThat(files.walk(r.get(0))).hasSize(1);
  }
}
