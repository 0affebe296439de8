package dev.ferry.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.build.BuildProgress;
import dev.ferry.build.BuildRequest;
import dev.ferry.build.BuildResult;
import dev.ferry.build.ImageBuilder;
import dev.ferry.build.dockerfile.DockerfileException;
import dev.ferry.build.services.BuildAllPlan;
import dev.ferry.build.services.BuildAllPlan.BaseImage;
import dev.ferry.build.services.Service;
import dev.ferry.build.services.ServicesFile;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import dev.ferry.oci.layer.LayerWriter;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.client.PlatformSelection;
import dev.ferry.registry.client.ProgressListener;
import dev.ferry.registry.client.PullResult;
import dev.ferry.registry.client.RegistryClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry build-all}: many services, each a context and a Dockerfile, built in dependency order (seed 004's
 * {@code build-all}). Step 0 prefetches every external base image once (store, then mirrors, then upstream); a
 * service whose {@code FROM} names another service's image is built after it; independent services build in parallel.
 */
@Command(
    name = "build-all",
    description = {
      "Build every service of a services.yaml, or every subdirectory of DIR holding a Dockerfile, in dependency order.",
      "Base images are prefetched first (store, then registries.yaml mirrors, then upstream unless --offline);",
      "a FROM or COPY --from naming another service's image:TAG makes that service build first."
    })
final class BuildAllCommand extends BaseCommand {
  @Parameters(arity = "0..1", paramLabel = "DIR", description = "A directory whose subdirectories holding a Dockerfile are the services (default: ./services.yaml if present, else .).")
  Path dir;

  @Option(names = {"-f", "--file"}, paramLabel = "SERVICES.YAML", description = "The services file.")
  Path file;

  @Option(names = "--tag", paramLabel = "TAG", description = "Tag of every service's image, and of service images named in FROM (default: latest).")
  String tag = "latest";

  @Option(names = "--platform", paramLabel = "OS/ARCH[,...]", split = ",", description = "Platforms of every service (default: each service's platforms, else this machine's).")
  List<String> platforms = new ArrayList<>();

  @Option(names = "--build-arg", paramLabel = "K=V", description = "Build argument of every service, over the service's args (repeatable).")
  List<String> buildArgs = new ArrayList<>();

  @Option(names = "--push-deps", paramLabel = "REGISTRY[/PREFIX]", description = "Push every base image to REGISTRY/PREFIX, keeping repository paths (like ferry sync).")
  String pushDeps;

  @Option(names = "--push", paramLabel = "REGISTRY[/PREFIX]", description = "Push every built service image to REGISTRY/PREFIX/<image>:TAG.")
  String push;

  @Option(names = "--no-cache", description = "Run every step; do not look in the step cache.")
  boolean noCache;

  @Option(names = "--jobs", paramLabel = "N", description = "Services built at once (default 2).")
  int jobs = 2;

  @Option(names = "--progress", paramLabel = "plain|auto|quiet", description = "Build progress on stderr, each line prefixed with [service] (default auto, which is plain).")
  String progressMode = "auto";

  @Option(names = "--network", paramLabel = "default|none|host", description = "Network of RUN steps (default: none).")
  String network = "default";

  @Mixin RegistryOptions registry;

  /** What step 0 did for one base image. */
  record Fetched(BaseImage image, String source, double seconds, String error) {
    boolean ok() {
      return error == null;
    }
  }

  /** What happened to one service. */
  record Outcome(Service service, String status, BuildResult result, long size, double seconds, String error,
      String detail) {
    Outcome(Service service, String status, BuildResult result, long size, double seconds, String error) {
      this(service, status, result, size, seconds, error, error);
    }
  }

