package dev.ferry.build.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.build.BuildException;
import dev.ferry.build.dockerfile.ContextFiles;
import dev.ferry.build.dockerfile.DockerIgnore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** COPY semantics; root only, since staging sets owners. */
class CopyStepTest {
  @TempDir Path tmp;
  Path ctx;
  Path rootfs;
  Path staging;
  ContextFiles files;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "staging sets owners; that needs root");
    ctx = Files.createDirectories(tmp.resolve("ctx"));
    Files.createDirectories(ctx.resolve("dir/sub"));
    Files.writeString(ctx.resolve("dir/sub/f"), "f");
    Files.writeString(ctx.resolve("a.txt"), "a");
    Files.writeString(ctx.resolve("b.txt"), "b");
    rootfs = Files.createDirectories(tmp.resolve("rootfs"));
    Files.createDirectories(rootfs.resolve("usr/bin"));
    Files.createSymbolicLink(rootfs.resolve("bin"), Path.of("usr/bin"));
    Files.createDirectories(rootfs.resolve("existing"));
    staging = Files.createDirectories(tmp.resolve("staging"));
    files = ContextFiles.of(ctx, DockerIgnore.empty());
  }

  private CopyStep step(Optional<Users.Ids> chown, OptionalInt chmod) {
    return new CopyStep(rootfs, staging, chown, chmod, true);
  }

  @Test
  void copy_directory_copiesItsContents() throws Exception {
    step(Optional.empty(), OptionalInt.empty()).copy(files, ctx, List.of("dir"), List.of(), "/app", false);
    assertThat(staging.resolve("app/sub/f")).hasContent("f");
    assertThat(staging.resolve("app/dir")).doesNotExist();
  }

  @Test
  void copy_fileToSlashOrExistingDir_keepsItsName_elseIsRenamed() throws Exception {
    step(Optional.empty(), OptionalInt.empty()).copy(files, ctx, List.of("a.txt"), List.of(), "/x/", false);
    step(Optional.empty(), OptionalInt.empty()).copy(files, ctx, List.of("a.txt"), List.of(), "/existing", false);
    step(Optional.empty(), OptionalInt.empty()).copy(files, ctx, List.of("a.txt"), List.of(), "/renamed", false);
    assertThat(staging.resolve("x/a.txt")).hasContent("a");
    assertThat(staging.resolve("existing/a.txt")).hasContent("a");
    assertThat(staging.resolve("renamed")).hasContent("a");
  }

  @Test
  void copy_severalSourcesToAFileName_isRefused() {
    assertThatThrownBy(() -> step(Optional.empty(), OptionalInt.empty())
        .copy(files, ctx, List.of("*.txt"), List.of(), "/one", false))
        .isInstanceOf(BuildException.class).hasMessageContaining("must be a directory and end with a /");
  }

  @Test
  void copy_throughASymlinkedDirectory_landsWhereTheLinkPoints() throws Exception {
    step(Optional.empty(), OptionalInt.empty()).copy(files, ctx, List.of("a.txt"), List.of(), "/bin/", false);
    assertThat(staging.resolve("usr/bin/a.txt")).hasContent("a");
    assertThat(Files.isSymbolicLink(staging.resolve("bin"))).isFalse();
    assertThat(staging.resolve("bin")).doesNotExist();
  }

  @Test
  void copy_chownAndChmod_applyToTheCopiedFiles() throws Exception {
    step(Optional.of(new Users.Ids(7, 8)), OptionalInt.of(0600)).copy(files, ctx, List.of("a.txt"), List.of(), "/x/",
        false);
    Path f = staging.resolve("x/a.txt");
    assertThat(Files.getAttribute(f, "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(7);
    assertThat(Files.getAttribute(f, "unix:gid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(8);
    assertThat((Integer) Files.getAttribute(f, "unix:mode") & 07777).isEqualTo(0600);
    assertThat(Files.getAttribute(staging.resolve("x"), "unix:uid")).isEqualTo(0);
  }

  @Test
  void copy_exclude_leavesOutMatchesAtTheTopAndInsideCopiedDirectories() throws Exception {
    Files.writeString(ctx.resolve("dir/sub/g.txt"), "g");
    Files.createDirectories(ctx.resolve("dir/cache"));
    Files.writeString(ctx.resolve("dir/cache/x"), "x");
    step(Optional.empty(), OptionalInt.empty()).excluding(DockerIgnore.parse("*.txt\ncache"))
        .copy(files, ctx, List.of("*.txt", "dir"), List.of(), "/app/", false);
    assertThat(staging.resolve("app/sub/f")).hasContent("f");
    assertThat(staging.resolve("app/a.txt")).doesNotExist();
    assertThat(staging.resolve("app/sub/g.txt")).exists(); // *.txt is one level: sub/g.txt is not "*.txt"
    assertThat(staging.resolve("app/cache")).doesNotExist();
  }

  @Test
  void copy_parents_keepsTheSourcePath_orWhatFollowsAPivot() throws Exception {
    Files.setPosixFilePermissions(ctx.resolve("dir"), java.nio.file.attribute.PosixFilePermissions.fromString(
        "rwx------"));
    step(Optional.empty(), OptionalInt.empty()).keepingParents(true)
        .copy(files, ctx, List.of("dir/sub/f", "a.txt"), List.of(), "/p", false);
    assertThat(staging.resolve("p/dir/sub/f")).hasContent("f");
    assertThat(staging.resolve("p/a.txt")).hasContent("a");
    assertThat((Integer) Files.getAttribute(staging.resolve("p/dir"), "unix:mode") & 0777).isEqualTo(0700);

    Path staging2 = Files.createDirectories(tmp.resolve("staging2"));
    new CopyStep(rootfs, staging2, Optional.empty(), OptionalInt.empty(), true).keepingParents(true)
        .copy(files, ctx, List.of("./dir/./sub"), List.of(), "/q/", false);
    assertThat(staging2.resolve("q/sub/f")).hasContent("f");
    assertThat(staging2.resolve("q/dir")).doesNotExist();
    assertThat(CopyStep.pivotPrefix("./a/b/./c/*.txt")).isEqualTo("a/b/");
    assertThat(CopyStep.pivotPrefix("a/b")).isEmpty();
  }

  @Test
  void add_bzip2AndXzTars_areExtracted() throws Exception {
    Path tree = Files.createDirectories(tmp.resolve("tree/pkg"));
    Files.writeString(tree.resolve("data"), "packed");
    for (String[] c : new String[][] {{"j", "a.tar.bz2"}, {"J", "a.tar.xz"}}) {
      int rc = new ProcessBuilder("tar", "-C", tmp.resolve("tree").toString(), "-c" + c[0] + "f",
          ctx.resolve(c[1]).toString(), "pkg").inheritIO().start().waitFor();
      assertThat(rc).isZero();
      step(Optional.empty(), OptionalInt.empty()).copy(files, ctx, List.of(c[1]), List.of(), "/x-" + c[0] + "/", true);
      assertThat(staging.resolve("x-" + c[0] + "/pkg/data")).hasContent("packed");
    }
  }

  @Test
  void parseChmod_refusesNonOctal() {
    assertThatThrownBy(() -> CopyStep.parseChmod(Optional.of("u+x"))).isInstanceOf(BuildException.class)
        .hasMessageContaining("u+x");
  }
}
