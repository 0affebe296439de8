package dev.ferry.oci.store;

import dev.ferry.oci.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Removes blobs no name reaches, and temp files that killed writers left behind. Runs with no writer active (see
 * {@link OciStore#session()}), so it never removes a blob that is about to be named. Thread-safe.
 */
public final class GarbageCollector {

  /** What a collection removed. */
  public record Result(int blobsRemoved, long bytesRemoved, int tempFilesRemoved, int blobsKept) {}

  /** Blobs to keep besides those {@code index.json} reaches; evaluated under gc's exclusive lock. */
  @FunctionalInterface
  public interface Roots {
    Set<Digest> get() throws IOException;
  }

  private GarbageCollector() {}

  /**
   * Collects garbage in {@code store}. {@code extraRoots} keeps blobs that something other than {@code index.json}
   * refers to (the build cache, for one). With {@code dryRun} nothing is removed.
   */
  public static Result collect(OciStore store, Set<Digest> extraRoots, boolean dryRun) throws IOException {
    return collect(store, () -> extraRoots, dryRun);
  }

  /**
   * Like {@link #collect(OciStore, Set, boolean)}, with extra roots computed while no writer is active: a writer
   * that records its roots inside a {@link OciStore#session()} (the registry server's repository links, see
   * {@code RegistryState.recentLinks}) can then never lose a blob to a collection that looked at its records a
   * moment too early.
   */
  public static Result collect(OciStore store, Roots extraRoots, boolean dryRun) throws IOException {
    return collect(store, extraRoots, dryRun, () -> {});
  }

  /** Work on data derived from blobs (a cache of extracted layers) that must run while no writer is active. */
  @FunctionalInterface
  public interface AfterCollect {
    void run() throws IOException;
  }

  /**
   * Like {@link #collect(OciStore, Roots, boolean)}, then runs {@code after} (unless {@code dryRun}) under the same
   * exclusive lock, when the doomed blobs are gone: a cache derived from blobs can then drop what lost its blobs,
   * with no writer using it.
   */
  public static Result collect(OciStore store, Roots extraRoots, boolean dryRun, AfterCollect after)
      throws IOException {
    return store.exclusively(
        () -> {
          Set<Digest> extra = extraRoots.get();
          Reachability walk = new Reachability(store).walk(store.entries());
          List<Digest> doomed = new ArrayList<>();
          int kept = 0;
          for (Digest d : store.blobs()) {
            if (walk.reached().containsKey(d) || extra.contains(d)) {
              kept++;
            } else {
              doomed.add(d);
            }
          }
          long bytes = 0;
          for (Digest d : doomed) {
            bytes += store.size(d);
            if (!dryRun) {
              store.delete(d);
            }
          }
          int temps = 0;
          for (Path p : store.ingestFiles()) {
            temps++;
            if (!dryRun) {
              Files.deleteIfExists(p);
            }
          }
          if (!dryRun) {
            after.run();
          }
          return new Result(doomed.size(), bytes, temps, kept);
        });
  }
}