  @Override
  int execute() throws Exception {
    if (jobs < 1) {
      throw new UsageException("--jobs must be at least 1, got " + jobs);
    }
    try {
      Reference.parse("x:" + tag);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--tag " + tag + ": not a valid tag");
    }
    boolean hostNetwork = switch (network) {
      case "host" -> true;
      case "default", "none" -> false;
      default -> throw new UsageException("--network must be default, none or host, got " + network);
    };
    if (!List.of("plain", "auto", "quiet").contains(progressMode)) {
      throw new UsageException("--progress must be plain, auto or quiet, got " + progressMode);
    }
    String depsPrefix = pushDeps == null ? null : PrefixPush.prefix("--push-deps", pushDeps);
    String pushPrefix = push == null ? null : PrefixPush.prefix("--push", push);
    List<Platform> ps = new ArrayList<>();
    for (String p : platforms) {
      try {
        ps.add(Platform.parse(p.strip()));
      } catch (IllegalArgumentException e) {
        throw new UsageException("--platform " + p + ": " + e.getMessage());
      }
    }
    Map<String, String> args = new LinkedHashMap<>();
    for (String kv : buildArgs) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        String v = System.getenv(kv);
        if (v != null) {
          args.put(kv, v);
        }
      } else {
        args.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }

    Path input;
    if (file != null && dir != null) {
      throw new UsageException("give either -f SERVICES.YAML or DIR, not both");
    } else if (file != null) {
      if (!Files.isRegularFile(file)) {
        throw new UsageException("services file " + file + " does not exist");
      }
      input = file;
    } else if (dir != null) {
      if (!Files.isDirectory(dir)) {
        throw new UsageException(dir + " is not a directory");
      }
      input = dir;
    } else {
      input = Files.isRegularFile(Path.of("services.yaml")) ? Path.of("services.yaml") : Path.of(".");
    }
    List<Service> services = ServicesFile.read(input);
    BuildAllPlan plan;
    try {
      plan = BuildAllPlan.of(services, tag, args, ps);
    } catch (DockerfileException e) {
      err().println("ferry: " + e.getMessage());
      return 1;
    }
    info("build-all: " + services.size() + " service(s), order " + plan.order().stream().map(Service::name)
        .collect(Collectors.joining(" -> ")) + "; " + plan.baseImages().size() + " base image(s)");

