package dev.ferry.globalfunc;

import dev.ferry.oci.io.Trees;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import dev.ferry.oci.layer.LayerExtractor;
import dev.ferry.oci.layer.LayerSource;
import dev.ferry.oci.runtime.RuntimeSpecs;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Worker instances: a worker image unpacked and run under runc (host network, {@code RLIMIT_AS} as the memory
 * limit), named {@code host_version_memG_gpuG_port} as in the original notes, with its port leased from a range
 * (26000–27000 by default). Leases are kept in {@code leases.json} in the state directory, changed only under a file
 * lock (and an in-JVM lock, since one JVM cannot hold the same file lock twice), so two concurrent {@code up}s never
 * get the same port; {@code down} releases it. Thread-safe.
 */
public final class Instances {
  /** The original notes' port range. */
  public static final int FIRST_PORT = 26000;

  public static final int LAST_PORT = 27000;

  private static final ReentrantLock JVM_LOCK = new ReentrantLock();

  /**
   * One instance.
   *
   * @param state runc's status ({@code running}, {@code stopped}) or {@code missing} when runc does not know it
   */
  public record Instance(String name, String image, String version, int port, String url, long memoryBytes, int gpuGigabytes, String created, String state) {}

  private final Path stateDir;
  private final String runc;
  private final int firstPort;
  private final int lastPort;

  public Instances(Path stateDir, String runc, int firstPort, int lastPort) {
    if (firstPort < 1 || lastPort > 65535 || firstPort > lastPort) {
      throw new IllegalArgumentException("port range must be FIRST-LAST within 1-65535, got " + firstPort + "-" + lastPort);
    }
    this.stateDir = stateDir;
    this.runc = runc;
    this.firstPort = firstPort;
    this.lastPort = lastPort;
  }

  /** The runc root directory of these instances (separate from other runc users'). */
  Path runcRoot() {
    return stateDir.resolve("runc");
  }

  /** This machine's short host name, for instance names ({@code m7}). */
  public static String shortHostName() {
    try {
      String h = Files.exists(Path.of("/etc/hostname")) ? Files.readString(Path.of("/etc/hostname")).strip() : InetAddress.getLocalHost().getHostName();
      h = h.contains(".") ? h.substring(0, h.indexOf('.')) : h;
      return h.isEmpty() ? "host" : h.replaceAll("[^A-Za-z0-9-]", "-");
    } catch (IOException e) {
      return "host";
    }
  }

  /** {@code 30G}, or {@code 512M} when not whole gigabytes. */
  static String sizeName(long bytes) {
    if (bytes % (1L << 30) == 0) {
      return (bytes >> 30) + "G";
    }
    return (bytes >> 20) + "M";
  }

