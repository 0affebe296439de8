package dev.ferry.build.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.build.BuildLeftovers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkDirsTest {
  @TempDir Path root;

  private static String[] names(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
    }
  }

  @Test
  void cleanDead_removesDirectoriesNoBuildHolds_andKeepsARunningOnes() throws Exception {
    String liveName;
    try (WorkDirs.Lease live = WorkDirs.lease(root)) {
      liveName = live.dir().getFileName().toString();
      Files.createDirectories(live.dir().resolve("rootfs/etc"));
      Path dead = Files.createDirectories(root.resolve("0123456789abcdef/run-linux_amd64-1/runc"));
      Files.writeString(dead.getParent().resolve("leftover"), "x");
      Files.writeString(root.resolve("fedcba9876543210.lock"), "4242\n"); // a dead build's lock, no directory

      BuildLeftovers.Result dry = WorkDirs.cleanDead(root, "runc", true);
      assertThat(dry.workDirs()).isEqualTo(1);
      assertThat(names(root)).containsExactlyInAnyOrder("0123456789abcdef", "fedcba9876543210.lock",
          live.dir().getFileName().toString(), live.dir().getFileName() + ".lock");

      BuildLeftovers.Result r = WorkDirs.cleanDead(root, "runc", false);
      assertThat(r).isEqualTo(new BuildLeftovers.Result(1, 0, 0, java.util.List.of()));
      assertThat(names(root)).containsExactlyInAnyOrder(live.dir().getFileName().toString(),
          live.dir().getFileName() + ".lock");
      assertThat(live.dir().resolve("rootfs/etc")).isDirectory();
    }
    // the lock goes with the lease; the directory is the build's to remove
    assertThat(names(root)).containsExactly(liveName);
  }

  @Test
  void lease_close_removesItsLockFile_soThatAnEmptyStoreStaysEmpty() throws Exception {
    try (WorkDirs.Lease l = WorkDirs.lease(root)) {
      assertThat(l.dir()).doesNotExist();
      assertThat(names(root)).containsExactly(l.dir().getFileName() + ".lock");
    }
    assertThat(names(root)).isEmpty();
  }
}
