package dev.ferry.build;

import dev.ferry.build.internal.WorkDirs;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.util.List;

/**
 * What builds killed with SIGKILL leave in a store ({@code .ferry/build/<id>/}: runc containers, overlay mounts, the
 * work directory), and its removal for {@code ferry gc}. A running build holds a lock on its work directory, and its
 * directory is never touched. Stateless and thread-safe.
 */
public final class BuildLeftovers {
  private BuildLeftovers() {}

  /**
   * What {@link #clean} removed (or would remove).
   *
   * @param workDirs work directories of dead builds
   * @param mounts mounts under them
   * @param containers runc containers of them
   * @param problems one line for each leftover that could not be removed, saying what to do
   */
  public record Result(int workDirs, int mounts, int containers, List<String> problems) {
    public Result {
      problems = List.copyOf(problems);
    }
  }

  /**
   * Deletes dead builds' runc containers ({@code runc delete -f}, which also stops what still runs in them),
   * unmounts what is mounted under their work directories and removes the directories.
   *
   * @param dryRun only count
   */
  public static Result clean(OciStore store, boolean dryRun) throws IOException {
    return WorkDirs.cleanDead(store.privateDirectory("build"), "runc", dryRun);
  }
}