  /**
   * Leases a port, unpacks {@code image} and starts it; returns once the instance answers {@code GET /} (at most 60
   * s), or fails having released everything.
   *
   * @param listenHost where the instance listens (configuration: {@code 127.0.0.1}, or {@code 0.0.0.0} behind a
   *     firewall)
   * @param publicHost the host name clients use, for the URL shown
   */
  public Instance up(OciStore store, String imageRef, String version, long memoryBytes, int gpuGigabytes, String host, String listenHost, String publicHost)
      throws IOException, InterruptedException {
    if (memoryBytes <= 0) {
      throw new IllegalArgumentException("--mem must be positive (30G), got " + memoryBytes);
    }
    if (gpuGigabytes < 0) {
      throw new IllegalArgumentException("--gpu must be >= 0 (gigabytes of GPU memory), got " + gpuGigabytes);
    }
    Images.Image img = Images.resolve(store, Images.require(store, imageRef), Optional.empty());
    String v = version != null ? version : img.config().labels().getOrDefault(WorkerImages.VERSION_LABEL, "");
    if (v.isEmpty()) {
      throw new IllegalArgumentException(imageRef + " has no " + WorkerImages.VERSION_LABEL + " label (not made by 'ferry func package'); pass --version");
    }
    int port;
    String name;
    ObjectNode lease;
    JVM_LOCK.lock();
    try (FileChannel lockFile = lockFile(); FileLock ignored = lockFile.lock()) {
      ArrayNode leases = readLeases();
      port = freePort(leases, listenHost);
      name = host + "_" + v + "_" + sizeName(memoryBytes) + "_" + gpuGigabytes + "G_" + port;
      lease = leases.addObject();
      lease.put("name", name).put("image", imageRef).put("version", v).put("port", port).put("memory", memoryBytes).put("gpu", gpuGigabytes)
          .put("url", "http://" + publicHost + ":" + port + "/").put("created", Instant.now().toString());
      writeLeases(leases);
    } finally {
      JVM_LOCK.unlock();
    }
    try {
      start(store, img, name, port, memoryBytes, gpuGigabytes, listenHost);
    } catch (IOException | InterruptedException | RuntimeException e) {
      try {
        down(name);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    return toInstance(lease, "running");
  }

  private void start(OciStore store, Images.Image img, String name, int port, long memoryBytes, int gpu, String listenHost)
      throws IOException, InterruptedException {
    Path bundle = stateDir.resolve("bundles").resolve(name);
    Files.createDirectories(bundle);
    Path rootfs = rootfs(store, img, bundle);
    List<String> args = List.of("python3", WorkerImages.RUNTIME, "--serve", WorkerImages.ROOT, "--listen", listenHost + ":" + port, "--memory", Long.toString(memoryBytes));
    ObjectNode config = (ObjectNode) PythonWorker.JSON.readTree(RuntimeSpecs.configJson(img.config(), args, rootfs.toString(), true));
    // instances of one image share its unpacked root filesystem, read-only (/tmp is a tmpfs of each instance's own)
    ((ObjectNode) config.path("root")).put("readonly", true);
    // the memory limit is the address-space limit of the process, set by runc before it starts
    ObjectNode as = ((ArrayNode) config.path("process").path("rlimits")).addObject();
    as.put("type", "RLIMIT_AS").put("hard", memoryBytes).put("soft", memoryBytes);
    ArrayNode env = (ArrayNode) config.path("process").path("env");
    env.add("FERRY_INSTANCE=" + name).add("FERRY_GPU_MEMORY=" + gpu + "G");
    if (gpu == 0) {
      env.add("CUDA_VISIBLE_DEVICES=");
    }
    config.put("hostname", name.replace('_', '-'));
    // host network: the instance's port is on this machine; /etc/resolv.conf and hosts come from the image
    Files.write(bundle.resolve("config.json"), PythonWorker.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
    Files.createDirectories(runcRoot());
    Process p = new ProcessBuilder(runc, "--root", runcRoot().toString(), "run", "--detach", "--bundle", bundle.toString(), name)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.appendTo(bundle.resolve("instance.log").toFile()))
        .redirectErrorStream(true)
        .start();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("runc could not start " + name + ": " + tail(bundle.resolve("instance.log")));
    }
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String connectHost = listenHost.equals("0.0.0.0") ? "127.0.0.1" : listenHost;
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(connectHost, port), 500);
        return;
      } catch (IOException notYet) {
        if (System.nanoTime() > until || !"running".equals(state(name))) {
          throw new IOException("instance " + name + " did not start listening on port " + port + ": " + tail(bundle.resolve("instance.log")));
        }
        Thread.sleep(50);
      }
    }
  }

  /**
   * The image's root filesystem, unpacked once per image into {@code rootfs/<manifest digest>} (into a temporary
   * directory first, renamed when complete, so a half-unpacked tree is never used).
   */
  private Path rootfs(OciStore store, Images.Image img, Path bundle) throws IOException {
    String hex = img.manifestDescriptor().digest().hex();
    Path dir = stateDir.resolve("rootfs").resolve(hex);
    JVM_LOCK.lock();
    try (FileChannel lockFile = lockFile("rootfs.lock"); FileLock ignored = lockFile.lock()) {
      // the reference is written under the lock, so a concurrent down never prunes a tree an up is about to use
      Files.writeString(bundle.resolve("rootfs.ref"), hex);
      if (Files.isDirectory(dir)) {
        return dir;
      }
      Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp");
      Trees.delete(tmp);
      Files.createDirectories(tmp);
      List<InputStream> streams = new ArrayList<>();
      try {
        List<LayerSource> sources = new ArrayList<>();
        List<Descriptor> layers = img.manifest().layers();
        for (int i = 0; i < layers.size(); i++) {
          Descriptor l = layers.get(i);
          MediaType type = MediaType.find(l.mediaType()).filter(MediaType::isLayer)
              .orElseThrow(() -> new IOException("layer " + l.digest() + " has media type " + l.mediaType() + ", which Ferry cannot unpack"));
          InputStream in = store.open(l); // verifies the digest while reading
          streams.add(in);
          sources.add(LayerSource.of(in, type).withDiffId(img.config().diffIds().get(i)));
        }
        LayerExtractor.builder().build().extract(sources, tmp);
      } finally {
        for (InputStream in : streams) {
          in.close();
        }
      }
      Files.move(tmp, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return dir;
    } finally {
      JVM_LOCK.unlock();
    }
  }

  /** The instances with leases, with runc's view of each. */
  public List<Instance> ps() throws IOException, InterruptedException {
    ArrayNode leases;
    JVM_LOCK.lock();
    try (FileChannel lockFile = lockFile(); FileLock ignored = lockFile.lock()) {
      leases = readLeases();
    } finally {
      JVM_LOCK.unlock();
    }
    List<Instance> out = new ArrayList<>();
    for (JsonNode l : leases) {
      out.add(toInstance(l, state(l.path("name").asText())));
    }
    return out;
  }

  /** Stops and deletes {@code name}, removes its files and releases its port. */
  public void down(String name) throws IOException, InterruptedException {
    boolean known;
    JVM_LOCK.lock();
    try (FileChannel lockFile = lockFile(); FileLock ignored = lockFile.lock()) {
      known = false;
      for (JsonNode l : readLeases()) {
        known |= l.path("name").asText().equals(name);
      }
    } finally {
      JVM_LOCK.unlock();
    }
    if (!known && !Files.isDirectory(stateDir.resolve("bundles").resolve(name))) {
      throw new IllegalArgumentException("no instance " + name + " (ferry func ps lists them)");
    }
    if (!"missing".equals(state(name))) {
      runc("kill", name, "KILL");
      runc("delete", "--force", name);
    }
    Trees.delete(stateDir.resolve("bundles").resolve(name));
    JVM_LOCK.lock();
    try (FileChannel lockFile = lockFile(); FileLock ignored = lockFile.lock()) {
      ArrayNode leases = readLeases();
      ArrayNode kept = PythonWorker.JSON.createArrayNode();
      for (JsonNode l : leases) {
        if (!l.path("name").asText().equals(name)) {
          kept.add(l);
        }
      }
      writeLeases(kept);
    } finally {
      JVM_LOCK.unlock();
    }
    pruneRootfs();
  }

  /** Deletes unpacked root filesystems that no instance's bundle refers to any more (and leftover .tmp trees). */
  private void pruneRootfs() throws IOException {
    Path dir = stateDir.resolve("rootfs");
    if (!Files.isDirectory(dir)) {
      return;
    }
    JVM_LOCK.lock();
    try (FileChannel lockFile = lockFile("rootfs.lock"); FileLock ignored = lockFile.lock()) {
      java.util.Set<String> used = new java.util.HashSet<>();
      Path bundles = stateDir.resolve("bundles");
      if (Files.isDirectory(bundles)) {
        try (var s = Files.list(bundles)) {
          for (Path b : s.toList()) {
            Path ref = b.resolve("rootfs.ref");
            if (Files.exists(ref)) {
              used.add(Files.readString(ref).strip());
            }
          }
        }
      }
      try (var s = Files.list(dir)) {
        for (Path r : s.toList()) {
          if (!used.contains(r.getFileName().toString())) {
            Trees.delete(r);
          }
        }
      }
    } finally {
      JVM_LOCK.unlock();
    }
  }

  private String state(String name) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(runc, "--root", runcRoot().toString(), "state", name).redirectErrorStream(false).start();
    byte[] out = p.getInputStream().readAllBytes();
    p.getErrorStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      return "missing";
    }
    return PythonWorker.JSON.readTree(out).path("status").asText("unknown");
  }

  private void runc(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(runc, "--root", runcRoot().toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    p.waitFor(30, TimeUnit.SECONDS);
  }

  private int freePort(ArrayNode leases, String listenHost) throws IOException {
    java.util.Set<Integer> taken = new java.util.HashSet<>();
    for (JsonNode l : leases) {
      taken.add(l.path("port").asInt());
    }
    for (int port = firstPort; port <= lastPort; port++) {
      if (taken.contains(port)) {
        continue;
      }
      // a port some other program listens on is not offered either
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(listenHost, port));
        return port;
      } catch (IOException inUse) {
        // try the next
      }
    }
    throw new IOException("no free port in " + firstPort + "-" + lastPort + " (" + taken.size() + " leased); ferry func down some instances");
  }

  private Instance toInstance(JsonNode l, String state) {
    return new Instance(l.path("name").asText(), l.path("image").asText(), l.path("version").asText(), l.path("port").asInt(), l.path("url").asText(),
        l.path("memory").asLong(), l.path("gpu").asInt(), l.path("created").asText(), state);
  }

  private FileChannel lockFile() throws IOException {
    return lockFile("leases.lock");
  }

  private FileChannel lockFile(String name) throws IOException {
    Files.createDirectories(stateDir);
    return FileChannel.open(stateDir.resolve(name), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
  }

  private ArrayNode readLeases() throws IOException {
    Path f = stateDir.resolve("leases.json");
    if (!Files.exists(f)) {
      return PythonWorker.JSON.createArrayNode();
    }
    JsonNode n = PythonWorker.JSON.readTree(f.toFile());
    if (!(n instanceof ArrayNode a)) {
      throw new IOException(f + " is not a JSON array; fix or remove it");
    }
    return a;
  }

  private void writeLeases(ArrayNode leases) throws IOException {
    FunctionRepository.writeAtomically(stateDir.resolve("leases.json"), PythonWorker.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(leases));
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
      return lines.isEmpty() ? "(no output)" : String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }
}
