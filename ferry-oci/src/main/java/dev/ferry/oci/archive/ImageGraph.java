package dev.ferry.oci.archive;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Index;
import dev.ferry.oci.Manifest;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Every blob reachable from some roots (index → manifests of every platform → config and layers), each checked to
 * be present with its declared size, collecting every problem rather than stopping at the first. Not thread-safe.
 */
final class ImageGraph {
  private final Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
  private final List<String> problems = new ArrayList<>();

  private ImageGraph() {}

  /**
   * Walks from {@code roots} in {@code source}. {@code present} decides whether a blob counts as there (an
   * import asks "was it in the archive", not just "is it in the store").
   */
  static ImageGraph walk(BlobSource source, List<Descriptor> roots, Predicate<Digest> present) {
    ImageGraph g = new ImageGraph();
    Deque<Descriptor> todo = new ArrayDeque<>(roots);
    Map<Digest, String> via = new LinkedHashMap<>();
    roots.forEach(r -> via.put(r.digest(), r.refName().map(n -> "'" + n + "'").orElse(r.digest().toString())));
    while (!todo.isEmpty()) {
      Descriptor d = todo.poll();
      if (g.blobs.putIfAbsent(d.digest(), d) != null) {
        continue;
      }
      String path = via.getOrDefault(d.digest(), d.digest().toString());
      try {
        if (!present.test(d.digest()) || !source.exists(d.digest())) {
          // Non-distributable layers that name URLs are legitimately absent.
          if (d.urls().isEmpty()) {
            g.problems.add("missing blob " + d.digest() + " (" + d.mediaType() + ") referenced by " + path);
          }
          g.blobs.remove(d.digest());
          continue;
        }
        long size = source.size(d.digest());
        if (size != d.size()) {
          g.problems.add("blob " + d.digest() + " has " + size + " bytes but " + path + " declares " + d.size());
          continue;
        }
        List<Descriptor> children = new ArrayList<>();
        if (d.isIndex()) {
          Index idx = Index.parse(source.read(d.digest()), Optional.of(d.mediaType()));
          children.addAll(idx.manifests());
          idx.subject().filter(s -> exists(source, present, s)).ifPresent(children::add);
        } else if (d.isManifest()) {
          Manifest m = Manifest.parse(source.read(d.digest()), Optional.of(d.mediaType()));
          children.add(m.config());
          children.addAll(m.layers());
          m.subject().filter(s -> exists(source, present, s)).ifPresent(children::add);
        }
        for (Descriptor c : children) {
          via.putIfAbsent(c.digest(), path + " > " + c.platform().map(Object::toString).orElse(c.digest().shortHex()));
          todo.add(c);
        }
      } catch (IOException | IllegalArgumentException e) {
        g.problems.add("cannot read " + d.digest() + " referenced by " + path + ": " + e.getMessage());
      }
    }
    return g;
  }

  private static boolean exists(BlobSource source, Predicate<Digest> present, Descriptor d) {
    try {
      return present.test(d.digest()) && source.exists(d.digest());
    } catch (IOException e) {
      return false;
    }
  }

  /** Reachable blobs that are present, in walk order. */
  Map<Digest, Descriptor> blobs() {
    return blobs;
  }

  List<String> problems() {
    return problems;
  }

  /** Throws if anything was missing or unreadable, listing up to ten problems. */
  ImageGraph check(String what) throws IOException {
    if (!problems.isEmpty()) {
      List<String> shown = problems.subList(0, Math.min(10, problems.size()));
      throw new IOException(
          what
              + ": "
              + problems.size()
              + " problem(s): "
              + String.join("; ", shown)
              + (problems.size() > shown.size() ? "; …" : ""));
    }
    return this;
  }
}
