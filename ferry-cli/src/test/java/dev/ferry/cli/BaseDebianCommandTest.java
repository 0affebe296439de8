package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry base debian} refuses bad arguments with exit 2 before it runs mmdebstrap or reads the mirror. */
class BaseDebianCommandTest {
  @TempDir Path tmp;
  Cli ferry;

  @BeforeEach
  void setUp() {
    ferry = new Cli(tmp.resolve("store"));
  }

  private void assertUsage(String expected, String... args) {
    Cli.Run r = ferry.run(args);
    assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
    assertThat(r.err()).contains(expected);
    assertThat(r.out()).isEmpty();
  }

  @Test
  void badSuite_exit2() {
    assertUsage("not a Debian suite name: 'Bookworm/x'", "base", "debian", "--suite", "Bookworm/x", "-t", "d:1", "--mirror", "http://127.0.0.1:9/debian");
  }

  @Test
  void badPlatform_exit2() {
    assertUsage("platform must be os/arch", "base", "debian", "--suite", "bookworm", "-t", "d:1", "--platform", "linux//arm64", "--mirror", "http://127.0.0.1:9/debian");
    assertUsage("no Debian port for platform linux/sparc", "base", "debian", "--suite", "bookworm", "-t", "d:1", "--platform", "linux/amd64,linux/sparc", "--mirror", "http://127.0.0.1:9/debian");
    assertUsage("given twice", "base", "debian", "--suite", "bookworm", "-t", "d:1", "--platform", "linux/amd64,amd64", "--mirror", "http://127.0.0.1:9/debian");
  }

  @Test
  void badVariantPackageMirrorComponentOrKeyring_exit2() {
    assertUsage("unknown variant 'tiny'", "base", "debian", "--suite", "bookworm", "-t", "d:1", "--variant", "tiny", "--mirror", "http://127.0.0.1:9/debian");
    assertUsage("not a Debian package name: 'Python 3'", "base", "debian", "--suite", "bookworm", "-t", "d:1", "--packages", "ca-certificates,Python 3", "--mirror", "http://127.0.0.1:9/debian");
    assertUsage("must be an http://, https:// or file:// URL", "base", "debian", "--suite", "bookworm", "-t", "d:1", "--mirror", "deb.debian.org/debian");
    assertUsage("not a Debian archive component: 'Main!'", "base", "debian", "--suite", "bookworm", "-t", "d:1", "--components", "Main!", "--mirror", "http://127.0.0.1:9/debian");
    assertUsage("keyring " + tmp.resolve("nokeys.gpg") + " does not exist", "base", "debian", "--suite", "bookworm", "-t", "d:1", "--keyring", tmp.resolve("nokeys.gpg").toString());
  }

  @Test
  void missingSuiteOrTag_exit2() {
    assertUsage("--suite", "base", "debian", "-t", "d:1");
    assertUsage("--tag", "base", "debian", "--suite", "bookworm");
    assertUsage("invalid", "base", "debian", "--suite", "bookworm", "-t", "UPPER:case!");
  }
}
