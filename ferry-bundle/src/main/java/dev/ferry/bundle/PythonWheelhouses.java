package dev.ferry.bundle;

import dev.ferry.oci.io.Trees;
import dev.ferry.bundle.spec.Target;
import dev.ferry.bundle.spec.WheelhouseSpec;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import dev.ferry.oci.layer.LayerWriter;
import dev.ferry.oci.store.OciStore;
import dev.ferry.python.Lock;
import dev.ferry.python.PythonTarget;
import dev.ferry.python.SimpleIndexClient;
import dev.ferry.python.WheelInstaller;
import dev.ferry.python.WheelhouseBuilder;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The {@code wheelhouses} of a {@code ferry.yaml} through Ferry's Python support: each entry's lock is resolved for
 * every target (Python {@code python}, default 3.11, and glibc {@code glibc}, default 2.36 — Debian bookworm — on the
 * target's architecture) against its {@code index} URLs and {@code find-links} directories, the wheels are kept in the
 * store and named as an artifact index; images naming the wheelhouse get its wheels installed as one layer per
 * platform. The per-target directories live in a work directory of the store until {@link #close()}. Not thread-safe.
 */
public final class PythonWheelhouses implements WheelhouseProvider, AutoCloseable {
  static final String DEFAULT_PYTHON = "3.11";
  static final String DEFAULT_GLIBC = "2.36";

  private final Consumer<String> log;
  private final Map<String, Map<String, Path>> directories = new HashMap<>();
  private final List<Path> work = new ArrayList<>();

  public PythonWheelhouses(Consumer<String> log) {
    this.log = log;
  }

  @Override
  public Descriptor fill(OciStore store, Path specDir, WheelhouseSpec w, List<Target> targets) throws IOException {
    Map<String, Object> s = w.settings();
    Lock lock = Lock.read(specDir.resolve((String) s.get("lock")));
    List<String> indexes = strings(s.get("index"));
    List<Path> findLinks = strings(s.get("find-links")).stream().map(specDir::resolve).toList();
    int[] py = PythonTarget.version("python", (String) s.getOrDefault("python", DEFAULT_PYTHON));
    String glibc = (String) s.getOrDefault("glibc", DEFAULT_GLIBC);
    Map<Target, PythonTarget> forTarget = new LinkedHashMap<>();
    for (Target t : targets) {
      forTarget.put(t, PythonTarget.glibc(py[0], py[1], glibc, PythonTarget.wheelArch(t.platform())));
    }
    Path output = Files.createTempDirectory(store.privateDirectory("bundle"), "wheelhouse-");
    work.add(output);
    log.accept("resolving wheelhouse " + w.name() + ":" + w.tag() + " (" + lock.packages().size() + " packages) for "
        + String.join(", ", forTarget.values().stream().map(PythonTarget::name).distinct().toList()));
    WheelhouseBuilder.Result r;
    try {
      r = new WheelhouseBuilder(store, log).build(new WheelhouseBuilder.Request(lock,
          forTarget.values().stream().distinct().toList(), new SimpleIndexClient(indexes, findLinks), output,
          Optional.of(w.name() + ":" + w.tag())));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while filling wheelhouse " + w.name());
    }
    Map<String, Path> dirs = new HashMap<>();
    forTarget.forEach((t, pt) -> dirs.put(t.name(), r.directories().get(pt.name())));
    directories.put(w.name(), dirs);
    return r.stored().orElseThrow(() -> new IOException("wheelhouse " + w.name() + " was not stored"));
  }

  @Override
  public Descriptor install(OciStore store, String wheelhouse, Target target, Descriptor image, Platform platform)
      throws IOException {
    Path dir = Optional.ofNullable(directories.get(wheelhouse)).map(d -> d.get(target.name())).orElseThrow(() ->
        new IOException("wheelhouse " + wheelhouse + " was not filled for target " + target.name()));
    log.accept("installing wheelhouse " + wheelhouse + " into the " + platform + " image (" + target.name() + ")");
    try {
      return new WheelInstaller(store, log).install(new WheelInstaller.Request(image, Optional.of(platform), dir,
          Optional.empty(), Optional.empty(), MediaType.Compression.GZIP, LayerWriter.sourceDateEpoch(), false)).image();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while installing wheelhouse " + wheelhouse);
    }
  }

  /** Deletes the per-target directories (the wheels stay in the store). */
  @Override
  public void close() throws IOException {
    for (Path p : work) {
      Trees.delete(p);
    }
    work.clear();
  }

  private static List<String> strings(Object o) {
    if (o == null) {
      return List.of();
    }
    if (o instanceof List<?> l) {
      return l.stream().map(String::valueOf).toList();
    }
    return List.of(String.valueOf(o));
  }
}
