package dev.ferry.cli;

import dev.ferry.build.BuildException;
import dev.ferry.build.BuildProgress;
import dev.ferry.build.BuildRequest;
import dev.ferry.build.BuildResult;
import dev.ferry.build.ImageBuilder;
import dev.ferry.build.dockerfile.DockerfileException;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import dev.ferry.oci.archive.DockerArchive;
import dev.ferry.oci.archive.OciArchive;
import dev.ferry.oci.layer.LayerWriter;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.client.RegistryClient;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry build}: a Dockerfile into the store, without a daemon. */
@Command(name = "build", description = "Build an image from a Dockerfile into the store (RUN steps run in runc).")
final class BuildCommand extends BaseCommand {
  @Parameters(paramLabel = "CONTEXT", description = "Build context directory.")
  Path context;

  @Option(names = {"-f", "--file"}, paramLabel = "DOCKERFILE", description = "Dockerfile (default: CONTEXT/Dockerfile).")
  Path file;

  @Option(names = {"-t", "--tag"}, paramLabel = "REF", description = "Name the result (repeatable).")
  List<String> tags = new ArrayList<>();

  @Option(names = "--platform", paramLabel = "OS/ARCH[,...]", split = ",", description = "Platforms to build (default: this machine's); several give an index.")
  List<String> platforms = new ArrayList<>();

  @Option(names = "--build-arg", paramLabel = "K=V", description = "Build argument (repeatable).")
  List<String> buildArgs = new ArrayList<>();

  @Option(names = "--target", paramLabel = "STAGE", description = "Build this stage instead of the last.")
  String target;

  @Option(names = "--no-cache", description = "Run every step; do not look in the step cache.")
  boolean noCache;

  @Option(names = "--progress", paramLabel = "plain|auto|quiet", description = "Progress output on stderr (default auto, which is plain for now).")
  String progressMode = "auto";

  @Option(names = "--network", paramLabel = "default|none|host", description = "Network of RUN steps (default: none).")
  String network = "default";

  @Option(names = "--secret", paramLabel = "id=ID,src=PATH", description = "A secret RUN --mount=type=secret can mount (repeatable).")
  List<String> secrets = new ArrayList<>();

  @Option(names = "--output", paramLabel = "type=oci|docker-archive,dest=PATH", description = "Also write the result as an OCI layout directory or a docker-archive tarball.")
  String output;

  @Option(names = "--compression", paramLabel = "gzip|zstd|none", description = "Layer compression (default: gzip).")
  MediaType.Compression compression = MediaType.Compression.GZIP;

  @Option(names = "--push", description = "Push each -t name to its registry after the build.")
  boolean push;

  @Option(names = "--jobs", paramLabel = "N", description = "Stages (of any platform) run at once (default: one per core); the result is the same for any N.")
  Integer jobs;

  @Mixin RegistryOptions registry;

