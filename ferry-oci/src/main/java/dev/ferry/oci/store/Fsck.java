package dev.ferry.oci.store;

import dev.ferry.oci.Digest;
import dev.ferry.oci.DigestMismatchException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;

/**
 * Checks a store: every blob re-hashed against its name, every name's graph complete with the declared sizes, and
 * every document parseable. Reports all problems rather than the first. Thread-safe.
 */
public final class Fsck {

  /**
   * What a check found.
   *
   * @param problems one line per problem, empty when the store is clean
   * @param unreferenced blobs no name reaches (not a problem; {@code ferry gc} removes them)
   * @param tempFiles leftovers of interrupted writes (not a problem; {@code ferry gc} removes them)
   */
  public record Report(
      int blobsChecked, long bytesChecked, int names, List<String> problems, int unreferenced, int tempFiles) {
    public Report {
      problems = List.copyOf(problems);
    }

    public boolean clean() {
      return problems.isEmpty();
    }
  }

  private Fsck() {}

  /** Checks {@code store}, hashing blobs on all cores; {@code progress} receives bytes hashed as it goes. */
  public static Report check(OciStore store, LongConsumer progress) throws IOException {
    return check(store, java.util.Set.of(), progress);
  }

  /**
   * Like {@link #check(OciStore, LongConsumer)}; blobs in {@code kept} (what gc keeps besides the names: a build
   * cache, a registry server's uploads) are not counted as unreferenced.
   */
  public static Report check(OciStore store, java.util.Set<Digest> kept, LongConsumer progress) throws IOException {
    List<String> problems = Collections.synchronizedList(new ArrayList<>());
    List<Digest> blobs = store.blobs();
    int threads = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), 8));
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long bytes = 0;
    try {
      List<Future<Long>> results = new ArrayList<>();
      for (Digest d : blobs) {
        results.add(pool.submit(() -> rehash(store, d, problems, progress)));
      }
      for (Future<Long> f : results) {
        try {
          bytes += f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          problems.add("cannot check a blob: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("fsck interrupted");
        }
      }
    } finally {
      pool.shutdownNow();
    }
    var entries = store.entries();
    Reachability walk = new Reachability(store).walk(entries);
    problems.addAll(walk.problems());
    int unreferenced = (int) blobs.stream().filter(d -> !walk.reached().containsKey(d) && !kept.contains(d)).count();
    int names = (int) entries.stream().filter(d -> d.refName().isPresent()).count();
    List<String> sorted = new ArrayList<>(problems);
    Collections.sort(sorted);
    return new Report(blobs.size(), bytes, names, sorted, unreferenced, store.ingestFiles().size());
  }

  private static long rehash(OciStore store, Digest d, List<String> problems, LongConsumer progress) {
    byte[] buf = new byte[256 * 1024];
    long n = 0;
    try (InputStream in = store.open(d)) {
      int r;
      while ((r = in.read(buf)) >= 0) {
        n += r;
        progress.accept(r);
      }
    } catch (DigestMismatchException e) {
      problems.add("corrupt blob " + d + ": content hashes to " + e.actual());
    } catch (IOException e) {
      problems.add("cannot read blob " + d + ": " + e.getMessage());
    }
    return n;
  }
}
