package dev.ferry.python;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.layer.LayerExtractor;
import dev.ferry.oci.layer.LayerSource;
import dev.ferry.oci.runtime.RuntimeSpecs;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Compiles installed modules to bytecode with the image's own interpreter: the base image is unpacked, the new files
 * are laid over it, and {@code python3 -m compileall --invalidation-mode unchecked-hash} runs in it under runc (so
 * the {@code .pyc} files match the target's Python exactly, also for another architecture through qemu). Hash-based
 * {@code .pyc} files hold no timestamps, so the layer stays reproducible. Not thread-safe.
 *
 * @see <a href="https://peps.python.org/pep-0552/">PEP 552 deterministic pycs</a>
 */
final class Bytecode {
  private final OciStore store;
  private final Consumer<String> log;

  Bytecode(OciStore store, Consumer<String> log) {
    this.store = store;
    this.log = log;
  }

  /** Adds the {@code __pycache__/*.pyc} of every installed {@code .py} below the site directories to {@code unpacker}. */
  void compile(Images.Image base, WheelUnpacker unpacker, InstallLayout layout, Path work)
      throws IOException, InterruptedException {
    Path runc = findRunc().orElseThrow(() -> new WheelException(
        "--compile runs the image's python under runc, which is not installed (apt-get install runc)"));
    if (!"root".equals(System.getProperty("user.name"))) {
      throw new WheelException("--compile needs root (it runs the image's python under runc)");
    }
    Path bundle = Files.createDirectories(work.resolve("bundle"));
    Path rootfs = Files.createDirectories(bundle.resolve("rootfs"));
    List<LayerSource> layers = new ArrayList<>();
    List<InputStream> streams = new ArrayList<>();
    try {
      for (Descriptor d : base.manifest().layers()) {
        InputStream in = store.open(d);
        streams.add(in);
        layers.add(d.knownMediaType().map(m -> LayerSource.of(in, m)).orElseGet(() -> LayerSource.of(in)));
      }
      LayerExtractor.builder().build().extract(layers, rootfs);
    } finally {
      for (InputStream in : streams) {
        in.close();
      }
    }
    unpacker.materialize(rootfs);
    List<String> dirs = new ArrayList<>(List.of(layout.purelib()));
    if (!layout.platlib().equals(layout.purelib())) {
      dirs.add(layout.platlib());
    }
    List<String> args = new ArrayList<>(List.of(layout.interpreter(), "-m", "compileall", "-q", "-j", "0",
        "--invalidation-mode", "unchecked-hash"));
    args.addAll(dirs);
    var config = base.config().toBuilder().user("0").workingDir("/").build();
    Files.write(bundle.resolve("config.json"), RuntimeSpecs.configJson(config, args, "rootfs", false));
    Path state = Files.createDirectories(work.resolve("runc-state"));
    String id = "ferry-compile-" + UUID.randomUUID().toString().substring(0, 8);
    Path out = work.resolve("compile.log");
    log.accept("compiling bytecode with " + layout.interpreter() + " in the image (runc)");
    Process p = new ProcessBuilder(runc.toString(), "--root", state.toString(), "run", "--bundle", bundle.toString(), id)
        .redirectErrorStream(true).redirectOutput(out.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    try {
      if (!p.waitFor(30, TimeUnit.MINUTES)) {
        p.destroyForcibly().waitFor();
        throw new WheelException("compileall in the image did not finish in 30 minutes");
      }
    } finally {
      new ProcessBuilder(runc.toString(), "--root", state.toString(), "delete", "-f", id)
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }
    if (p.exitValue() != 0) {
      String text = Files.readString(out, StandardCharsets.UTF_8).strip();
      String last = text.isEmpty() ? "" : text.substring(text.lastIndexOf('\n') + 1);
      throw new WheelException("compileall in the image failed (exit " + p.exitValue() + "): " + last);
    }
    int added = 0;
    for (String dir : dirs) {
      Path site = rootfs.resolve(dir.substring(1));
      if (!Files.isDirectory(site)) {
        continue;
      }
      List<Path> pycs;
      try (Stream<Path> s = Files.walk(site)) {
        pycs = s.filter(f -> f.getFileName().toString().endsWith(".pyc") && f.getParent().getFileName().toString()
            .equals("__pycache__")).sorted().toList();
      }
      for (Path pyc : pycs) {
        String imagePath = "/" + rootfs.relativize(pyc).toString();
        String name = pyc.getFileName().toString();
        String module = name.substring(0, name.indexOf('.'));
        String source = "/" + rootfs.relativize(pyc.getParent().getParent()).resolve(module + ".py");
        if (unpacker.installs(source)) {
          unpacker.addBytecode(imagePath, Files.readAllBytes(pyc));
          added++;
        }
      }
    }
    log.accept("compiled " + added + " modules");
  }

  private static Optional<Path> findRunc() {
    for (String dir : (System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin").split(":")) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, "runc");
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
