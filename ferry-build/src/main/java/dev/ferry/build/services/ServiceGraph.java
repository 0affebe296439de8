package dev.ferry.build.services;

import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which service builds on which, and an order to build them in. Immutable.
 */
public final class ServiceGraph {
  private final Map<String, Set<String>> dependencies;
  private final List<String> order;

  private ServiceGraph(Map<String, Set<String>> dependencies, List<String> order) {
    this.dependencies = dependencies;
    this.order = order;
  }

  /**
   * Orders {@code names} so that every service comes after the services it depends on; among services whose
   * dependencies are met, the given order is kept.
   *
   * @param dependencies service to the services it builds on (missing entries: none)
   * @throws ServicesException for a cycle, naming the services in it ({@code a -> b -> a})
   */
  public static ServiceGraph of(List<String> names, Map<String, Set<String>> dependencies) {
    Map<String, Set<String>> deps = new LinkedHashMap<>();
    for (String n : names) {
      Set<String> d = new LinkedHashSet<>(dependencies.getOrDefault(n, Set.of()));
      for (String x : d) {
        if (!names.contains(x)) {
          throw new IllegalArgumentException("service " + n + " depends on unknown service " + x);
        }
      }
      deps.put(n, java.util.Collections.unmodifiableSet(d));
    }
    List<String> order = new ArrayList<>();
    Set<String> done = new HashSet<>();
    boolean progress = true;
    while (progress && order.size() < names.size()) {
      progress = false;
      for (String n : names) {
        if (!done.contains(n) && done.containsAll(deps.get(n))) {
          order.add(n);
          done.add(n);
          progress = true;
          break; // restart from the top: keeps the given order among ready services
        }
      }
    }
    if (order.size() < names.size()) {
      throw new ServicesException("dependency cycle between services: " + String.join(" -> ", cycle(names, deps, done)));
    }
    return new ServiceGraph(java.util.Collections.unmodifiableMap(deps), List.copyOf(order));
  }

  /** One cycle among the services not in {@code done}, its first service repeated at the end. */
  private static List<String> cycle(List<String> names, Map<String, Set<String>> deps, Set<String> done) {
    Map<String, Integer> state = new HashMap<>(); // 1 on the path, 2 finished
    for (String start : names) {
      if (done.contains(start) || state.containsKey(start)) {
        continue;
      }
      Deque<String> path = new ArrayDeque<>();
      List<String> c = walk(start, deps, done, state, path);
      if (c != null) {
        return c;
      }
    }
    throw new IllegalStateException("no cycle found among " + names);
  }

  private static List<String> walk(String n, Map<String, Set<String>> deps, Set<String> done, Map<String, Integer> state,
      Deque<String> path) {
    state.put(n, 1);
    path.addLast(n);
    for (String d : deps.get(n)) {
      if (done.contains(d)) {
        continue;
      }
      Integer s = state.get(d);
      if (s != null && s == 1) {
        // n depends on d which is on the path: the cycle is d ... n, read as "d is needed by ..." reversed.
        List<String> onPath = new ArrayList<>(path);
        List<String> c = new ArrayList<>(onPath.subList(onPath.indexOf(d), onPath.size()));
        c.add(d);
        return c;
      }
      if (s == null) {
        List<String> c = walk(d, deps, done, state, path);
        if (c != null) {
          return c;
        }
      }
    }
    path.removeLast();
    state.put(n, 2);
    return null;
  }

  /** Service to the services it builds on. */
  public Map<String, Set<String>> dependencies() {
    return dependencies;
  }

  /** The services, each after those it depends on. */
  public List<String> order() {
    return order;
  }

  /** Every service that depends on {@code name}, directly or not. */
  public Set<String> dependants(String name) {
    Set<String> out = new LinkedHashSet<>();
    boolean grew = true;
    while (grew) {
      grew = false;
      for (String n : order) {
        if (!out.contains(n) && (deps(n).contains(name) || deps(n).stream().anyMatch(out::contains))) {
          out.add(n);
          grew = true;
        }
      }
    }
    return out;
  }

  private Set<String> deps(String n) {
    return dependencies.getOrDefault(n, Set.of());
  }
}
