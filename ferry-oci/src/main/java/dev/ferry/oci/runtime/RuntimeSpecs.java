package dev.ferry.oci.runtime;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.ImageConfig;
import dev.ferry.oci.internal.json.OciJson;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes an OCI runtime-spec {@code config.json} that runs an image's entrypoint and command, as {@code umoci
 * unpack} does. Stateless and thread-safe.
 *
 * <p>The spec has no cgroup namespace: runc refuses one on hosts with hybrid cgroup v1 hierarchies, and the
 * container needs none to run. Network is the host's only when asked.
 *
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/main/config.md">OCI runtime config</a>
 */
public final class RuntimeSpecs {
  private static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private RuntimeSpecs() {}

  /**
   * The {@code config.json} bytes for running {@code config}'s entrypoint + cmd (or {@code args} when not empty) on
   * the root filesystem in {@code rootfs} (relative to the bundle).
   */
  public static byte[] configJson(ImageConfig config, List<String> args, String rootfs, boolean hostNetwork) {
    List<String> argv = new ArrayList<>(args);
    if (argv.isEmpty()) {
      argv.addAll(config.entrypoint());
      argv.addAll(config.cmd());
    }
    if (argv.isEmpty()) {
      argv.add("/bin/sh");
    }
    ObjectNode n = OciJson.object();
    n.put("ociVersion", "1.0.2");
    ObjectNode process = n.putObject("process");
    process.put("terminal", false);
    ObjectNode user = process.putObject("user");
    long[] ids = numericUser(config.user().orElse("0"));
    user.put("uid", ids[0]);
    user.put("gid", ids[1]);
    ArrayNode a = process.putArray("args");
    argv.forEach(a::add);
    ArrayNode env = process.putArray("env");
    List<String> e = config.env();
    if (e.stream().noneMatch(x -> x.startsWith("PATH="))) {
      env.add(DEFAULT_PATH);
    }
    e.forEach(env::add);
    process.put("cwd", config.workingDir().orElse("/"));
    ObjectNode caps = process.putObject("capabilities");
    for (String set : new String[] {"bounding", "effective", "permitted"}) {
      ArrayNode c = caps.putArray(set);
      for (String cap : new String[] {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}) {
        c.add(cap);
      }
    }
    ArrayNode rl = process.putArray("rlimits");
    ObjectNode nofile = rl.addObject();
    nofile.put("type", "RLIMIT_NOFILE");
    nofile.put("hard", 1024);
    nofile.put("soft", 1024);
    process.put("noNewPrivileges", true);
    ObjectNode root = n.putObject("root");
    root.put("path", rootfs);
    root.put("readonly", false);
    n.put("hostname", "ferry");
    ArrayNode mounts = n.putArray("mounts");
    for (Mount m : systemMounts()) {
      mount(mounts, m.destination(), m.type(), m.source(), m.options().toArray(String[]::new));
    }
    mount(mounts, "/tmp", "tmpfs", "tmpfs", "nosuid", "nodev", "mode=1777");
    ObjectNode linux = n.putObject("linux");
    ArrayNode ns = linux.putArray("namespaces");
    List<String> kinds = new ArrayList<>(List.of("pid", "ipc", "uts", "mount"));
    if (!hostNetwork) {
      kinds.add("network");
    }
    for (String k : kinds) {
      ns.addObject().put("type", k);
    }
    ArrayNode masked = linux.putArray("maskedPaths");
    for (String p : new String[] {"/proc/kcore", "/proc/latency_stats", "/proc/timer_list", "/proc/sched_debug", "/sys/firmware"}) {
      masked.add(p);
    }
    ArrayNode ro = linux.putArray("readonlyPaths");
    for (String p : new String[] {"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}) {
      ro.add(p);
    }
    return OciJson.pretty(n).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** One entry of a runtime config's {@code mounts}. */
  public record Mount(String destination, String type, String source, List<String> options) {
    public Mount {
      options = List.copyOf(options);
    }
  }

  /**
   * The mounts every container gets: {@code /proc}, a small {@code /dev} with pts, shm and mqueue, and a read-only
   * {@code /sys}. Shared by {@link #configJson} and the build executor's {@code RUN} steps.
   */
  public static List<Mount> systemMounts() {
    return List.of(
        new Mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")),
        new Mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")),
        new Mount("/dev/pts", "devpts", "devpts", List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620")),
        new Mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")),
        new Mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")),
        new Mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")));
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

  /**
   * The uid and gid of a config's {@code User}. Only numeric forms ({@code uid} or {@code uid:gid}) and
   * {@code root} can be resolved without reading the image's {@code /etc/passwd}; other names fail.
   */
  static long[] numericUser(String user) {
    String u = user.isEmpty() ? "0" : user;
    String[] parts = u.split(":", 2);
    long uid = id(parts[0], user);
    long gid = parts.length == 2 ? id(parts[1], user) : uid;
    return new long[] {uid, gid};
  }

  private static long id(String s, String whole) {
    if (s.equals("root")) {
      return 0;
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "image user '" + whole + "' is a name; give a numeric uid[:gid] with --user to run it");
    }
  }
}
