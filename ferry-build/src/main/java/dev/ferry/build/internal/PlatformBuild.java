package dev.ferry.build.internal;

import dev.ferry.build.BuildException;
import dev.ferry.build.BuildProgress;
import dev.ferry.build.BuildRequest;
import dev.ferry.build.Emulation;
import dev.ferry.build.dockerfile.BuildPlan;
import dev.ferry.build.dockerfile.Command;
import dev.ferry.build.dockerfile.ContextFiles;
import dev.ferry.build.dockerfile.ContextSourceException;
import dev.ferry.build.dockerfile.DockerIgnore;
import dev.ferry.build.dockerfile.DockerfileException;
import dev.ferry.build.dockerfile.DockerfileParser;
import dev.ferry.build.dockerfile.Instruction;
import dev.ferry.build.dockerfile.KeyValue;
import dev.ferry.build.dockerfile.Mount;
import dev.ferry.build.dockerfile.ResolvedStage;
import dev.ferry.build.dockerfile.Step;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.ImageConfig;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import dev.ferry.oci.layer.LayerExtractor;
import dev.ferry.oci.layer.LayerSource;
import dev.ferry.oci.layer.LayerWriter;
import dev.ferry.oci.layer.WrittenLayer;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.client.PlatformSelection;
import dev.ferry.registry.client.ProgressListener;
import dev.ferry.registry.client.RegistryClient;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Builds one platform's image from a {@link BuildPlan}: stage by stage in plan order, each stage's root filesystem
 * materialised lazily in the work directory (only a cache miss of {@code WORKDIR}, {@code COPY}, {@code ADD} or
 * {@code RUN} needs it), layers written to the store, the step cache consulted and filled. Independent stages run
 * at once. {@link #run} may be called once; one instance per platform and build.
 */
public final class PlatformBuild {
  private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private final OciStore store;
  private final Optional<RegistryClient> registry;
  private final BuildRequest request;
  /** The plan, re-planned once before any stage starts when base images' ONBUILD triggers name stages. */
  private BuildPlan plan;
  private final Platform platform;
  private final Path work;
  private final ContextFiles context;
  private final StepCache cache;
  private final LayerWriter writer;
  private final BuildProgress progress;
  private final AtomicInteger stepCounter;
  private final String created;
  private final String runc;
  private final Executor executor;
  private final Semaphore slots;
  /** Finished stages by index; a stage reads only those it depends on, which finished before it started. */
  private final Map<Integer, StageState> stages = new ConcurrentHashMap<>();
  private final Map<String, StageState> images = new ConcurrentHashMap<>();
  private final Map<String, Object> imageLocks = new ConcurrentHashMap<>();
  private final AtomicInteger dirs = new AtomicInteger();
  private final AtomicInteger cacheable = new AtomicInteger();
  private final AtomicInteger cached = new AtomicInteger();
  /**
   * Set when a stage (of any platform of the build) failed: stages not started yet do not start, running ones stop
   * before their next step.
   */
  private final AtomicReference<Exception> failure;

  public PlatformBuild(OciStore store, Optional<RegistryClient> registry, BuildRequest request, BuildPlan plan,
      Path work, ContextFiles context, StepCache cache, BuildProgress progress, AtomicInteger stepCounter,
      String runc, Executor executor, Semaphore slots, AtomicReference<Exception> failure) {
    this.executor = executor;
    this.failure = failure;
    this.slots = slots;
    this.store = store;
    this.registry = registry;
    this.request = request;
    this.plan = plan;
    this.platform = plan.options().targetPlatform();
    this.work = work;
    this.context = context;
    this.cache = cache;
    this.progress = progress;
    this.stepCounter = stepCounter;
    this.runc = runc;
    this.created = request.epoch().toString();
    // gzip in 1 MiB blocks on every core: single-threaded deflate (~95 MiB/s a core) limited COPY of a large context
    this.writer = LayerWriter.builder().compression(request.compression()).epoch(request.epoch())
        .gzipWorkers(Runtime.getRuntime().availableProcessors()).build();
  }

  public int cacheableSteps() {
    return cacheable.get();
  }

  public int cachedSteps() {
    return cached.get();
  }

  /**
   * Runs every needed stage and stores the target's config and manifest; returns the manifest's descriptor. Each
   * stage starts on {@code executor} as soon as the stages it depends on have finished and one of {@code slots} is
   * free; the result does not depend on the order in which independent stages finish. When a stage fails, the
   * stages still running stop before their next step, and this returns (throws) only once none is running, so that
   * the caller may remove the work directory.
   */
  public Descriptor run() throws IOException, DockerfileException {
    try {
      plan = withBaseImageTriggers(plan);
    } catch (IOException | DockerfileException | RuntimeException e) {
      failure.compareAndSet(null, e);
      throw e;
    }
    Map<Integer, CompletableFuture<StageState>> futures = new LinkedHashMap<>();
    for (ResolvedStage s : plan.order()) {
      CompletableFuture<?>[] deps = s.dependencies().stream().map(futures::get).filter(java.util.Objects::nonNull)
          .toArray(CompletableFuture<?>[]::new);
      futures.put(s.index(), CompletableFuture.allOf(deps).thenApplyAsync(x -> runStageInSlot(s), executor));
    }
    CompletableFuture.allOf(futures.values().toArray(CompletableFuture<?>[]::new)).exceptionally(e -> null).join();
    Exception first = failure.get();
    if (first == null) {
      for (CompletableFuture<StageState> f : futures.values()) {
        if (f.isCompletedExceptionally()) { // an Error, which is not recorded as the build's failure
          first = new IllegalStateException("a stage failed", f.exceptionNow());
        }
      }
    }
    switch (first) {
      case null -> { }
      case IOException io -> throw io;
      case DockerfileException d -> throw d;
      case RuntimeException r -> throw r;
      default -> throw new IllegalStateException(first);
    }
    StageState target = stages.get(plan.target().index());
    ImageConfig config = target.cfg.created(created).build();
    Descriptor configDesc = store.put(config);
    Manifest m = Manifest.of(configDesc, target.layers);
    return store.put(m).withPlatform(platform);
  }

  /**
   * Resolves (pulling when needed, all at once) the base images of the needed stages and re-plans with their
   * {@code ONBUILD} triggers, until no trigger adds a stage: a trigger's {@code COPY --from=stage} needs that stage
   * built first, and a stage it adds may have a base image with triggers of its own.
   */
  private BuildPlan withBaseImageTriggers(BuildPlan p) throws IOException, DockerfileException {
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    while (true) {
      List<ResolvedStage> todo = p.order().stream()
          .filter(s -> s.baseImage().isPresent() && seen.add(s.index())).toList();
      if (todo.isEmpty()) {
        return p;
      }
      List<CompletableFuture<StageState>> bases = new ArrayList<>();
      for (ResolvedStage s : todo) {
        bases.add(CompletableFuture.supplyAsync(() -> {
          try {
            return image(s.baseImage().get(), s.platform());
          } catch (IOException e) {
            throw new StageFailure(e);
          }
        }, executor));
      }
      CompletableFuture.allOf(bases.toArray(CompletableFuture<?>[]::new)).exceptionally(e -> null).join();
      for (int i = 0; i < todo.size(); i++) {
        StageState base;
        try {
          base = bases.get(i).join();
        } catch (java.util.concurrent.CompletionException e) {
          if (e.getCause() instanceof StageFailure f && f.getCause() instanceof IOException io) {
            throw io;
          }
          throw e;
        }
        if (!base.onBuild.isEmpty()) {
          ResolvedStage s = todo.get(i);
          p = p.withBaseImageTriggers(s.index(), base.env, triggers(s, base.onBuild));
        }
      }
    }
  }

  /** {@code texts} (a base's {@code ONBUILD} triggers) parsed, named after the stage's {@code FROM}. */
  private static List<Instruction> triggers(ResolvedStage s, List<String> texts) throws DockerfileException {
    List<Instruction> out = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      out.add(DockerfileParser.parseInstruction(s.image() + " ONBUILD trigger " + (i + 1), texts.get(i), '\\'));
    }
    return out;
  }

  // ------------------------------------------------------------------ stage state

  /** A stage's (or a --from image's) state as it is built: config, layers, cache key chain, lazy root fs. */
  private final class StageState {
    final String label;
    ImageConfig.Builder cfg;
    final List<Descriptor> layers;
    Digest key;
    final Map<String, String> env = new LinkedHashMap<>();
    String workdir;
    String user;
    List<String> shell;
    List<String> onBuild;
    boolean cmdSet;
    Path rootfs;
    int applied;
    /** An image's state: its root filesystem is the store's read-only extracted copy ({@link RootfsCache}). */
    boolean image;
    /** The state this one was copied from (its layers are a prefix of ours): a tree to start from. */
    StageState seed;

    StageState(String label, ImageConfig config, List<Descriptor> layers, Digest key) {
      this.label = label;
      this.cfg = config.toBuilder();
      this.layers = new ArrayList<>(layers);
      this.key = key;
      for (String e : config.env()) {
        int eq = e.indexOf('=');
        env.put(eq < 0 ? e : e.substring(0, eq), eq < 0 ? "" : e.substring(eq + 1));
      }
      this.workdir = config.workingDir().orElse("/");
      this.user = config.user().orElse("");
      this.shell = config.shell().isEmpty() ? List.of("/bin/sh", "-c") : config.shell();
      this.onBuild = new ArrayList<>(config.onBuild());
    }

    StageState copy(String newLabel) {
      StageState s = new StageState(newLabel, cfg.build(), layers, key);
      s.workdir = workdir;
      s.user = user;
      s.shell = shell;
      s.onBuild = new ArrayList<>(onBuild);
      s.env.clear();
      s.env.putAll(env);
      s.seed = this;
      return s;
    }

    /**
     * The root filesystem with every layer so far applied; stages that COPY --from this one may call it at once. An
     * image's is the store's extracted copy, never written to. A stage's starts as a copy of the nearest state it
     * descends from that has a tree (its base stage's, or the base image's; see {@link #copyTreeTo}), then the layers
     * after those are extracted.
     */
    synchronized Path materialise() throws IOException {
      if (image) {
        if (rootfs == null) {
          rootfs = RootfsCache.root(store, layers, PlatformBuild.this::extract);
          applied = layers.size();
        }
        return rootfs;
      }
      if (rootfs == null) {
        Path dir = newDir("rootfs");
        int from = 0;
        for (StageState s = seed; s != null; s = s.seed) {
          if (s.image || s.hasTree()) {
            from = s.copyTreeTo(dir);
            break;
          }
        }
        rootfs = dir;
        applied = from;
      }
      for (; applied < layers.size(); applied++) {
        extract(layers.get(applied), rootfs);
      }
      return rootfs;
    }

    synchronized boolean hasTree() {
      return rootfs != null;
    }

    /**
     * Copies this state's root filesystem, brought up to date, into the empty {@code dir}; returns its layer count.
     * Files are hard-linked, not copied (new inodes are what costs here: ext4 spends more on allocating them than
     * extracting spends on gunzip): no step writes into an existing file of a stage's tree — COPY's result and a
     * RUN's change replace entries (rename, or unlink and create while extracting), a RUN writes only to its
     * overlay's upper directory — so a file shared with the base's tree never changes. Directories are new.
     */
    synchronized int copyTreeTo(Path dir) throws IOException {
      Path src = materialise();
      try {
        Exec.run(List.of("cp", "-al", "--", src + "/.", dir.toString()));
      } catch (IOException notLinkable) { // another file system: copy
        Exec.run(List.of("rm", "-rf", "--one-file-system", dir.toString()));
        Files.createDirectory(dir);
        Exec.run(List.of("cp", "-a", "--", src + "/.", dir.toString()));
      }
      return applied;
    }

    List<String> envList() {
      List<String> out = new ArrayList<>();
      env.forEach((k, v) -> out.add(k + "=" + v));
      return out;
    }
  }

  /** Wraps a stage's checked failure on its way through a {@link CompletableFuture}. */
  private static final class StageFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StageFailure(Exception cause) {
      super(cause);
    }
  }

  private StageState runStageInSlot(ResolvedStage s) {
    if (failure.get() != null) {
      throw new StageFailure(new BuildException("stage " + s.stage().displayName() + " not started: another stage"
          + " failed"));
    }
    try {
      slots.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StageFailure(new BuildException("interrupted"));
    }
    try {
      StageState st = runStage(s);
      stages.put(s.index(), st);
      return st;
    } catch (IOException | DockerfileException | RuntimeException e) {
      failure.compareAndSet(null, e);
      throw new StageFailure(e);
    } finally {
      slots.release();
    }
  }

  private Path newDir(String kind) throws IOException {
    // the platform's full name: two platforms of one build (arm/v6, arm/v7) build at once in the same work directory
    Path dir = work.resolve(kind + "-" + platform.toString().replace('/', '_') + "-" + dirs.incrementAndGet());
    Files.createDirectory(dir);
    return dir;
  }

  private void extract(Descriptor layer, Path root) throws IOException {
    try (InputStream in = new BufferedInputStream(store.open(layer.digest()), 1 << 16)) {
      LayerExtractor.builder().build().extract(List.of(LayerSource.of(in)), root);
    }
  }

  private StageState base(ResolvedStage s) throws IOException {
    if (s.baseStage().isPresent()) {
      return stages.get(s.baseStage().get()).copy(s.stage().displayName());
    }
    if (s.scratch()) {
      ImageConfig fresh = ImageConfig.builder(s.platform()).env(List.of("PATH=" + DEFAULT_PATH)).build();
      return new StageState(s.stage().displayName(), fresh, List.of(), chain(null, "scratch", s.platform().toString()));
    }
    StageState img = image(s.baseImage().get(), s.platform());
    return img.copy(s.stage().displayName());
  }

  /** An external image for {@code platform}, from the store or pulled through the registry client. */
  private StageState image(Reference ref, Platform p) throws IOException {
    String name = ref.toString();
    // one resolution (and pull) per image and platform, however many stages ask at once
    synchronized (imageLocks.computeIfAbsent(name + "@" + p, k -> new Object())) {
      StageState known = images.get(name + "@" + p);
      if (known != null) {
        return known;
      }
      return resolveImage(ref, name, p);
    }
  }

  private StageState resolveImage(Reference ref, String name, Platform p) throws IOException {
    Optional<Descriptor> top = Images.find(store, name);
    if (top.isEmpty()) {
      if (registry.isEmpty()) {
        throw new BuildException("image " + name + " (" + p + ") is not in the store at " + store.root()
            + " and no registry may be asked; pull or import it first");
      }
      progress.line("#0 pulling " + name + " for " + p);
      try {
        registry.get().pull(store, ref, PlatformSelection.of(p), ProgressListener.NONE);
      } catch (IOException e) {
        throw new BuildException("image " + name + " (" + p + ") is not in the store at " + store.root()
            + " and pulling it failed: " + e.getMessage(), e);
      }
      top = Images.find(store, name);
      if (top.isEmpty()) {
        throw new BuildException("image " + name + " was pulled but is not in the store at " + store.root());
      }
    }
    Images.Image image = Images.resolve(store, top.get(), Optional.of(p));
    List<Descriptor> layers = new ArrayList<>();
    for (Descriptor l : image.manifest().layers()) {
      // Docker layer types become their OCI twins (same bytes) so that the manifest holds OCI types only.
      String t = MediaType.find(l.mediaType()).filter(MediaType::isLayer)
          .map(mt -> MediaType.ociLayer(mt.compression()).value()).orElse(l.mediaType());
      layers.add(Descriptor.of(t, l.digest(), l.size()));
    }
    StageState st = new StageState(name, image.config(), layers,
        chain(null, "image", image.manifestDescriptor().digest().toString(), p.toString()));
    st.image = true;
    images.put(name + "@" + p, st);
    return st;
  }

  // ------------------------------------------------------------------ stages and steps

  private StageState runStage(ResolvedStage s) throws IOException, DockerfileException {
    StageState st = base(s);
    // The base's ONBUILD triggers run first, as if written after FROM: a base image's, or the ONBUILD instructions of
    // the earlier stage this one is built FROM (as BuildKit does; that stage ran its own base's triggers already).
    List<Instruction> triggers = triggers(s, st.onBuild);
    st.onBuild = new ArrayList<>(); // triggers are not inherited by the child image, as in Docker
    st.cfg.onBuild(List.of());
    Map<String, String> baseEnv = new LinkedHashMap<>(st.env);
    List<Step> steps = s.steps(baseEnv, triggers);
    boolean needsRun = steps.stream().anyMatch(x -> x.instruction() instanceof Instruction.Run);
    if (needsRun) {
      checkEmulation(s.platform());
    }
    for (int i = 0; i < steps.size(); i++) {
      if (failure.get() != null) {
        throw new BuildException("stage " + s.stage().displayName() + " stopped: another stage failed");
      }
      Step step = steps.get(i);
      int n = stepCounter.incrementAndGet();
      String where = (request.platforms().size() > 1 || !Platform.host().matches(platform) ? platform + " " : "")
          + "stage " + s.stage().displayName() + " " + (i + 1) + "/" + steps.size() + (i < triggers.size()
              ? " ONBUILD" : "");
      progress.line("#" + n + " [" + where + "] " + firstLine(step.instruction().text()));
      try {
        apply(st, step, n, s);
      } catch (ContextSourceException e) {
        throw new BuildException(step.instruction().location() + ": " + e.getMessage() + "\n    "
            + firstLine(step.instruction().text()), e);
      } catch (BuildException e) {
        if (e.getMessage().startsWith(step.instruction().location().toString())) {
          throw e;
        }
        throw new BuildException(step.instruction().location() + ": " + e.getMessage() + "\n    "
            + firstLine(step.instruction().text()), e);
      }
    }
    return st;
  }

  private void checkEmulation(Platform p) throws BuildException {
    Emulation.check(p, Platform.host(), "building " + p + " RUN steps", Emulation.BINFMT_MISC);
  }

  private static String firstLine(String text) {
    String t = text.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl) + " ...";
  }

  private void history(StageState st, String createdBy) {
    st.cfg.addHistory(ImageConfig.History.of(created, createdBy, true));
  }

  private void apply(StageState st, Step step, int n, ResolvedStage s) throws IOException, DockerfileException {
    Instruction in = step.expanded();
    Map<String, String> scope = new TreeMap<>(step.environment().runEnvironment());
    Digest stepKey = chain(st.key, in.keyword(), in.text(), scope.toString());
    Digest next = stepKey;
    switch (in) {
      case Instruction.Env e -> {
        StringBuilder sb = new StringBuilder("ENV");
        for (KeyValue kv : e.pairs()) {
          st.env.put(kv.key(), kv.value());
          sb.append(' ').append(kv.key()).append('=').append(kv.value());
        }
        st.cfg.env(st.envList());
        history(st, sb.toString());
      }
      case Instruction.ArgInstruction a -> {
        // ARG changes no config; BuildKit writes no history entry for it
      }
      case Instruction.Label l -> {
        StringBuilder sb = new StringBuilder("LABEL");
        for (KeyValue kv : l.pairs()) {
          st.cfg.label(kv.key(), kv.value());
          sb.append(' ').append(kv.key()).append('=').append(kv.value());
        }
        history(st, sb.toString());
      }
      case Instruction.Expose x -> {
        List<String> ports = new ArrayList<>();
        for (String p : x.ports()) {
          String port = p.contains("/") ? p.toLowerCase(java.util.Locale.ROOT) : p + "/tcp";
          st.cfg.exposedPort(port);
          ports.add(port);
        }
        history(st, "EXPOSE " + String.join(" ", ports));
      }
      case Instruction.User u -> {
        st.user = u.user();
        st.cfg.user(u.user());
        history(st, "USER " + u.user());
      }
      case Instruction.Volume v -> {
        v.paths().forEach(st.cfg::volume);
        history(st, "VOLUME " + v.paths());
      }
      case Instruction.StopSignal sig -> {
        st.cfg.stopSignal(sig.signal());
        history(st, "STOPSIGNAL " + sig.signal());
      }
      case Instruction.Healthcheck h -> {
        List<String> test = new ArrayList<>();
        if (h.none()) {
          test.add("NONE");
        } else if (h.command().get().execForm()) {
          test.add("CMD");
          test.addAll(h.command().get().args());
        } else {
          test.add("CMD-SHELL");
          test.add(h.command().get().commandLine());
        }
        st.cfg.healthcheck(test, nanos(h.interval()), nanos(h.timeout()), nanos(h.startPeriod()),
            nanos(h.startInterval()), h.retries().orElse(0));
        history(st, "HEALTHCHECK " + test);
      }
      case Instruction.Shell sh -> {
        st.shell = sh.shell();
        st.cfg.shell(sh.shell());
        history(st, "SHELL " + sh.shell());
      }
      case Instruction.Entrypoint ep -> {
        List<String> argv = ep.command().argv(st.shell);
        st.cfg.entrypoint(argv);
        if (!st.cmdSet) {
          st.cfg.cmd(List.of()); // an inherited CMD does not survive a new ENTRYPOINT, as in Docker
        }
        history(st, "ENTRYPOINT " + argv);
      }
      case Instruction.Cmd c -> {
        List<String> argv = c.command().argv(st.shell);
        st.cfg.cmd(argv);
        st.cmdSet = true;
        history(st, "CMD " + argv);
      }
      case Instruction.OnBuild ob -> {
        st.onBuild.add(ob.triggerText());
        st.cfg.onBuild(st.onBuild);
        history(st, "ONBUILD " + ob.triggerText());
      }
      case Instruction.Maintainer m -> {
        st.cfg.author(m.author());
        history(st, "MAINTAINER " + m.author());
      }
      case Instruction.Workdir w -> {
        String dir = RootPaths.absolute(st.workdir, w.path());
        Digest key = chain(stepKey, st.user);
        next = key;
        st.workdir = dir;
        st.cfg.workingDir(dir);
        cachedStep(st, key, n, "WORKDIR " + dir, () -> workdir(st, dir));
      }
      case Instruction.Copy c -> {
        Source src = source(c.from(), s);
        String dest = RootPaths.absolute(st.workdir, c.destination()) + (c.destination().endsWith("/") ? "/" : "");
        String createdBy = "COPY " + (c.from().map(f -> "--from=" + f + " ").orElse("")) + String.join(" ", c.sources())
            + (c.heredocs().isEmpty() ? "" : " <<" + c.heredocs().size() + " heredocs") + " in " + dest;
        Digest key = copyKey(st, stepKey, c.link(), c.chown(), in.keyword(), in.text(), scope.toString(),
            src.hash(c.sources()), heredocHash(c.heredocs()));
        next = c.link() ? chain(stepKey, key.toString()) : key;
        CopyFlags flags = new CopyFlags(c.chown(), c.chmod(), c.link(), c.parents(), excludes(c.excludes()), false);
        cachedStep(st, key, n, createdBy, () -> copy(st, src, c.sources(), c.heredocs(), dest, flags));
      }
      case Instruction.Add a -> {
        for (String source : a.sources()) {
          if (Instruction.Add.isRemote(source)) {
            throw new BuildException("ADD of a URL is not supported offline; download it into the context and COPY "
                + "it: " + source);
          }
        }
        if (a.checksum().isPresent()) {
          throw new BuildException("ADD --checksum verifies a downloaded URL, and Ferry does not download (offline);"
              + " drop --checksum for local sources");
        }
        Source src = source(Optional.empty(), s);
        String dest = RootPaths.absolute(st.workdir, a.destination()) + (a.destination().endsWith("/") ? "/" : "");
        String createdBy = "ADD " + String.join(" ", a.sources()) + " in " + dest;
        Digest key = copyKey(st, stepKey, a.link(), a.chown(), in.keyword(), in.text(), scope.toString(),
            src.hash(a.sources()), heredocHash(a.heredocs()));
        next = a.link() ? chain(stepKey, key.toString()) : key;
        CopyFlags flags = new CopyFlags(a.chown(), a.chmod(), a.link(), false, excludes(a.excludes()), true);
        cachedStep(st, key, n, createdBy, () -> copy(st, src, a.sources(), a.heredocs(), dest, flags));
      }
      case Instruction.Run r -> {
        Command cmd = r.effectiveCommand();
        List<String> argv = cmd.argv(st.shell);
        String createdBy = "RUN " + String.join(" ", argv);
        List<String> mountKeys = new ArrayList<>();
        for (Mount m : r.mounts()) {
          if (m.from().isPresent()) {
            mountKeys.add(source(m.from(), s).identity());
          }
        }
        Digest key = chain(stepKey, st.shell.toString(), st.user, st.workdir, String.valueOf(request.hostNetwork()),
            mountKeys.toString());
        next = key;
        cachedStep(st, key, n, createdBy, () -> run(st, r, argv, step, n, s));
      }
      case Instruction.From f -> throw new AssertionError("FROM inside a stage: " + f);
    }
    st.key = next;
  }

  private static long nanos(Optional<java.time.Duration> d) {
    return d.map(java.time.Duration::toNanos).orElse(0L);
  }

  // ------------------------------------------------------------------ cache

  /** Work that makes a step's record on a cache miss, leaving the stage's root filesystem up to date. */
  @FunctionalInterface
  private interface StepWork {
    StepCache.Record run() throws IOException, DockerfileException;
  }

  private void cachedStep(StageState st, Digest key, int n, String createdBy, StepWork work)
      throws IOException, DockerfileException {
    cacheable.incrementAndGet();
    long t0 = System.nanoTime();
    if (!request.noCache()) {
      Optional<StepCache.Record> hit = cache.lookup(key);
      if (hit.isPresent()) {
        cached.incrementAndGet();
        progress.line("#" + n + " CACHED");
        record(st, hit.get(), false);
        return;
      }
    }
    progress.line("#" + n + " running: " + (request.noCache() ? "--no-cache" : "no cache entry for this step"));
    StepCache.Record r = work.run();
    r = new StepCache.Record(r.layer(), r.diffId(), createdBy);
    cache.store(key, r);
    record(st, r, true);
    progress.line("#" + n + " DONE " + String.format(java.util.Locale.ROOT, "%.1fs", (System.nanoTime() - t0) / 1e9));
  }

  /** Adds a step's layer (or empty history entry) to the stage; {@code applied}: the root fs already has it. */
  private void record(StageState st, StepCache.Record r, boolean applied) {
    if (r.layer().isEmpty()) {
      st.cfg.addHistory(ImageConfig.History.of(created, r.createdBy(), true));
      return;
    }
    st.layers.add(r.layer().get());
    st.cfg.addLayer(r.diffId().get(), ImageConfig.History.of(created, r.createdBy(), false));
    if (applied && st.rootfs != null && st.applied == st.layers.size() - 1) {
      st.applied = st.layers.size();
    }
  }

  static Digest chain(Digest parent, String... parts) {
    MessageDigest md = CopyStep.sha256();
    md.update(("ferry-build-step-v1\n" + (parent == null ? "" : parent.toString()) + "\n")
        .getBytes(StandardCharsets.UTF_8));
    for (String p : parts) {
      byte[] b = p.getBytes(StandardCharsets.UTF_8);
      md.update((b.length + ":").getBytes(StandardCharsets.UTF_8));
      md.update(b);
    }
    return Digest.parse("sha256:" + java.util.HexFormat.of().formatHex(md.digest()));
  }

  private static String heredocHash(List<dev.ferry.build.dockerfile.Heredoc> docs) {
    StringBuilder sb = new StringBuilder();
    for (var h : docs) {
      sb.append(h.name()).append('\0').append(h.content()).append('\0');
    }
    return sb.toString();
  }

  /** Writes {@code dir}'s tree as a layer blob; empty when the tree is empty. */
  private StepCache.Record layerOf(Path dir) throws IOException {
    if (Trees.isEmptyDir(dir)) {
      return new StepCache.Record(Optional.empty(), Optional.empty(), "");
    }
    WrittenLayer l;
    try (OciStore.BlobWriter w = store.newBlob()) {
      l = writer.write(dir, w);
      w.commit(l.digest(), l.size());
    }
    return new StepCache.Record(Optional.of(Descriptor.of(l.mediaType(), l.digest(), l.size())),
        Optional.of(l.diffId()), "");
  }

  /**
   * Writes the layer of {@code dir} and applies it to the stage's (materialised) root filesystem: by moving
   * {@code dir}'s entries into it (same file system, no bytes copied) when it has no whiteouts, else by extracting
   * the layer just written.
   */
  private StepCache.Record commit(StageState st, Path dir) throws IOException {
    StepCache.Record r = layerOf(dir);
    if (r.layer().isPresent()) {
      if (Trees.hasWhiteouts(dir)) {
        extract(r.layer().get(), st.rootfs);
      } else {
        Trees.mergeInto(dir, st.rootfs);
      }
    }
    dev.ferry.oci.io.Trees.delete(dir);
    return r;
  }

  // ------------------------------------------------------------------ WORKDIR, COPY, ADD

  private StepCache.Record workdir(StageState st, String dir) throws IOException {
    Path root = st.materialise();
    String resolved = RootPaths.resolve(root, dir, true);
    if (Files.isDirectory(RootPaths.host(root, resolved), LinkOption.NOFOLLOW_LINKS)) {
      return new StepCache.Record(Optional.empty(), Optional.empty(), "");
    }
    Path staging = newDir("workdir");
    CopyStep cs = new CopyStep(root, staging, Optional.empty(), OptionalInt.empty(), true);
    cs.mkdirs(resolved, st.user.isEmpty() ? new Users.Ids(0, 0) : Users.user(root, st.user));
    return commit(st, staging);
  }

  /**
   * Where COPY/ADD sources or a bind mount come from: the context, a stage or an image. A stage's or an image's root
   * filesystem is materialised only when its files are needed (a cache miss), not for the cache key, which is the
   * stage's chain key.
   */
  private final class Source {
    private ContextFiles files;
    private Path root;
    private final StageState stage;
    final boolean context;
    final String identity;

    Source(ContextFiles files, Path root) {
      this.files = files;
      this.root = root;
      this.stage = null;
      this.context = true;
      this.identity = "context";
    }

    Source(StageState stage) {
      this.stage = stage;
      this.context = false;
      this.identity = "stage " + stage.key;
    }

    String identity() {
      return identity;
    }

    Path root() throws IOException {
      if (root == null) {
        root = stage.materialise();
      }
      return root;
    }

    ContextFiles files() throws IOException {
      if (files == null) {
        files = ContextFiles.of(root(), DockerIgnore.empty());
      }
      return files;
    }

    String hash(List<String> sources) throws IOException {
      return context ? CopyStep.contentHash(files, root, sources) : identity;
    }
  }

  private Source source(Optional<String> from, ResolvedStage s) throws IOException {
    if (from.isEmpty()) {
      return new Source(context, request.context());
    }
    String f = from.get();
    StageState other = null;
    for (ResolvedStage r : plan.stages()) {
      if (r.index() < s.index() && (r.name().filter(f.toLowerCase(java.util.Locale.ROOT)::equals).isPresent()
          || Integer.toString(r.index()).equals(f))) {
        other = stages.get(r.index());
      }
    }
    if (other == null) {
      other = image(Reference.parse(f), platform);
    }
    return new Source(other);
  }

  /** The flags of one COPY or ADD. */
  private record CopyFlags(Optional<String> chown, Optional<String> chmod, boolean link, boolean parents,
      DockerIgnore excludes, boolean add) {}

  private static DockerIgnore excludes(List<String> patterns) throws BuildException {
    if (patterns.isEmpty()) {
      return DockerIgnore.empty();
    }
    try {
      return DockerIgnore.parse(String.join("\n", patterns));
    } catch (DockerfileException e) {
      throw new BuildException("--exclude: " + e.getMessage().replaceFirst("^\\.dockerignore:\\d+:\\d+: ", ""), e);
    }
  }

  /**
   * The cache key of a COPY or ADD. With {@code --link} it does not depend on the stage's earlier steps (the layer
   * is made on an empty tree, so it is the same whatever it lands on: BuildKit's point of {@code --link}), except
   * that a {@code --chown} by name reads the stage's {@code /etc/passwd}.
   */
  private static Digest copyKey(StageState st, Digest stepKey, boolean link, Optional<String> chown,
      String... parts) {
    if (!link) {
      return chain(stepKey, parts);
    }
    boolean byName = chown.isPresent() && !chown.get().matches("[0-9]+(:[0-9]+)?");
    String[] all = java.util.Arrays.copyOf(parts, parts.length + 1);
    all[parts.length] = byName ? st.key.toString() : "";
    return chain(null, all);
  }

  private StepCache.Record copy(StageState st, Source src, List<String> sources,
      List<dev.ferry.build.dockerfile.Heredoc> heredocs, String dest, CopyFlags f) throws IOException {
    Path root = st.materialise();
    Optional<Users.Ids> owner = f.chown().isPresent() ? Optional.of(Users.chown(root, f.chown().get()))
        : Optional.empty();
    Path staging = newDir("copy");
    // --link: laid out against an empty tree (no symlinks followed, no existing directory consulted), as BuildKit
    Path against = f.link() ? newDir("link") : root;
    new CopyStep(against, staging, owner, CopyStep.parseChmod(f.chmod()), src.context)
        .excluding(f.excludes())
        .keepingParents(f.parents())
        .copy(src.files(), src.root(), sources, heredocs, dest, f.add());
    return commit(st, staging);
  }

  // ------------------------------------------------------------------ RUN

  private StepCache.Record run(StageState st, Instruction.Run r, List<String> argv, Step step, int n,
      ResolvedStage s) throws IOException {
    Path root = st.materialise();
    if (r.network().filter(x -> !x.equals("default") && !x.equals("none") && !x.equals("host")).isPresent()) {
      throw new BuildException("RUN --network must be default, none or host, got " + r.network().get());
    }
    boolean hostNet = r.network().map("host"::equals).orElse(request.hostNetwork());
    if (r.network().map("none"::equals).orElse(false)) {
      hostNet = false;
    }
    Map<String, String> env = new LinkedHashMap<>(step.environment().runEnvironment());
    env.putIfAbsent("PATH", DEFAULT_PATH);
    List<RuncStep.MountSpec> mounts = new ArrayList<>();
    for (Mount m : r.mounts()) {
      switch (m.type()) {
        case CACHE -> {
          Path dir = store.privateDirectory("build-cache-mounts")
              .resolve(chain(null, m.id().orElse(m.target())).hex().substring(0, 32));
          if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setAttribute(dir, "unix:uid", m.uid().orElse(0));
            Files.setAttribute(dir, "unix:gid", m.gid().orElse(0));
            Files.setAttribute(dir, "unix:mode", m.mode().orElse(0755));
          }
          mounts.add(new RuncStep.MountSpec(RootPaths.absolute(st.workdir, m.target()), "bind", dir, m.readOnly()));
        }
        case SECRET -> {
          String id = m.id().orElseThrow();
          Path file = request.secrets().get(id);
          if (file == null) {
            if (m.required()) {
              throw new BuildException("secret " + id + " is required but was not given; pass --secret id=" + id
                  + ",src=FILE");
            }
            continue;
          }
          if (m.env().isPresent()) {
            env.put(m.env().get(), Files.readString(file, StandardCharsets.UTF_8));
          }
          if (!m.target().isEmpty()) {
            mounts.add(new RuncStep.MountSpec(RootPaths.absolute(st.workdir, m.target()), "bind", file, true));
          }
        }
        case BIND -> {
          Source src = source(m.from(), s);
          Path path = src.root().resolve(relative(m.source().orElse("/")));
          if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new BuildException("RUN --mount=" + m.spec() + ": source " + m.source().orElse("/")
                + " does not exist in " + (src.context ? "the build context" : m.from().get()));
          }
          if (!m.readOnly()) {
            // writes to a bind mount are thrown away, as in BuildKit: give the step its own copy
            Path copy = newDir("bind");
            Exec.run(List.of("cp", "-a", path.toString() + (Files.isDirectory(path) ? "/." : ""),
                Files.isDirectory(path) ? copy.toString() : copy.resolve("file").toString()));
            path = Files.isDirectory(path) ? copy : copy.resolve("file");
          }
          mounts.add(new RuncStep.MountSpec(RootPaths.absolute(st.workdir, m.target()), "bind", path, true));
        }
        case TMPFS -> mounts.add(new RuncStep.MountSpec(RootPaths.absolute(st.workdir, m.target()), "tmpfs",
            Path.of("tmpfs"), false));
        case SSH -> throw new BuildException("RUN --mount=type=ssh is not supported by Ferry yet");
      }
    }
    Users.Ids ids = Users.user(root, st.user);
    List<String> envList = new ArrayList<>();
    env.forEach((k, v) -> envList.add(k + "=" + v));
    Path dir = newDir("run");
    RuncStep step2 = new RuncStep(root, dir, runc);
    RuncStep.Outcome o = step2.run(argv, envList, ids.uid(), ids.gid(), st.workdir, hostNet, mounts,
        line -> progress.line("#" + n + " " + line));
    if (o.exitCode() != 0) {
      dev.ferry.oci.io.Trees.deleteQuietly(dir); // what fails is left to the next build's sweep
      throw new BuildException(r.location() + ": RUN failed with exit code " + o.exitCode() + ": "
          + firstLine(r.text()) + "\n" + (o.tail().isEmpty() ? "    (no output)"
              : "last lines of output:\n    " + String.join("\n    ", o.tail())));
    }
    StepCache.Record rec = commit(st, step2.upper());
    dev.ferry.oci.io.Trees.deleteQuietly(dir); // what fails is left to the next build's sweep
    return rec;
  }

  private static String relative(String source) {
    String clean = RootPaths.absolute("/", source);
    return clean.equals("/") ? "." : clean.substring(1);
  }
}