    OciStore store = store();
    int rc = 0;
    ObjectNode json = Json.object();
    try (RegistryClient client = registry.client()) {
      // Step 0: base images.
      List<Fetched> fetched = prefetch(store, client, plan);
      printPrefetch(fetched, json);
      Map<String, String> missing = new LinkedHashMap<>();
      for (Fetched f : fetched) {
        if (!f.ok()) {
          rc = 1;
          err().println("ferry: base image " + f.image().reference() + " (" + f.image().platform() + "): " + f.error());
          for (String s : f.image().services()) {
            missing.putIfAbsent(s, "base image " + f.image().reference() + " (" + f.image().platform() + ") is unavailable");
          }
        }
      }

      if (depsPrefix != null) {
        rc |= pushDeps(store, client, depsPrefix, fetched, json);
      }

      // The builds, in dependency order, --jobs at once.
      List<Outcome> outcomes = buildAll(store, client, plan, missing, hostNetwork);
      if (outcomes.stream().anyMatch(o -> !o.status().equals("built"))) {
        rc = 1;
      }

      Map<String, String> pushed = new LinkedHashMap<>();
      if (pushPrefix != null) {
        for (Outcome o : outcomes) {
          if (!o.status().equals("built")) {
            continue;
          }
          Reference src = plan.output(o.service());
          Reference dest = PrefixPush.destination(pushPrefix, src);
          try (TransferProgress p = new TransferProgress(this, "pushing")) {
            PrefixPush.push(client, store, src, src.toString(), dest, p);
            pushed.put(o.service().name(), dest.toString());
            info("Pushed " + o.service().name() + " -> " + dest);
          } catch (IOException e) {
            err().println("ferry: pushing " + o.service().name() + " to " + dest + " failed: " + Errors.describe(e));
            rc = 1;
          }
        }
      }
      printOutcomes(plan, outcomes, pushed, json);
    }
    if (json()) {
      out().println(Json.write(json));
    }
    return rc;
  }

  /** Images pulled at once by step 0: a registry serves a few in parallel well, and each pull has parallel blobs. */
  private static final int PREFETCH_THREADS = 4;

  /**
   * Step 0: every base image, different images at once; the platforms of one image one after the other, since
   * they end up under one name.
   */
  private List<Fetched> prefetch(OciStore store, RegistryClient client, BuildAllPlan plan) {
    Map<String, List<Integer>> byImage = new LinkedHashMap<>();
    List<BaseImage> bases = plan.baseImages();
    for (int i = 0; i < bases.size(); i++) {
      byImage.computeIfAbsent(bases.get(i).reference().toString(), k -> new ArrayList<>()).add(i);
    }
    Fetched[] out = new Fetched[bases.size()];
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(PREFETCH_THREADS, byImage.size())), r -> {
      Thread t = new Thread(r, "ferry-prefetch");
      t.setDaemon(true);
      return t;
    });
    try {
      List<java.util.concurrent.Future<?>> running = new ArrayList<>();
      for (List<Integer> indexes : byImage.values()) {
        running.add(pool.submit(() -> {
          for (int i : indexes) {
            out[i] = fetch(store, client, bases.get(i));
          }
        }));
      }
      for (java.util.concurrent.Future<?> f : running) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while prefetching base images", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("prefetching base images failed", e.getCause());
    } finally {
      pool.shutdownNow();
    }
    return List.of(out);
  }

  private Fetched fetch(OciStore store, RegistryClient client, BaseImage b) {
    long t0 = System.nanoTime();
    String name = b.reference().toString();
    try {
      if (inStore(store, name, b.platform())) {
        return new Fetched(b, "store", secondsSince(t0), null);
      }
      info("prefetching " + name + " (" + b.platform() + ")");
      PullResult r = client.pull(store, b.reference(), PlatformSelection.of(b.platform()), ProgressListener.NONE);
      String source = r.fromMirror() ? "mirror " + mirrorName(r) : "upstream";
      return new Fetched(b, source, secondsSince(t0), null);
    } catch (IOException | RuntimeException e) {
      String m = e.getMessage() == null || e.getMessage().isBlank() ? Errors.describe(e) : e.getMessage();
      return new Fetched(b, "-", secondsSince(t0), m);
    }
  }

  private static boolean inStore(OciStore store, String name, Platform p) {
    try {
      Optional<Descriptor> top = Images.find(store, name);
      if (top.isEmpty()) {
        return false;
      }
      Images.resolve(store, top.get(), Optional.of(p));
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** The mirror a pull came from: its host and prefix ({@code harbor.corp/dockerhub-proxy}). */
  static String mirrorName(PullResult r) {
    String repo = r.source().repository();
    String up = r.reference().repository();
    String prefix = repo.endsWith(up) ? repo.substring(0, repo.length() - up.length()).replaceAll("/+$", "") : "";
    return r.source().registry() + (prefix.isEmpty() ? "" : "/" + prefix);
  }

  private void printPrefetch(List<Fetched> fetched, ObjectNode json) {
    ArrayNode a = json.putArray("baseImages");
    Table t = new Table("BASE IMAGE", "PLATFORM", "SOURCE", "SECONDS");
    for (Fetched f : fetched) {
      t.add(f.image().reference().familiar(), f.image().platform().toString(),
          f.ok() ? f.source() : "FAILED (see stderr)", seconds(f.seconds()));
      ObjectNode o = a.addObject();
      o.put("image", f.image().reference().toString());
      o.put("platform", f.image().platform().toString());
      o.put("source", f.ok() ? f.source() : "failed");
      o.put("seconds", round(f.seconds()));
      ArrayNode users = o.putArray("services");
      f.image().services().forEach(users::add);
      if (!f.ok()) {
        o.put("error", f.error());
      }
    }
    if (!json() && !fetched.isEmpty()) {
      t.print(out());
      out().println();
      out().flush();
    }
  }

  private int pushDeps(OciStore store, RegistryClient client, String prefix, List<Fetched> fetched, ObjectNode json) {
    int rc = 0;
    ArrayNode a = json.putArray("pushedDeps");
    Set<Reference> done = new LinkedHashSet<>();
    for (Fetched f : fetched) {
      Reference src = f.image().reference();
      if (!f.ok() || !done.add(src)) {
        continue;
      }
      Reference dest = PrefixPush.destination(prefix, src);
      try (TransferProgress p = new TransferProgress(this, "pushing")) {
        PrefixPush.Pushed r = PrefixPush.push(client, store, src, src.toString(), dest, p);
        info("Pushed " + src.familiar() + " -> " + dest + (r.merged() ? " (merged with the platforms already there)" : ""));
        ObjectNode o = a.addObject();
        o.put("source", src.toString());
        o.put("destination", dest.toString());
        o.put("digest", r.pushed().digest().toString());
        o.put("merged", r.merged());
      } catch (IOException | RuntimeException e) {
        err().println("ferry: pushing " + src + " to " + dest + " failed: " + Errors.describe(e));
        rc = 1;
      }
    }
    return rc;
  }

  private List<Outcome> buildAll(OciStore store, RegistryClient client, BuildAllPlan plan, Map<String, String> missing,
      boolean hostNetwork) throws InterruptedException {
    Map<String, Outcome> outcomes = new LinkedHashMap<>();
    List<String> pending = new ArrayList<>(plan.order().stream().map(Service::name).toList());
    ExecutorService pool = Executors.newFixedThreadPool(jobs, r -> {
      Thread t = new Thread(r, "ferry-build-all");
      t.setDaemon(true);
      return t;
    });
    CompletionService<Outcome> cs = new ExecutorCompletionService<>(pool);
    int running = 0;
    try {
      while (!pending.isEmpty() || running > 0) {
        boolean changed = true;
        while (changed && running < jobs) {
          changed = false;
          for (String n : new ArrayList<>(pending)) {
            if (running >= jobs) {
              break;
            }
            Service s = plan.service(n);
            Set<String> deps = plan.graph().dependencies().getOrDefault(n, Set.of());
            Optional<String> broken = deps.stream()
                .filter(d -> outcomes.containsKey(d) && !outcomes.get(d).status().equals("built")).findFirst();
            if (broken.isPresent()) {
              outcomes.put(n, new Outcome(s, "skipped", null, 0, 0, "needs " + broken.get() + ", which "
                  + (outcomes.get(broken.get()).status().equals("failed") ? "failed" : "was skipped")));
              pending.remove(n);
              changed = true;
            } else if (missing.containsKey(n)) {
              outcomes.put(n, new Outcome(s, "failed", null, 0, 0, missing.get(n)));
              err().println("ferry: service " + n + " failed: " + missing.get(n));
              pending.remove(n);
              changed = true;
            } else if (outcomes.keySet().containsAll(deps)) {
              pending.remove(n);
              cs.submit(() -> buildOne(store, client, plan, s, hostNetwork));
              running++;
              changed = true;
            }
          }
        }
        if (running == 0) {
          if (!pending.isEmpty()) {
            throw new IllegalStateException("build-all: no service can start among " + pending);
          }
          break;
        }
        Outcome o;
        try {
          o = cs.take().get();
        } catch (ExecutionException e) {
          throw new IllegalStateException(e.getCause());
        }
        running--;
        outcomes.put(o.service().name(), o);
        if (o.status().equals("failed")) {
          err().println("ferry: service " + o.service().name() + " failed: " + o.detail());
        } else {
          info("Built " + o.service().name() + " as " + plan.output(o.service()).familiar() + " in "
              + seconds(o.seconds()) + " s (" + o.result().cachedSteps() + "/" + o.result().steps() + " steps cached)");
        }
        err().flush();
      }
    } finally {
      pool.shutdownNow();
    }
    return plan.order().stream().map(s -> outcomes.get(s.name())).toList();
  }

  private Outcome buildOne(OciStore store, RegistryClient client, BuildAllPlan plan, Service s, boolean hostNetwork) {
    long t0 = System.nanoTime();
    PrintWriter err = err();
    String prefix = "[" + s.name() + "] ";
    BuildProgress progress = progressMode.equals("quiet") || quiet() ? BuildProgress.NONE : line -> {
      synchronized (err) {
        err.println(prefix + line);
        err.flush();
      }
    };
    BuildRequest.Builder b = BuildRequest.builder(s.context())
        .dockerfile(s.dockerfile())
        .noCache(noCache)
        .hostNetwork(hostNetwork)
        .epoch(LayerWriter.sourceDateEpoch())
        .tag(plan.output(s).toString());
    plan.platforms(s).forEach(b::platform);
    plan.args(s).forEach(b::buildArg);
    s.target().ifPresent(b::target);
    try {
      BuildResult r = ImageBuilder.of(store, Optional.of(client), progress).build(b.build());
      return new Outcome(s, "built", r, size(store, r.image()), secondsSince(t0), null);
    } catch (DockerfileException | IOException | RuntimeException e) {
      String detail = e.getMessage() == null || e.getMessage().isBlank() ? Errors.describe(e) : e.getMessage();
      return new Outcome(s, "failed", null, 0, secondsSince(t0), Errors.describe(e), detail);
    }
  }

  private static long size(OciStore store, Descriptor top) {
    try {
      return top.size() + Images.resolveAll(store, top).stream()
          .mapToLong(i -> i.manifestDescriptor().size() + i.manifest().contentSize()).sum();
    } catch (IOException | RuntimeException e) {
      return top.size();
    }
  }

  private void printOutcomes(BuildAllPlan plan, List<Outcome> outcomes, Map<String, String> pushed, ObjectNode json) {
    ArrayNode a = json.putArray("services");
    Table t = new Table("SERVICE", "IMAGE", "PLATFORMS", "STATUS", "DIGEST", "SIZE", "SECONDS", "CACHED");
    for (Outcome o : outcomes) {
      Service s = o.service();
      String platformList = plan.platforms(s).stream().map(Platform::toString).collect(Collectors.joining(","));
      boolean built = o.result() != null;
      t.add(s.name(), plan.output(s).familiar(), platformList, o.status(),
          built ? o.result().image().digest().toString().substring(0, 19) : "-",
          built ? Bytes.human(o.size()) : "-",
          built || o.status().equals("failed") ? seconds(o.seconds()) : "-",
          built ? o.result().cachedSteps() + "/" + o.result().steps() : "-");
      ObjectNode n = a.addObject();
      n.put("service", s.name());
      n.put("image", plan.output(s).toString());
      ArrayNode pl = n.putArray("platforms");
      plan.platforms(s).forEach(p -> pl.add(p.toString()));
      n.put("status", o.status());
      if (built) {
        n.put("digest", o.result().image().digest().toString());
        n.put("size", o.size());
        n.put("cachedSteps", o.result().cachedSteps());
        n.put("steps", o.result().steps());
      }
      n.put("seconds", round(o.seconds()));
      ArrayNode deps = n.putArray("dependsOn");
      plan.graph().dependencies().getOrDefault(s.name(), Set.of()).forEach(deps::add);
      if (o.error() != null) {
        n.put("error", o.error());
      }
      if (pushed.containsKey(s.name())) {
        n.put("pushed", pushed.get(s.name()));
      }
    }
    if (!json()) {
      t.print(out());
      for (Outcome o : outcomes) {
        if (o.status().equals("skipped")) {
          out().println(o.service().name() + ": skipped, " + o.error());
        }
      }
    }
  }

  private static double secondsSince(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  private static String seconds(double s) {
    return String.format(Locale.ROOT, "%.1f", s);
  }

  private static double round(double s) {
    return Math.round(s * 100) / 100.0;
  }
}
