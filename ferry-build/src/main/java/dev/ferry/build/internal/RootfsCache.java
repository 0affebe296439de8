package dev.ferry.build.internal;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Base images' layers extracted once and kept in the store ({@code .ferry/build-rootfs/<key>/root}, with the layer
 * digests in {@code <key>/layers}), so that a stage built on an image copies a tree ({@code cp -a}) instead of
 * gunzipping, verifying and writing every layer again — what buildah's vfs storage does with the images it holds.
 * Entries are written to a temp directory and renamed into place, so a reader sees a complete tree or none; they are
 * only ever read. Builds read them while holding the store's writer session, and {@link #prune} runs under gc's
 * exclusive lock, so no entry goes while a build uses it. Thread-safe.
 */
public final class RootfsCache {
  private static final String TMP_PREFIX = "tmp-";

  private RootfsCache() {}

  /** Extracts one layer into a directory. */
  @FunctionalInterface
  interface Extractor {
    void extract(Descriptor layer, Path root) throws IOException;
  }

  /** The extracted tree of {@code layers} (applied in order), extracting it now when the store has none yet. */
  static Path root(OciStore store, List<Descriptor> layers, Extractor extractor) throws IOException {
    Path dir = store.privateDirectory("build-rootfs");
    Path entry = dir.resolve(key(layers));
    Path root = entry.resolve("root");
    if (Files.isDirectory(root)) {
      return root;
    }
    Path tmp = dir.resolve(TMP_PREFIX + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()));
    Files.createDirectories(tmp.resolve("root"));
    try {
      for (Descriptor l : layers) {
        extractor.extract(l, tmp.resolve("root"));
      }
      Files.writeString(tmp.resolve("layers"), digests(layers), StandardCharsets.UTF_8);
      try {
        Files.move(tmp, entry, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileSystemException raced) {
        if (!Files.isDirectory(root)) {
          throw raced;
        }
        // another build extracted the same layers first: use its tree
      }
    } finally {
      if (Files.exists(tmp)) {
        Exec.quietly(List.of("rm", "-rf", "--one-file-system", tmp.toString()));
      }
    }
    return root;
  }

  /**
   * Removes entries whose layers are not all in the store any more, and temp directories of interrupted extractions.
   * Call with no build running (under gc's exclusive lock).
   *
   * @return how many were removed
   */
  public static int prune(OciStore store) throws IOException {
    Path dir = store.privateDirectory("build-rootfs");
    List<Path> doomed = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path e : s.sorted().toList()) {
        if (e.getFileName().toString().startsWith(TMP_PREFIX) || !complete(store, e)) {
          doomed.add(e);
        }
      }
    }
    for (Path e : doomed) {
      Exec.run(List.of("rm", "-rf", "--one-file-system", e.toString()));
    }
    return doomed.size();
  }

  private static boolean complete(OciStore store, Path entry) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(entry.resolve("layers"), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return false;
    }
    for (String line : lines) {
      if (!line.isBlank() && !store.exists(Digest.parse(line.strip()))) {
        return false;
      }
    }
    return Files.isDirectory(entry.resolve("root"));
  }

  private static String digests(List<Descriptor> layers) {
    StringBuilder sb = new StringBuilder();
    layers.forEach(l -> sb.append(l.digest()).append('\n'));
    return sb.toString();
  }

  /** The entry's name: the layer digests in order (blob digests are verified as they are read while extracting). */
  private static String key(List<Descriptor> layers) {
    MessageDigest md = CopyStep.sha256();
    md.update(("ferry-build-rootfs-v1\n" + digests(layers)).getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(md.digest());
  }
}
