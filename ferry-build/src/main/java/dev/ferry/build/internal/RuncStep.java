package dev.ferry.build.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Runs one {@code RUN} in runc on an overlay snapshot of a stage's root filesystem and leaves the change in the
 * overlay's upper directory, turned into OCI form ({@code .wh.} files for whiteouts, {@code .wh..wh..opq} for opaque
 * directories) with the runtime's mount points removed. Not thread-safe; one instance per step.
 *
 * <p>The overlay is mounted with {@code userxattr} so that opaque directories are marked with
 * {@code user.overlay.opaque}, which Java can read, instead of {@code trusted.overlay.opaque}.
 */
public final class RuncStep {
  /** Docker's default capability set for containers (and so for {@code RUN}). */
  private static final List<String> CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
      "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
      "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");
  /** Lines of output a failure message shows. */
  public static final int TAIL_LINES = 20;
  private static final int MAX_LINE = 4096;
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A mount of the step.
   *
   * @param destination the path in the container
   * @param type {@code bind} or {@code tmpfs}
   * @param source the host path of a bind
   * @param readOnly whether it is read-only
   */
  public record MountSpec(String destination, String type, Path source, boolean readOnly) {}

  /**
   * How the step ended.
   *
   * @param exitCode the process's exit code
   * @param tail the last {@link #TAIL_LINES} lines of output
   */
  public record Outcome(int exitCode, List<String> tail) {}

  private final Path rootfs;
  private final Path dir;
  private final String runc;

  /**
   * @param rootfs the stage's root filesystem, the overlay's lower directory; unchanged by the step
   * @param dir an empty work directory for the step, on the same file system as a writable overlay upper
   * @param runc the runc executable
   */
  public RuncStep(Path rootfs, Path dir, String runc) {
    this.rootfs = Objects.requireNonNull(rootfs, "rootfs");
    this.dir = Objects.requireNonNull(dir, "dir");
    this.runc = Objects.requireNonNull(runc, "runc");
  }

  /** The upper directory: after {@link #run}, the change in OCI layer form. */
  public Path upper() {
    return dir.resolve("upper");
  }

  /**
   * Runs {@code argv} and waits for it; output lines go to {@code output} as they come.
   *
   * @param env {@code KEY=value} entries
   */
  public Outcome run(List<String> argv, List<String> env, long uid, long gid, String cwd, boolean hostNetwork,
      List<MountSpec> mounts, Consumer<String> output) throws IOException {
    Path upper = Files.createDirectories(upper());
    Path work = Files.createDirectories(dir.resolve("work"));
    Path merged = Files.createDirectories(dir.resolve("merged"));
    Path bundle = Files.createDirectories(dir.resolve("bundle"));
    Path state = Files.createDirectories(dir.resolve("runc"));
    String id = "ferry-build-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());

    List<MountSpec> all = new ArrayList<>(mounts);
    if (hostNetwork) {
      for (String f : List.of("/etc/resolv.conf", "/etc/hosts")) {
        if (Files.isRegularFile(Path.of(f))) {
          all.add(new MountSpec(f, "bind", Path.of(f), true));
        }
      }
    }
    Files.write(bundle.resolve("config.json"),
        configJson(argv, env, uid, gid, cwd, hostNetwork, all, merged.toAbsolutePath().toString()));

    // Each resource is made and its cleanup registered in one step, so that Ctrl-C at any point leaves neither.
    Outcome outcome;
    try (Cleanups.Handle unmount = Cleanups.register(
            () -> Exec.run(List.of("mount", "-t", "overlay", "overlay", "-o",
                "lowerdir=" + rootfs.toAbsolutePath() + ",upperdir=" + upper.toAbsolutePath() + ",workdir="
                    + work.toAbsolutePath() + ",userxattr",
                merged.toAbsolutePath().toString())),
            () -> Exec.quietly(List.of("umount", "-l", merged.toAbsolutePath().toString())))) {
      Process[] started = new Process[1];
      try (Cleanups.Handle delete = Cleanups.register(
          () -> started[0] = new ProcessBuilder(runc, "--root", state.toString(), "run", "--bundle", bundle.toString(),
              id)
              .redirectErrorStream(true)
              .redirectInput(new File("/dev/null"))
              .start(),
          () -> {
            Exec.quietly(List.of(runc, "--root", state.toString(), "delete", "-f", id));
            if (started[0].isAlive()) {
              // stopped while runc was still creating the container: stop runc, then remove what it made
              started[0].destroyForcibly();
              try {
                started[0].waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              Exec.quietly(List.of(runc, "--root", state.toString(), "delete", "-f", id));
            }
          })) {
        outcome = runContainer(started[0], output);
      }
    }
    for (String d : mountPoints(all)) {
      dropMountPoint(d);
    }
    toOciForm(upper);
    return outcome;
  }

  private Outcome runContainer(Process p, Consumer<String> output) throws IOException {
    Deque<String> tail = new ArrayDeque<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.length() > MAX_LINE) {
          line = line.substring(0, MAX_LINE) + " ...";
        }
        output.accept(line);
        tail.addLast(line);
        if (tail.size() > TAIL_LINES) {
          tail.removeFirst();
        }
      }
      return new Outcome(p.waitFor(), List.copyOf(tail));
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while RUN was running", e);
    }
  }

  /** Where runc mounts something: its own mounts and the step's. */
  private static List<String> mountPoints(List<MountSpec> mounts) {
    List<String> out = new ArrayList<>(List.of("/proc", "/dev", "/sys"));
    mounts.forEach(m -> out.add(m.destination()));
    out.sort(Comparator.comparingInt(String::length).reversed());
    return out;
  }

  /**
   * Removes what runc created in the upper directory to mount on, when the lower directory did not have it: an empty
   * directory or file, and then the parents made only to hold it.
   */
  private void dropMountPoint(String destination) throws IOException {
    List<String> parts = RootPaths.split(destination);
    for (int n = parts.size(); n > 0; n--) {
      String rel = String.join("/", parts.subList(0, n));
      Path u = upper().resolve(rel);
      if (!Files.exists(u, LinkOption.NOFOLLOW_LINKS) || Files.exists(rootfs.resolve(rel), LinkOption.NOFOLLOW_LINKS)) {
        return;
      }
      boolean emptyFile = Files.isRegularFile(u, LinkOption.NOFOLLOW_LINKS) && Files.size(u) == 0;
      if (!emptyFile && !Trees.isEmptyDir(u)) {
        return;
      }
      Files.delete(u);
    }
  }

  /**
   * Rewrites overlayfs's markers into the OCI layer form: a whiteout (a 0:0 character device) becomes an empty
   * {@code .wh.<name>} file, an opaque directory gets a {@code .wh..wh..opq} file, and {@code user.overlay.*}
   * attributes are removed so they do not reach the layer.
   */
  static void toOciForm(Path upper) throws IOException {
    Files.walkFileTree(upper, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(d, UserDefinedFileAttributeView.class);
        if (view != null) {
          for (String name : view.list()) {
            if (name.startsWith("overlay.")) {
              if (name.equals("overlay.opaque") && !d.equals(upper) && isY(view, name)) {
                Files.createFile(d.resolve(".wh..wh..opq"));
              }
              view.delete(name);
            }
          }
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
        if (attrs.isRegularFile()) {
          // copy-up records overlay.origin (a file handle, different every run) on files too
          UserDefinedFileAttributeView view = Files.getFileAttributeView(f, UserDefinedFileAttributeView.class);
          for (String name : view.list()) {
            if (name.startsWith("overlay.")) {
              view.delete(name);
            }
          }
        } else if (attrs.isOther()) {
          int mode = (Integer) Files.getAttribute(f, "unix:mode", LinkOption.NOFOLLOW_LINKS);
          long rdev = (Long) Files.getAttribute(f, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
          if ((mode & 0170000) == 0020000 && rdev == 0) {
            Files.delete(f);
            Files.createFile(f.resolveSibling(".wh." + f.getFileName()));
          }
        }
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private static boolean isY(UserDefinedFileAttributeView view, String name) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(view.size(name));
    view.read(name, b);
    return new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).equals("y");
  }

  private static byte[] configJson(List<String> argv, List<String> env, long uid, long gid, String cwd,
      boolean hostNetwork, List<MountSpec> mounts, String rootPath) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("ociVersion", "1.0.2");
    ObjectNode process = n.putObject("process");
    process.put("terminal", false);
    ObjectNode user = process.putObject("user");
    user.put("uid", uid);
    user.put("gid", gid);
    ArrayNode a = process.putArray("args");
    argv.forEach(a::add);
    ArrayNode e = process.putArray("env");
    env.forEach(e::add);
    process.put("cwd", cwd);
    ObjectNode caps = process.putObject("capabilities");
    for (String set : List.of("bounding", "effective", "permitted")) {
      ArrayNode c = caps.putArray(set);
      CAPS.forEach(c::add);
    }
    // no rlimits: the step inherits Ferry's own, which a fixed value could exceed (runc then fails to start)
    process.put("noNewPrivileges", false);
    ObjectNode root = n.putObject("root");
    root.put("path", rootPath);
    root.put("readonly", false);
    n.put("hostname", "buildkitsandbox");
    ArrayNode ms = n.putArray("mounts");
    // The system mounts without RuntimeSpecs' tmpfs on /tmp: a RUN's writes to /tmp belong in the layer, as in Docker.
    for (dev.ferry.oci.runtime.RuntimeSpecs.Mount m : dev.ferry.oci.runtime.RuntimeSpecs.systemMounts()) {
      mount(ms, m.destination(), m.type(), m.source(), m.options().toArray(String[]::new));
    }
    for (MountSpec m : mounts) {
      if (m.type().equals("tmpfs")) {
        mount(ms, m.destination(), "tmpfs", "tmpfs", "nosuid", "nodev", "mode=1777");
      } else {
        mount(ms, m.destination(), "bind", m.source().toAbsolutePath().toString(), "rbind", m.readOnly() ? "ro" : "rw");
      }
    }
    ObjectNode linux = n.putObject("linux");
    ArrayNode ns = linux.putArray("namespaces");
    List<String> kinds = new ArrayList<>(List.of("pid", "ipc", "uts", "mount"));
    if (!hostNetwork) {
      kinds.add("network");
    }
    kinds.forEach(k -> ns.addObject().put("type", k));
    ArrayNode masked = linux.putArray("maskedPaths");
    for (String p : List.of("/proc/kcore", "/proc/latency_stats", "/proc/timer_list", "/proc/sched_debug",
        "/sys/firmware")) {
      masked.add(p);
    }
    ArrayNode ro = linux.putArray("readonlyPaths");
    for (String p : List.of("/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger")) {
      ro.add(p);
    }
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n);
  }

  private static void mount(ArrayNode mounts, String dest, String type, String source, String... options) {
    ObjectNode m = mounts.addObject();
    m.put("destination", dest);
    m.put("type", type);
    m.put("source", source);
    ArrayNode o = m.putArray("options");
    for (String s : options) {
      o.add(s);
    }
  }
}
