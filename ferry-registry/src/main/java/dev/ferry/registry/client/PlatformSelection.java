package dev.ferry.registry.client;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Index;
import dev.ferry.oci.Platform;
import dev.ferry.oci.store.ImageNotFoundException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which platforms of a multi-platform image to pull: the host's (the default), all of them
 * ({@code --all-platforms}), or a list ({@code --platform linux/amd64 --platform linux/arm64}). A single-platform
 * image is pulled whatever the selection. Immutable.
 */
public final class PlatformSelection {
  private final boolean all;
  private final List<Platform> platforms;

  private PlatformSelection(boolean all, List<Platform> platforms) {
    this.all = all;
    this.platforms = List.copyOf(platforms);
  }

  /** The platform of this machine. */
  public static PlatformSelection host() {
    return new PlatformSelection(false, List.of(Platform.host()));
  }

  /** Every entry of an index, attestations included, so that the index is stored complete. */
  public static PlatformSelection all() {
    return new PlatformSelection(true, List.of());
  }

  public static PlatformSelection of(List<Platform> platforms) {
    if (platforms.isEmpty()) {
      throw new IllegalArgumentException("a platform selection needs at least one platform (or use all())");
    }
    return new PlatformSelection(false, platforms);
  }

  public static PlatformSelection of(Platform... platforms) {
    return of(List.of(platforms));
  }

  public boolean isAll() {
    return all;
  }

  /** The platforms asked for; empty for {@link #all()}. */
  public List<Platform> platforms() {
    return platforms;
  }

  /**
   * The entries of {@code index} to pull, in index order.
   *
   * @throws ImageNotFoundException naming the missing platform and the ones the index has
   */
  public List<Descriptor> choose(Index index, String what) throws ImageNotFoundException {
    if (all) {
      return index.manifests();
    }
    Set<Descriptor> chosen = new LinkedHashSet<>();
    for (Platform p : platforms) {
      Descriptor hit =
          index.manifests().stream()
              .filter(d -> d.platform().map(p::matches).orElse(false))
              .findFirst()
              .orElseThrow(
                  () ->
                      new ImageNotFoundException(
                          what
                              + " has no "
                              + p
                              + " image; it has: "
                              + index.platforms().stream().map(Platform::toString).collect(Collectors.joining(", "))
                              + " (choose with --platform, or --all-platforms)"));
      chosen.add(hit);
    }
    List<Descriptor> ordered = new ArrayList<>();
    for (Descriptor d : index.manifests()) {
      if (chosen.contains(d)) {
        ordered.add(d);
      }
    }
    return ordered;
  }

  @Override
  public String toString() {
    return all ? "all platforms" : platforms.stream().map(Platform::toString).collect(Collectors.joining(", "));
  }
}
