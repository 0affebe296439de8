package dev.ferry.python;

import dev.ferry.oci.io.Trees;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.ImageConfig;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import dev.ferry.oci.layer.LayerWriter;
import dev.ferry.oci.layer.WrittenLayer;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Installs a wheelhouse into an image without pip: detects the image's Python ({@link ImagePython}), picks the best
 * wheel of every project for it ({@link Wheelhouse#select}), verifies and spreads them ({@link WheelUnpacker}) into
 * layer entries, optionally byte-compiles them with the image's own interpreter under runc ({@link Bytecode}), and
 * appends the result to the image as one reproducible layer. The new image is named only after every blob is
 * stored; a refused wheel leaves the store's names untouched. Thread-safe (no shared state besides the store).
 *
 * <p>This is the API other modules call (a delivery spec that names a wheelhouse for an image).
 */
public final class WheelInstaller {
  private final OciStore store;
  private final Consumer<String> log;

  /** What to install where. */
  public record Request(
      Descriptor base,
      Optional<Platform> platform,
      Path wheelhouse,
      Optional<String> tag,
      Optional<PythonTarget> target,
      MediaType.Compression compression,
      Instant epoch,
      boolean compile) {
    public Request {
      Objects.requireNonNull(base, "base");
      Objects.requireNonNull(wheelhouse, "wheelhouse");
    }

    /** Defaults: platform of this machine (for an index), target from the image, gzip, SOURCE_DATE_EPOCH, no bytecode. */
    public static Request of(Descriptor base, Path wheelhouse, String tag) {
      return new Request(base, Optional.empty(), wheelhouse, Optional.of(tag), Optional.empty(),
          MediaType.Compression.GZIP, LayerWriter.sourceDateEpoch(), false);
    }
  }

  /** The new image (manifest descriptor, with platform), its added layer, the target and what was installed. */
  public record Result(Descriptor image, Descriptor layer, PythonTarget target, InstallLayout layout,
      List<WheelUnpacker.Installed> installed, boolean compiled) {}

  public WheelInstaller(OciStore store, Consumer<String> log) {
    this.store = store;
    this.log = log;
  }

  public Result install(Request r) throws IOException, InterruptedException {
    Images.Image base = Images.resolve(store, r.base(), r.platform());
    ImagePython py = ImagePython.detect(store, base);
    PythonTarget target = r.target().orElse(py.target());
    log.accept("target " + target.name() + " (" + target + "), interpreter " + py.layout().interpreter()
        + ", site " + py.layout().purelib());
    Wheelhouse house = Wheelhouse.scan(r.wheelhouse());
    List<Wheelhouse.Entry> chosen = house.select(target);
    Path staging = Files.createTempDirectory(store.privateDirectory("python"), "install-");
    try {
      WheelUnpacker unpacker = new WheelUnpacker(py.layout(), staging.resolve("spill"));
      List<WheelUnpacker.Installed> installed = new ArrayList<>();
      // Reading, inflating and verifying the wheels is independent work: done on every core, a few wheels ahead of
      // the (sequential) spreading, which keeps each verified member in memory instead of inflating it again.
      int workers = Math.max(1, Math.min(chosen.size(), Runtime.getRuntime().availableProcessors()));
      ExecutorService pool = Executors.newFixedThreadPool(workers, t -> {
        Thread th = new Thread(t, "ferry-wheel");
        th.setDaemon(true);
        return th;
      });
      Deque<Future<Opened>> ahead = new ArrayDeque<>();
      try {
        int next = 0;
        while (next < chosen.size() || !ahead.isEmpty()) {
          while (next < chosen.size() && ahead.size() < 2 * workers) {
            Wheelhouse.Entry e = chosen.get(next++);
            ahead.add(pool.submit(() -> open(e)));
          }
          try (Opened o = get(ahead.poll())) {
            String url = o.entry().url().orElse(o.entry().file().toAbsolutePath().toUri().toString());
            installed.add(unpacker.install(o.wheel(), url, o.sha256()));
            log.accept("installed " + o.entry().name().filename());
          }
        }
      } finally {
        pool.shutdownNow();
        for (Future<Opened> f : ahead) {
          closeQuietly(f);
        }
      }
      if (r.compile()) {
        new Bytecode(store, log).compile(base, unpacker, py.layout(), Files.createDirectory(staging.resolve("compile")));
      }
      LayerWriter writer = LayerWriter.builder().compression(r.compression()).epoch(r.epoch())
          .gzipWorkers(Math.min(64, Runtime.getRuntime().availableProcessors())).build();
      WrittenLayer layer;
      Descriptor top;
      try (OciStore.Session s = store.session()) {
        try (OciStore.BlobWriter w = store.newBlob()) {
          layer = writer.write(unpacker.entries(), w);
          w.commit(layer.digest(), layer.size());
        }
        Descriptor layerDesc = Descriptor.of(layer.mediaType(), layer.digest(), layer.size());
        String created = r.epoch().toString();
        StringBuilder by = new StringBuilder("ferry python install");
        for (WheelUnpacker.Installed i : installed) {
          by.append(' ').append(i.project()).append("==").append(i.version());
        }
        ImageConfig config = base.config().toBuilder()
            .created(created)
            .addLayer(layer.diffId(), ImageConfig.History.of(created, by.toString(), false))
            .build();
        Descriptor configDesc = store.put(config);
        List<Descriptor> layers = new ArrayList<>(base.manifest().layers());
        layers.add(layerDesc);
        Manifest m = Manifest.of(configDesc, layers);
        top = store.put(m).withPlatform(base.platform());
        if (r.tag().isPresent()) {
          store.tag(Images.storeName(r.tag().get()), top);
        }
        return new Result(top, layerDesc, target, py.layout(), installed, r.compile());
      }
    } finally {
      Trees.delete(staging);
    }
  }

  /** A wheel of the wheelhouse, hashed, opened and verified, its members kept in memory. */
  private record Opened(Wheelhouse.Entry entry, String sha256, Wheel wheel) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      wheel.close();
    }
  }

  private static Opened open(Wheelhouse.Entry e) throws IOException {
    String sha = sha256Hex(e.file());
    if (e.sha256().isPresent() && !e.sha256().get().equals(sha)) {
      throw new WheelException(e.file().getFileName() + ": sha256 is " + sha + " but the wheelhouse recorded "
          + e.sha256().get() + "; rebuild the wheelhouse");
    }
    Wheel w = Wheel.open(e.file(), true);
    try {
      w.unixModes();
      return new Opened(e, sha, w);
    } catch (IOException | RuntimeException ex) {
      w.close();
      throw ex;
    }
  }

  private static Opened get(Future<Opened> f) throws IOException, InterruptedException {
    try {
      return f.get();
    } catch (ExecutionException ex) {
      Throwable c = ex.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof RuntimeException re) {
        throw re;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new IOException(c);
    }
  }

  /** Closes a wheel opened ahead but not installed (the install failed or was interrupted). */
  private static void closeQuietly(Future<Opened> f) {
    f.cancel(true);
    try {
      f.get().close();
    } catch (Exception ignored) {
      // not opened, or failed: nothing to close
    }
  }

  static String sha256Hex(Path file) throws IOException {
    MessageDigest md = RecordEntry.sha256();
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      int k;
      while ((k = in.read(buf)) > 0) {
        md.update(buf, 0, k);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
