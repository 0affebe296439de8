package dev.ferry.bundle.spec;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Python wheelhouse to deliver, as written in {@code ferry.yaml}. Ferry's bundle module only reads the common
 * fields; the rest ({@code settings}) is handed unchanged to the {@link dev.ferry.bundle.WheelhouseProvider} that
 * fills it. Immutable.
 *
 * @param name repository path at the destination ({@code wheels/service})
 * @param tag tag at the destination (default: the delivery's version)
 * @param targets targets it is built for (default: every target of the delivery)
 * @param settings every other field of the entry, as strings, lists and maps
 */
public record WheelhouseSpec(String name, String tag, List<String> targets, Map<String, Object> settings) {
  public WheelhouseSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(tag, "tag");
    targets = List.copyOf(targets);
    settings = Map.copyOf(settings);
  }
}
