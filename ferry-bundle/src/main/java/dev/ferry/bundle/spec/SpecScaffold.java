package dev.ferry.bundle.spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Writes a starting {@code ferry.yaml} for a directory: one image per Dockerfile found (the directory's own, and
 * one level of subdirectories), built for the default target, so that {@code ferry init && ferry pack} works
 * unedited. Stateless.
 */
public final class SpecScaffold {
  private SpecScaffold() {}

  /** The Dockerfiles {@code ferry init} would build, as context directories relative to {@code dir}, sorted. */
  public static List<Path> contexts(Path dir) throws IOException {
    List<Path> out = new ArrayList<>();
    if (Files.isRegularFile(dir.resolve("Dockerfile"))) {
      out.add(Path.of("."));
    }
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(Files::isDirectory)
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .filter(p -> Files.isRegularFile(p.resolve("Dockerfile")))
          .sorted()
          .forEach(p -> out.add(dir.relativize(p)));
    }
    return out;
  }

  /**
   * The text of a spec for {@code dir} named after it, version 0.1.0.
   *
   * @throws IllegalArgumentException when {@code dir} holds no Dockerfile
   */
  public static String text(Path dir) throws IOException {
    List<Path> contexts = contexts(dir);
    if (contexts.isEmpty()) {
      throw new IllegalArgumentException(
          "no Dockerfile in " + dir + " or its subdirectories; add one, or write ferry.yaml by hand (docs/bundles.md)");
    }
    Path abs = dir.toAbsolutePath().normalize();
    String product = slug(abs.getFileName() == null ? "delivery" : abs.getFileName().toString());
    StringBuilder b = new StringBuilder();
    b.append("# Delivery spec for ferry pack; reference: docs/bundles.md, schema: docs/ferry.schema.json\n");
    b.append("name: ").append(product).append('\n');
    b.append("version: 0.1.0\n");
    b.append("targets:\n  - x86_nvidia          # linux/amd64 with NVIDIA GPUs; arm_910b is linux/arm64 with Ascend\n");
    b.append("destination:\n  naming: keep-path     # PREFIX/<name>:<tag>; flatten gives PREFIX/<last part>:<tag>\n");
    b.append("images:\n");
    for (Path c : contexts) {
      String image = c.toString().equals(".") ? product : slug(c.getFileName().toString());
      b.append("  - name: ").append(product).append('/').append(image).append('\n');
      b.append("    build:\n      context: ").append(c.toString().equals(".") ? "." : "./" + c).append('\n');
    }
    return b.toString();
  }

  /** A repository-path component made of {@code raw}: lower case, other characters as '-'. */
  static String slug(String raw) {
    String s = raw.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    return s.isEmpty() ? "app" : s;
  }
}
