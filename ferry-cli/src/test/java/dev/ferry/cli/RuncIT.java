package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.testing.Busybox;
import dev.ferry.testing.Peers;
import dev.ferry.testing.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Ferry-made image, unpacked as a runtime bundle, runs under real runc with its command and exit code. Root only. */
class RuncIT {
  @TempDir Path tmp;
  Path runc;
  Path state;
  Cli ferry;
  Path rootfs;
  final List<String> containers = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    assumeTrue(Peers.isRoot(), "runc needs root here (no rootless setup)");
    runc = Peers.require("runc");
    // runc's own state directory, private to the test, so nothing is left in /run/runc.
    state = Files.createDirectories(tmp.resolve("runc-state"));
    ferry = new Cli(tmp.resolve("store"));
    rootfs = Busybox.rootfs(tmp.resolve("rootfs"));
    Files.writeString(rootfs.resolve("etc/hello"), "hello from /etc/hello\n");
  }

  @AfterEach
  void deleteContainers() throws Exception {
    for (String id : containers) {
      Processes.run(runc.toString(), "--root", state.toString(), "delete", "-f", id);
    }
  }

  @Test
  void run_bundleOfBusyboxImage_printsTheCommandsOutput() throws Exception {
    ferry.ok("image", "from-rootfs", rootfs.toString(), "-t", "hello:1", "--cmd", "/bin/sh,-c,echo hello from ferry; id -u; cat /etc/hello");
    Path bundle = tmp.resolve("bundle");
    ferry.ok("unpack", "--bundle", "hello:1", bundle.toString());

    Processes.Result r = run(bundle);

    assertThat(r.exitCode()).as(r.stderr()).isZero();
    assertThat(r.stdout().lines().toList()).containsExactly("hello from ferry", "0", "hello from /etc/hello");
  }

  @Test
  void run_commandExitsThree_runcExitsThree() throws Exception {
    ferry.ok("image", "from-rootfs", rootfs.toString(), "-t", "fails:1", "--cmd", "/bin/sh,-c,echo about to fail; exit 3");
    Path bundle = tmp.resolve("bundle");
    ferry.ok("unpack", "--bundle", "fails:1", bundle.toString());

    Processes.Result r = run(bundle);

    assertThat(r.exitCode()).as(r.stderr()).isEqualTo(3);
    assertThat(r.stdout()).isEqualTo("about to fail\n");
  }

  private Processes.Result run(Path bundle) throws Exception {
    String id = "ferry-it-" + UUID.randomUUID().toString().substring(0, 8);
    containers.add(id);
    // Processes.run gives the container /dev/null as stdin and files as stdout/stderr: no terminal.
    return Processes.run(
        List.of(runc.toString(), "--root", state.toString(), "run", "--bundle", bundle.toString(), id), null, Map.of(), 60);
  }
}
