package dev.ferry.build;

import dev.ferry.build.dockerfile.BuildOptions;
import dev.ferry.build.dockerfile.BuildPlan;
import dev.ferry.build.dockerfile.ContextFiles;
import dev.ferry.build.dockerfile.DockerIgnore;
import dev.ferry.build.dockerfile.Dockerfile;
import dev.ferry.build.dockerfile.DockerfileException;
import dev.ferry.build.dockerfile.DockerfileParser;
import dev.ferry.build.internal.Cleanups;
import dev.ferry.build.internal.PlatformBuild;
import dev.ferry.build.internal.StepCache;
import dev.ferry.build.internal.WorkDirs;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Index;
import dev.ferry.oci.Platform;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.client.RegistryClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Builds images from Dockerfiles into a store: parses and plans ({@link dev.ferry.build.dockerfile}), runs each
 * platform's stages ({@code RUN} in runc on an overlay snapshot), writes layers, config and manifest (an index for
 * several platforms) and tags the result only when everything succeeded. Thread-safe as long as each call has its own
 * request; builds of one store may run at once (each has its own work directory). Independent stages, and the
 * platforms of a multi-platform build, run at once, at most {@link BuildRequest#jobs()} stages at a time.
 */
public final class ImageBuilder {
  /** Threads for stages and platforms; unbounded because a platform's thread only waits (slots bound the work). */
  private static final ExecutorService THREADS = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "ferry-build");
    t.setDaemon(true);
    return t;
  });

  private final OciStore store;
  private final Optional<RegistryClient> registry;
  private final BuildProgress progress;
  private final String runc;

  private ImageBuilder(OciStore store, Optional<RegistryClient> registry, BuildProgress progress, String runc) {
    this.store = Objects.requireNonNull(store, "store");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.progress = Objects.requireNonNull(progress, "progress");
    this.runc = runc;
  }

  /**
   * A builder over {@code store}; base images missing from it are pulled with {@code registry} when present.
   *
   * @param progress where progress lines go
   */
  public static ImageBuilder of(OciStore store, Optional<RegistryClient> registry, BuildProgress progress) {
    return new ImageBuilder(store, registry, progress, "runc");
  }

  /**
   * Runs the build.
   *
   * @throws DockerfileException for a Dockerfile that does not parse or plan (with {@code file:line:column})
   * @throws BuildException for a step that fails (a RUN's exit code and output, a missing source or secret)
   */
  public BuildResult build(BuildRequest request) throws IOException, DockerfileException {
    if (!Files.isDirectory(request.context())) {
      throw new BuildException("build context " + request.context() + " is not a directory");
    }
    if (!Files.isRegularFile(request.dockerfile())) {
      throw new BuildException("Dockerfile " + request.dockerfile() + " not found");
    }
    Dockerfile df = DockerfileParser.parse(request.dockerfile());
    ContextFiles context =
        ContextFiles.of(request.context(), DockerIgnore.read(request.context().resolve(".dockerignore")));
    AtomicInteger counter = new AtomicInteger();
    // progress listeners need not be thread-safe: stages and platforms report from several threads
    BuildProgress lines = line -> {
      synchronized (this) {
        progress.line(line);
      }
    };
    try (OciStore.Session session = store.session()) {
      StepCache cache = new StepCache(store);
      List<Descriptor> manifests = new ArrayList<>();
      List<PlatformBuild> builds = new ArrayList<>();
      // held while the build runs, so that ferry gc can tell a killed build's leftovers from a running build's
      try (WorkDirs.Lease lease = WorkDirs.lease(store.privateDirectory("build"));
          // removed at the end, or by the shutdown hook on Ctrl-C after the containers and mounts inside it
          Cleanups.Handle workDir = Cleanups.register(() -> Files.createDirectories(lease.dir()), () -> {
            deleteWork(lease.dir());
            lease.deleteLockFile();
          })) {
        Path work = lease.dir();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Semaphore slots = new Semaphore(request.jobs());
        for (Platform p : request.platforms()) {
          BuildOptions options = BuildOptions.defaults()
              .withBuildArgs(request.buildArgs())
              .withTargetPlatform(p)
              .withBuildPlatform(Platform.host());
          if (request.target().isPresent()) {
            options = options.withTarget(request.target().get());
          }
          BuildPlan plan = BuildPlan.of(df, options);
          if (!plan.unusedBuildArgs().isEmpty()) {
            lines.line("#0 WARNING: build args not consumed by any ARG: " + plan.unusedBuildArgs());
          }
          builds.add(new PlatformBuild(store, registry, request, plan, work, context, cache, lines, counter, runc,
              THREADS, slots, failure));
        }
        // the platforms at once; each waits for its stages, which share the slots
        List<CompletableFuture<Descriptor>> runs = new ArrayList<>();
        for (PlatformBuild pb : builds) {
          runs.add(CompletableFuture.supplyAsync(() -> {
            try {
              return pb.run();
            } catch (IOException | DockerfileException e) {
              throw new CompletionException(e);
            }
          }, THREADS));
        }
        CompletableFuture.allOf(runs.toArray(CompletableFuture<?>[]::new)).exceptionally(e -> null).join();
        for (CompletableFuture<Descriptor> f : runs) {
          if (f.isCompletedExceptionally()) {
            Throwable t = failure.get() != null ? failure.get() : f.exceptionNow();
            while (t instanceof CompletionException && t.getCause() != null) {
              t = t.getCause();
            }
            switch (t) {
              case IOException io -> throw io;
              case DockerfileException d -> throw d;
              case RuntimeException r -> throw r;
              case Error e -> throw e;
              default -> throw new IllegalStateException(t);
            }
          }
          manifests.add(f.join());
        }
      }
      int steps = builds.stream().mapToInt(PlatformBuild::cacheableSteps).sum();
      int cached = builds.stream().mapToInt(PlatformBuild::cachedSteps).sum();
      Descriptor top = manifests.size() == 1 ? manifests.get(0) : store.put(Index.of(manifests));
      for (String tag : request.tags()) {
        store.tag(Images.storeName(tag), top);
      }
      return new BuildResult(top, manifests, steps, cached);
    }
  }

  private static void deleteWork(Path work) {
    // Work trees hold files of any owner and mode; root may delete them all.
    try {
      new ProcessBuilder("rm", "-rf", "--one-file-system", work.toString()).start().waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // best effort: a leftover work directory holds nothing the store refers to
    }
  }
}
