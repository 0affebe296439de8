package dev.ferry.globalfunc;

import dev.ferry.oci.io.Trees;
import dev.ferry.build.BuildProgress;
import dev.ferry.build.BuildRequest;
import dev.ferry.build.BuildResult;
import dev.ferry.build.ImageBuilder;
import dev.ferry.build.dockerfile.DockerfileException;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Worker images (the original notes' {@code worker.globalfunc:v101}): a Python base image plus the repository's
 * functions at {@code /workspace/GlobalFunc} (with every package's {@code __init__.py} regenerated) and the worker
 * runtime at {@code /opt/ferry/worker.py}, whose {@code --serve} mode answers {@code POST /gfgo/}. Built by Ferry's
 * image builder from a generated Dockerfile (no {@code RUN}, so no runc needed). Stateless.
 */
public final class WorkerImages {
  /** Where the functions are in the image. */
  public static final String ROOT = "/workspace/GlobalFunc";

  /** Where the runtime is in the image. */
  public static final String RUNTIME = "/opt/ferry/worker.py";

  /** Image labels. */
  public static final String VERSION_LABEL = "dev.ferry.globalfunc.version";

  public static final String COMMIT_LABEL = "dev.ferry.globalfunc.branch";

  /** What was packaged. */
  public record Packaged(String tag, String digest, List<String> functions, List<String> skipped) {}

  private WorkerImages() {}

  /**
   * Builds {@code tag} from {@code base} (an image in the store with {@code python3} on its PATH) and the functions of
   * {@code repo} that load; the others are skipped and named in the result.
   */
  public static Packaged build(
      OciStore store, FunctionRepository repo, String base, String version, String tag, WorkerSettings settings, BuildProgress progress)
      throws IOException {
    if (!version.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
      throw new IllegalArgumentException("a version is letters, digits, '.', '_' and '-' (v101), got '" + version + "'");
    }
    List<FunctionRecord> scanned = Scanner.scan(repo, "sp_package", settings);
    Path ctx = Files.createTempDirectory("ferry-func-package-");
    try {
      Path root = ctx.resolve("GlobalFunc");
      Files.createDirectories(root);
      List<String> functions = new ArrayList<>();
      List<String> skipped = new ArrayList<>();
      TreeSet<String> packages = new TreeSet<>();
      for (FunctionRecord f : scanned) {
        if (!f.error().isEmpty()) {
          skipped.add(f.packFunc() + " (" + f.error() + ")");
          continue;
        }
        Path dir = root.resolve(f.packageName());
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(f.name() + ".py"), f.code());
        functions.add(f.packFunc());
        packages.add(f.packageName());
      }
      if (functions.isEmpty()) {
        throw new IOException("no function in " + repo.root() + " loads; nothing to package");
      }
      StringBuilder top = new StringBuilder();
      for (String p : packages) {
        FunctionRepository.writeInit(root.resolve(p));
        top.append("from . import ").append(p).append('\n');
      }
      Files.writeString(root.resolve("__init__.py"), top.toString());
      Files.write(ctx.resolve("worker.py"), WorkerRuntime.bytes());
      String dockerfile =
          "FROM " + base + "\n"
              + "COPY GlobalFunc " + ROOT + "\n"
              + "COPY worker.py " + RUNTIME + "\n"
              + "ENV PYTHONDONTWRITEBYTECODE=1\n"
              + "WORKDIR /workspace\n"
              + "LABEL " + VERSION_LABEL + "=\"" + version + "\" " + COMMIT_LABEL + "=\"" + repo.branch() + "\"\n"
              + "CMD [\"python3\", \"" + RUNTIME + "\", \"--serve\", \"" + ROOT + "\", \"--listen\", \"127.0.0.1:8000\"]\n";
      Files.writeString(ctx.resolve("Dockerfile"), dockerfile, StandardCharsets.UTF_8);
      BuildRequest req = BuildRequest.builder(ctx).tag(tag).build();
      BuildResult r;
      try {
        r = ImageBuilder.of(store, Optional.empty(), progress).build(req);
      } catch (DockerfileException e) {
        throw new IOException("the generated Dockerfile did not build: " + e.getMessage(), e);
      }
      return new Packaged(tag, r.image().digest().toString(), functions, skipped);
    } finally {
      Trees.delete(ctx);
    }
  }
}
