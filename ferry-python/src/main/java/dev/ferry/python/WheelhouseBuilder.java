package dev.ferry.python;

import dev.ferry.oci.io.Trees;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Index;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Turns a {@link Lock} into one wheelhouse directory per {@link PythonTarget}: for each locked package and target it
 * finds the files of the pinned version in the sources ({@link SimpleIndexClient}), picks the best compatible wheel,
 * downloads it into the store with its SHA-256 checked against the lock (the store's digest <em>is</em> the lock's
 * hash, so a wheel shared by several targets is fetched and kept once), verifies it as a wheel, and writes
 * {@code OUT/TARGET/*.whl} plus {@code wheelhouse.json}. With a tag, the wheelhouses are also named in the store as
 * an index of OCI artifacts (one per target), so they travel with images. One build at a time per instance.
 */
public final class WheelhouseBuilder {
  /** Artifact type of a wheelhouse manifest; its layers are wheels. */
  public static final String ARTIFACT_TYPE = "application/vnd.dev.ferry.python.wheelhouse.v1";

  public static final String WHEEL_MEDIA_TYPE = "application/vnd.dev.ferry.python.wheel";
  static final String TITLE = "org.opencontainers.image.title";
  /**
   * Requests in flight. 4, not more: Python's {@code http.server} (and anything else on {@code socketserver}) listens
   * with a backlog of 5 and drops further connections, which then wait ~1 s for a SYN retransmit; measured against it
   * (200 pages + 200 files), 4 took 1.9-3.0 s where 8 took 3.6-4.7 s.
   */
  private static final int PARALLEL = 4;

  private static final ObjectMapper JSON = new ObjectMapper();
  /** File (in the store's private python directory) of the files found per locked package. */
  private static final String FOUND = "found-files.json";
  private final OciStore store;
  private final Map<String, ArrayNode> learned = new ConcurrentHashMap<>();
  private com.fasterxml.jackson.databind.node.ObjectNode found;
  private final Consumer<String> log;

  /** What to build. */
  public record Request(Lock lock, List<PythonTarget> targets, SimpleIndexClient sources, Path output,
      Optional<String> tag) {
    public Request {
      targets = List.copyOf(targets);
      if (targets.isEmpty()) {
        throw new IllegalArgumentException("at least one target is needed");
      }
    }
  }

  /** One chosen wheel of one target. */
  public record Chosen(String project, String version, String filename, String sha256, String url) {}

  /** Per target name, its directory and wheels; the stored index when tagged. */
  public record Result(Map<String, Path> directories, Map<String, List<Chosen>> wheels, Optional<Descriptor> stored) {}

  public WheelhouseBuilder(OciStore store, Consumer<String> log) {
    this.store = store;
    this.log = log;
  }

  public Result build(Request r) throws IOException, InterruptedException {
    // 1. resolve: the candidate files of every package, in parallel (one simple-index request per package)
    ExecutorService pool = Executors.newFixedThreadPool(PARALLEL, t -> {
      Thread th = new Thread(t, "ferry-wheelhouse");
      th.setDaemon(true);
      return th;
    });
    Map<String, List<SimpleIndexClient.IndexFile>> candidates = new ConcurrentHashMap<>();
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (Lock.Package p : r.lock().packages()) {
        boolean anyTarget = false;
        for (PythonTarget t : r.targets()) {
          anyTarget |= applies(p, t);
        }
        if (!anyTarget) {
          candidates.put(p.project(), List.of());
          continue;
        }
        fs.add(pool.submit(() -> {
          candidates.put(p.project(), candidates(r, p));
          return null;
        }));
      }
      wait(fs);
      // 2. choose per target; every failure is collected so one run reports them all
      Map<String, List<SimpleIndexClient.IndexFile>> perTarget = new LinkedHashMap<>();
      Map<String, SimpleIndexClient.IndexFile> toFetch = new LinkedHashMap<>();
      List<String> problems = new ArrayList<>();
      for (PythonTarget t : r.targets()) {
        PythonTarget.Ranking ranking = t.ranking();
        List<SimpleIndexClient.IndexFile> chosen = new ArrayList<>();
        for (Lock.Package p : r.lock().packages()) {
          if (!applies(p, t)) {
            continue; // its environment marker excludes this target
          }
          List<SimpleIndexClient.IndexFile> files = candidates.get(p.project());
          List<SimpleIndexClient.IndexFile> wheels = new ArrayList<>();
          boolean sdist = false;
          for (SimpleIndexClient.IndexFile f : files) {
            if (!WheelFilename.isWheel(f.filename())) {
              sdist = true;
              continue;
            }
            wheels.add(f);
          }
          Optional<SimpleIndexClient.IndexFile> best =
              Wheelhouse.best(wheels, f -> WheelFilename.parse(f.filename()), ranking);
          if (best.isEmpty()) {
            List<Tag> tags = new ArrayList<>();
            wheels.forEach(w -> tags.addAll(WheelFilename.parse(w.filename()).tags()));
            problems.add(Wheelhouse.noCompatible(p.project(), p.version(), t, tags, sdist));
            continue;
          }
          chosen.add(best.get());
          toFetch.putIfAbsent(best.get().filename(), best.get());
        }
        perTarget.put(t.name(), chosen);
      }
      if (!problems.isEmpty()) {
        throw new WheelException(problems.get(0)
            + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more such problems)" : ""));
      }
      // 3. fetch each distinct file once, into the store, checked against the lock's hashes
      Map<String, Lock.Package> byProject = new HashMap<>();
      r.lock().packages().forEach(p -> byProject.put(p.project(), p));
      Map<String, String> shaOf = new ConcurrentHashMap<>();
      List<Future<?>> fetches = new ArrayList<>();
      try (OciStore.Session session = store.session()) {
        for (SimpleIndexClient.IndexFile f : toFetch.values()) {
          Lock.Package p = byProject.get(WheelFilename.parse(f.filename()).project());
          fetches.add(pool.submit(() -> {
            shaOf.put(f.filename(), fetch(r.sources(), p, f));
            return null;
          }));
        }
        wait(fetches);
        // 4. one directory per target, and the stored artifacts
        Map<String, Path> dirs = new LinkedHashMap<>();
        Map<String, List<Chosen>> result = new LinkedHashMap<>();
        List<Descriptor> manifests = new ArrayList<>();
        for (PythonTarget t : r.targets()) {
          Path dir = r.output().resolve(t.name());
          List<Chosen> chosen = new ArrayList<>();
          List<Descriptor> layers = new ArrayList<>();
          Path tmp = Files.createDirectories(r.output()).resolve("." + t.name() + ".tmp");
          Trees.delete(tmp);
          Files.createDirectories(tmp);
          // copy out of the store (verified while read) and check each wheel, in parallel
          List<Future<Chosen>> copies = new ArrayList<>();
          for (SimpleIndexClient.IndexFile f : perTarget.get(t.name())) {
            String sha = shaOf.get(f.filename());
            Digest d = Digest.parse("sha256:" + sha);
            Path out = tmp.resolve(f.filename());
            copies.add(pool.submit(() -> {
              try (InputStream in = store.open(d)) {
                Files.copy(in, out);
              }
              try (Wheel w = Wheel.open(out)) {
                return new Chosen(w.filename().project(), w.metadata().version(), f.filename(), sha, f.displayUrl());
              }
            }));
            layers.add(Descriptor.of(WHEEL_MEDIA_TYPE, d, store.size(d)).withAnnotation(TITLE, f.filename()));
          }
          for (Future<Chosen> c : copies) {
            chosen.add(get(c));
          }
          writeManifest(tmp.resolve(Wheelhouse.MANIFEST), t, r.lock(), chosen);
          Trees.delete(dir);
          Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
          dirs.put(t.name(), dir);
          result.put(t.name(), chosen);
          log.accept("wheelhouse " + t.name() + ": " + chosen.size() + " wheels in " + dir);
          if (r.tag().isPresent()) {
            Descriptor empty = store.put(MediaType.OCI_EMPTY.value(), "{}".getBytes(StandardCharsets.UTF_8));
            Manifest m = Manifest.of(MediaType.OCI_MANIFEST, empty, layers,
                Map.of("dev.ferry.python.target", t.name()), Optional.empty(), Optional.of(ARTIFACT_TYPE));
            manifests.add(store.put(m).withPlatform(t.platform()).withAnnotation("dev.ferry.python.target", t.name()));
          }
        }
        Optional<Descriptor> stored = Optional.empty();
        if (r.tag().isPresent()) {
          Descriptor top = store.put(Index.of(manifests));
          store.tag(Images.storeName(r.tag().get()), top);
          stored = Optional.of(top);
        }
        saveFound();
        return new Result(dirs, result, stored);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static boolean applies(Lock.Package p, PythonTarget t) throws WheelException {
    if (p.marker().isEmpty()) {
      return true;
    }
    try {
      return Markers.evaluate(p.marker().get(), t);
    } catch (IllegalArgumentException e) {
      throw new WheelException(p.project() + " " + p.version() + ": " + e.getMessage());
    }
  }

  private static void wait(List<Future<?>> fs) throws IOException, InterruptedException {
    for (Future<?> f : fs) {
      get(f);
    }
  }

  private static <T> T get(Future<T> f) throws IOException, InterruptedException {
    try {
      return f.get();
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException(c);
    }
  }

  /**
   * Files of the pinned version: the lock's own named files when a pylock names them, else all the sources offer.
   * No source is asked when the answer is already known: a pylock that gives every file's URL names the files
   * itself, and a package whose lock hashes all belong to files seen before ({@link #remembered}) whose wheels are
   * all blobs in the store (content addressed: the lock's hash <em>is</em> the file) needs no index page and no
   * download.
   */
  private List<SimpleIndexClient.IndexFile> candidates(Request r, Lock.Package p)
      throws IOException, InterruptedException {
    boolean lockNamesAll = !p.files().isEmpty() && p.files().stream().allMatch(lf -> lf.url().isPresent());
    Optional<List<SimpleIndexClient.IndexFile>> known = lockNamesAll ? Optional.empty() : remembered(p);
    if (known.isPresent()) {
      return known.get();
    }
    List<SimpleIndexClient.IndexFile> found = lockNamesAll ? List.of() : r.sources().files(p.project());
    List<SimpleIndexClient.IndexFile> out = new ArrayList<>();
    for (SimpleIndexClient.IndexFile f : found) {
      if (f.yanked() || !versionOf(f.filename()).map(v -> Names.sameVersion(v, p.version())).orElse(false)) {
        continue;
      }
      out.add(f);
    }
    for (Lock.LockedFile lf : p.files()) {
      if (lf.url().isPresent() && out.stream().noneMatch(f -> f.filename().equals(lf.filename()))) {
        out.add(new SimpleIndexClient.IndexFile(lf.filename(), java.net.URI.create(lf.url().get()),
            Optional.of(lf.sha256()), false));
      }
    }
    if (!p.files().isEmpty()) {
      out.removeIf(f -> p.files().stream().noneMatch(lf -> lf.filename().equals(f.filename())));
    }
    if (out.isEmpty()) {
      throw new WheelException(p.project() + " " + p.version() + " is not in any source ("
          + (found.isEmpty() ? "no files of " + p.project() + " at all" : found.size() + " files of other versions")
          + "); add the index with --index-url or a directory with --find-links");
    }
    remember(p, out);
    return out;
  }

  /** The key of a locked package in {@link #FOUND}: project, version, the lock's hashes and named files. */
  private static String key(Lock.Package p) {
    StringBuilder key = new StringBuilder(p.project()).append('\n').append(p.version());
    p.sha256().stream().sorted().forEach(h -> key.append('\n').append(h));
    p.files().forEach(f -> key.append('\n').append(f.filename()));
    return java.util.HexFormat.of().formatHex(RecordEntry.sha256().digest(key.toString().getBytes(StandardCharsets.UTF_8)));
  }

  /** What earlier runs found (in the store's private directory; one file, read once per build). */
  private synchronized com.fasterxml.jackson.databind.node.ObjectNode found() throws IOException {
    if (found == null) {
      Path file = store.privateDirectory("python").resolve(FOUND);
      com.fasterxml.jackson.databind.node.ObjectNode n = null;
      if (Files.isRegularFile(file)) {
        try {
          n = JSON.readTree(file.toFile()) instanceof com.fasterxml.jackson.databind.node.ObjectNode o ? o : null;
        } catch (IOException e) {
          n = null; // unreadable: ask the sources, and write it anew
        }
      }
      found = n != null ? n : JSON.createObjectNode();
    }
    return found;
  }

  /**
   * Notes the files found for a package when every one of them carries a sha256 the lock allows: only then does the
   * lock alone decide which bytes each name stands for. Written out by {@link #saveFound} once the build succeeded.
   */
  private void remember(Lock.Package p, List<SimpleIndexClient.IndexFile> files) {
    if (p.sha256().isEmpty() || !files.stream().allMatch(f -> f.sha256().isPresent() && p.sha256().contains(f.sha256().get()))) {
      return;
    }
    ArrayNode a = JSON.createArrayNode();
    for (SimpleIndexClient.IndexFile f : files) {
      a.addObject().put("filename", f.filename()).put("url", f.displayUrl()).put("sha256", f.sha256().get());
    }
    learned.put(key(p), a);
  }

  /** Merges what this build learned into the file (re-read first: another build may have added to it meanwhile). */
  private void saveFound() throws IOException {
    if (learned.isEmpty()) {
      return;
    }
    Path file = store.privateDirectory("python").resolve(FOUND);
    synchronized (this) {
      found = null;
      com.fasterxml.jackson.databind.node.ObjectNode all = found();
      learned.forEach(all::set);
      Path tmp = Files.createTempFile(file.getParent(), "found-", ".tmp");
      try {
        Files.write(tmp, JSON.writeValueAsBytes(all));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
      learned.clear();
    }
  }

  /**
   * The files remembered for a package, when every one is allowed by the lock and every wheel among them is a blob
   * in the store (so whatever is chosen needs no download); empty otherwise (the sources are asked).
   */
  private Optional<List<SimpleIndexClient.IndexFile>> remembered(Lock.Package p) throws IOException {
    if (p.sha256().isEmpty()) {
      return Optional.empty();
    }
    com.fasterxml.jackson.databind.JsonNode files = found().get(key(p));
    if (files == null || !files.isArray() || files.isEmpty()) {
      return Optional.empty();
    }
    List<SimpleIndexClient.IndexFile> out = new ArrayList<>();
    try {
      for (com.fasterxml.jackson.databind.JsonNode n : files) {
        String fn = n.path("filename").asText("");
        String sha = n.path("sha256").asText("");
        if (fn.isEmpty() || fn.contains("/") || !p.sha256().contains(sha)
            || !versionOf(fn).map(v -> Names.sameVersion(v, p.version())).orElse(false)) {
          return Optional.empty();
        }
        if (WheelFilename.isWheel(fn) && !store.exists(Digest.parse("sha256:" + sha))) {
          return Optional.empty();
        }
        out.add(new SimpleIndexClient.IndexFile(fn, java.net.URI.create(n.path("url").asText("")), Optional.of(sha), false));
      }
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // odd entry: ask the sources
    }
    return Optional.of(out);
  }

  private static Optional<String> versionOf(String filename) {
    if (WheelFilename.isWheel(filename)) {
      try {
        return Optional.of(WheelFilename.parse(filename).version());
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
    String base = filename.replaceAll("(\\.tar\\.gz|\\.zip)$", "");
    int dash = base.lastIndexOf('-');
    return dash < 0 ? Optional.empty() : Optional.of(base.substring(dash + 1));
  }

  /** Downloads into the store; commits only when the bytes hash to one of the lock's hashes for the package. */
  private String fetch(SimpleIndexClient sources, Lock.Package p, SimpleIndexClient.IndexFile f)
      throws IOException, InterruptedException {
    if (f.sha256().isPresent() && p.sha256().contains(f.sha256().get())
        && store.exists(Digest.parse("sha256:" + f.sha256().get()))) {
      return f.sha256().get();
    }
    try (OciStore.BlobWriter w = store.newBlob();
        InputStream in = sources.open(f)) {
      in.transferTo(w);
      String actual = w.digestSoFar().hex();
      if (!p.sha256().contains(actual)) {
        throw new WheelException("hash mismatch for " + p.project() + " " + p.version() + " (" + f.filename()
            + " from " + f.displayUrl() + "): the lock allows sha256:" + String.join(", sha256:", p.sha256())
            + " but the file is sha256:" + actual + "; refusing it");
      }
      w.commit(Digest.parse("sha256:" + actual), w.count());
      log.accept("fetched " + f.filename() + " (" + w.count() + " bytes)");
      return actual;
    }
  }

  private static void writeManifest(Path file, PythonTarget t, Lock lock, List<Chosen> chosen) throws IOException {
    ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = m.createObjectNode();
    root.put("target", t.name());
    root.put("python", t.pythonVersion());
    root.put("platform", t.platform().toString());
    root.put("lock", lock.source().getFileName().toString());
    ArrayNode ws = root.putArray("wheels");
    for (Chosen c : chosen) {
      ObjectNode o = ws.addObject();
      o.put("project", c.project());
      o.put("version", c.version());
      o.put("file", c.filename());
      o.put("sha256", c.sha256());
      o.put("url", c.url());
    }
    try (OutputStream o = Files.newOutputStream(file)) {
      m.writeValue(o, root);
    }
  }
}
