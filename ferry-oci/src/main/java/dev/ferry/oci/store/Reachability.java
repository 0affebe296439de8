package dev.ferry.oci.store;

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

/**
 * Walks the graph of blobs reachable from descriptors: an index to its manifests, a manifest to its config, layers
 * and subject. Records every problem it meets instead of stopping at the first. Not thread-safe.
 */
final class Reachability {

  /**
   * A blob some document refers to, with the first path that reached it.
   *
   * @param mayBeAbsent an entry of an index named as partially pulled ({@link Images#PARTIAL}): absent is fine
   */
  record Ref(Descriptor descriptor, String path, boolean mayBeAbsent) {
    Ref(Descriptor descriptor, String path) {
      this(descriptor, path, false);
    }
  }

  private final OciStore store;
  private final Map<Digest, Ref> reached = new LinkedHashMap<>();
  private final List<String> problems = new ArrayList<>();

  Reachability(OciStore store) {
    this.store = store;
  }

  /** Walks from {@code roots}; {@code label} names each root in problem reports. */
  Reachability walk(List<Descriptor> roots) {
    Deque<Ref> todo = new ArrayDeque<>();
    for (Descriptor d : roots) {
      todo.add(new Ref(d, d.refName().map(n -> "'" + n + "'").orElse(d.digest().toString())));
    }
    while (!todo.isEmpty()) {
      Ref r = todo.poll();
      Descriptor d = r.descriptor();
      if (reached.putIfAbsent(d.digest(), r) != null) {
        continue;
      }
      if (!store.exists(d.digest())) {
        // Foreign (non-distributable) layers with URLs and platforms not pulled are legitimately absent.
        if (d.urls().isEmpty() && !r.mayBeAbsent()) {
          problems.add("missing blob " + d.digest() + " (" + d.mediaType() + ") referenced by " + r.path());
        }
        continue;
      }
      try {
        long size = store.size(d.digest());
        if (size != d.size()) {
          problems.add(
              "blob " + d.digest() + " has " + size + " bytes but " + r.path() + " declares " + d.size());
          continue;
        }
        if (d.isIndex()) {
          Index idx = store.readIndex(d);
          boolean partial = Images.isPartial(d);
          for (Descriptor m : idx.manifests()) {
            todo.add(
                new Ref(m, r.path() + " > " + m.platform().map(Object::toString).orElse(m.digest().shortHex()), partial));
          }
          idx.subject().filter(s -> store.exists(s.digest())).ifPresent(s -> todo.add(new Ref(s, r.path() + " > subject")));
        } else if (d.isManifest()) {
          Manifest m = store.readManifest(d);
          todo.add(new Ref(m.config(), r.path() + " > config"));
          int i = 0;
          for (Descriptor l : m.layers()) {
            todo.add(new Ref(l, r.path() + " > layer " + i++));
          }
          m.subject().filter(s -> store.exists(s.digest())).ifPresent(s -> todo.add(new Ref(s, r.path() + " > subject")));
        }
      } catch (IOException | IllegalArgumentException e) {
        problems.add("cannot read " + d.digest() + " referenced by " + r.path() + ": " + e.getMessage());
      }
    }
    return this;
  }

  Map<Digest, Ref> reached() {
    return reached;
  }

  List<String> problems() {
    return problems;
  }
}
