package dev.ferry.registry.client.internal;

import dev.ferry.oci.Digest;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where this client has seen each blob, per registry: a repository that holds it, so a later push of the same
 * blob to another repository of that registry can mount it instead of uploading. Thread-safe.
 */
public final class Locations {
  private final Map<String, Map<Digest, String>> seen = new ConcurrentHashMap<>();

  public void record(String registry, Digest digest, String repository) {
    seen.computeIfAbsent(registry, r -> new ConcurrentHashMap<>()).put(digest, repository);
  }

  /** A repository of {@code registry} other than {@code except} known to hold {@code digest}. */
  public Optional<String> find(String registry, Digest digest, String except) {
    return Optional.ofNullable(seen.getOrDefault(registry, Map.of()).get(digest)).filter(r -> !r.equals(except));
  }
}