  @Override
  int execute() throws Exception {
    if (!Files.isDirectory(context)) {
      throw new UsageException("build context " + context + " is not a directory");
    }
    BuildRequest.Builder b = BuildRequest.builder(context)
        .dockerfile(file != null ? file : context.resolve("Dockerfile"))
        .noCache(noCache)
        .compression(compression)
        .epoch(LayerWriter.sourceDateEpoch());
    if (jobs != null) {
      if (jobs < 1) {
        throw new UsageException("--jobs must be at least 1, got " + jobs);
      }
      b.jobs(jobs);
    }
    tags.forEach(t -> {
      try {
        Reference.parse(t);
      } catch (IllegalArgumentException e) {
        throw new UsageException("-t " + t + ": " + e.getMessage());
      }
      b.tag(t);
    });
    java.util.Set<Platform> seen = new java.util.HashSet<>();
    for (String p : platforms) {
      Platform platform;
      try {
        platform = Platform.parse(p.strip());
      } catch (IllegalArgumentException e) {
        throw new UsageException("--platform " + p + ": " + e.getMessage());
      }
      if (!seen.add(platform)) {
        throw new UsageException("--platform names " + platform + " twice; an index holds one image per platform");
      }
      b.platform(platform);
    }
    for (String kv : buildArgs) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        // --build-arg NAME takes the value from the environment, as docker does
        String v = System.getenv(kv);
        if (v == null) {
          continue;
        }
        b.buildArg(kv, v);
      } else {
        b.buildArg(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    if (target != null) {
      b.target(target);
    }
    switch (network) {
      case "host" -> b.hostNetwork(true);
      case "default", "none" -> b.hostNetwork(false);
      default -> throw new UsageException("--network must be default, none or host, got " + network);
    }
    for (String s : secrets) {
      Map<String, String> f = fields("--secret", s);
      String id = f.get("id");
      String src = f.getOrDefault("src", f.get("source"));
      if (id == null || src == null) {
        throw new UsageException("--secret needs id=ID,src=PATH, got " + s);
      }
      if (!Files.isRegularFile(Path.of(src))) {
        throw new UsageException("--secret " + id + ": no such file " + src);
      }
      b.secret(id, Path.of(src));
    }
    Map<String, String> out = output == null ? Map.of() : fields("--output", output);
    if (output != null && (!List.of("oci", "docker-archive").contains(out.get("type")) || out.get("dest") == null)) {
      throw new UsageException("--output needs type=oci|docker-archive,dest=PATH, got " + output);
    }
    if (push && tags.isEmpty()) {
      throw new UsageException("--push needs at least one -t name");
    }
    BuildProgress progress = switch (progressMode) {
      case "quiet" -> BuildProgress.NONE;
      case "plain", "auto" -> quiet() ? BuildProgress.NONE : line -> {
        err().println(line);
        err().flush();
      };
      default -> throw new UsageException("--progress must be plain, auto or quiet, got " + progressMode);
    };

    OciStore store = store();
    BuildResult result;
    try (RegistryClient client = registry.client()) {
      try {
        result = ImageBuilder.of(store, Optional.of(client), progress).build(b.build());
      } catch (DockerfileException e) {
        err().println("ferry: " + e.getMessage());
        return 1;
      } catch (BuildException e) {
        err().println("ferry: " + e.getMessage());
        return 1;
      }
      if (!out.isEmpty()) {
        List<String> names = new ArrayList<>(tags.stream().map(Images::storeName).toList());
        String temp = null;
        if (names.isEmpty()) {
          temp = "localhost/ferry-build-output:" + result.image().digest().hex().substring(0, 12);
          store.tag(temp, result.image());
          names.add(temp);
        }
        try {
          Path dest = Path.of(out.get("dest"));
          if (out.get("type").equals("oci")) {
            OciArchive.exportLayout(store, names, dest);
          } else {
            try (OutputStream os = Files.newOutputStream(dest)) {
              DockerArchive.export(store, names, os);
            }
          }
        } finally {
          if (temp != null) {
            store.untag(temp);
          }
        }
      }
      if (push) {
        for (String t : tags) {
          try (TransferProgress p = new TransferProgress(this, "pushing")) {
            client.push(store, Images.storeName(t), Reference.parse(t), p);
          }
          info("Pushed " + t);
        }
      }
    }
    info("Built " + (tags.isEmpty() ? "" : String.join(", ", tags) + " ") + "(" + result.cachedSteps() + "/"
        + result.steps() + " steps cached)");
    out().println(result.image().digest());
    return 0;
  }

  private static Map<String, String> fields(String option, String value) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String part : value.split(",")) {
      int eq = part.indexOf('=');
      if (eq <= 0) {
        throw new UsageException(option + " expects key=value pairs separated by commas, got " + value);
      }
      m.put(part.substring(0, eq).strip(), part.substring(eq + 1).strip());
    }
    return m;
  }
}
