package dev.ferry.build.services;

import dev.ferry.build.dockerfile.BuildOptions;
import dev.ferry.build.dockerfile.BuildPlan;
import dev.ferry.build.dockerfile.Dockerfile;
import dev.ferry.build.dockerfile.DockerfileException;
import dev.ferry.build.dockerfile.DockerfileParser;
import dev.ferry.build.dockerfile.ExternalImage;
import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What {@code ferry build-all} will do before it builds anything: each service's platforms and build arguments, the
 * base images to prefetch (every external {@code FROM} / {@code COPY --from} after {@code ARG} expansion, once), and
 * the services each one builds on (an external image that is another service's output). Immutable.
 */
public final class BuildAllPlan {
  /**
   * A base image some services need.
   *
   * @param reference the normalised reference
   * @param platform the platform needed
   * @param services the services that need it, in order
   */
  public record BaseImage(Reference reference, Platform platform, List<String> services) {
    public BaseImage {
      Objects.requireNonNull(reference, "reference");
      Objects.requireNonNull(platform, "platform");
      services = List.copyOf(services);
    }
  }

  private final List<Service> services;
  private final String tag;
  private final Map<String, List<Platform>> platforms;
  private final Map<String, Map<String, String>> args;
  private final List<BaseImage> baseImages;
  private final ServiceGraph graph;

  private BuildAllPlan(List<Service> services, String tag, Map<String, List<Platform>> platforms,
      Map<String, Map<String, String>> args, List<BaseImage> baseImages, ServiceGraph graph) {
    this.services = services;
    this.tag = tag;
    this.platforms = platforms;
    this.args = args;
    this.baseImages = baseImages;
    this.graph = graph;
  }

  /**
   * Parses every service's Dockerfile and plans it for each of its platforms.
   *
   * @param tag the tag of every service's output ({@code --tag}) unless its image carries one
   * @param commandArgs {@code --build-arg} values; they win over a service's {@code args}
   * @param commandPlatforms {@code --platform} values; when given they win over a service's {@code platforms}; when
   *     neither is given, the host's
   * @throws DockerfileException naming the Dockerfile, for one that does not parse or plan
   * @throws ServicesException for two services with the same output, or a dependency cycle
   */
  public static BuildAllPlan of(List<Service> services, String tag, Map<String, String> commandArgs,
      List<Platform> commandPlatforms) throws IOException, DockerfileException {
    Map<String, String> outputs = new LinkedHashMap<>();
    for (Service s : services) {
      String out = s.output(tag).toString();
      String other = outputs.putIfAbsent(out, s.name());
      if (other != null) {
        throw new ServicesException("services " + other + " and " + s.name() + " would both be tagged " + out);
      }
    }
    Map<String, List<Platform>> platforms = new LinkedHashMap<>();
    Map<String, Map<String, String>> args = new LinkedHashMap<>();
    Map<String, Set<String>> deps = new LinkedHashMap<>();
    Map<String, BaseImage> bases = new LinkedHashMap<>();
    for (Service s : services) {
      List<Platform> ps = !commandPlatforms.isEmpty() ? commandPlatforms
          : !s.platforms().isEmpty() ? s.platforms() : List.of(Platform.host());
      Map<String, String> a = new LinkedHashMap<>(s.args());
      a.putAll(commandArgs);
      platforms.put(s.name(), List.copyOf(ps));
      args.put(s.name(), java.util.Collections.unmodifiableMap(a));
      Dockerfile df;
      try {
        df = DockerfileParser.parse(s.dockerfile());
      } catch (DockerfileException e) {
        throw withService(s, e);
      }
      Set<String> d = new LinkedHashSet<>();
      for (Platform p : ps) {
        BuildOptions options = BuildOptions.defaults().withBuildArgs(a).withTargetPlatform(p)
            .withBuildPlatform(Platform.host());
        if (s.target().isPresent()) {
          options = options.withTarget(s.target().get());
        }
        BuildPlan plan;
        try {
          plan = BuildPlan.of(df, options);
        } catch (DockerfileException e) {
          throw withService(s, e);
        }
        for (ExternalImage e : plan.externalImages()) {
          String producer = outputs.get(e.reference().toString());
          if (producer != null) {
            if (producer.equals(s.name())) {
              throw new ServicesException("dependency cycle between services: " + s.name() + " -> " + s.name()
                  + " (" + s.dockerfile() + " builds on its own output " + e.reference() + ")");
            }
            d.add(producer);
            continue;
          }
          String key = e.reference() + "|" + e.platform();
          BaseImage b = bases.get(key);
          List<String> users = new ArrayList<>(b == null ? List.of() : b.services());
          if (!users.contains(s.name())) {
            users.add(s.name());
          }
          bases.put(key, new BaseImage(e.reference(), e.platform(), users));
        }
      }
      deps.put(s.name(), d);
    }
    ServiceGraph graph = ServiceGraph.of(services.stream().map(Service::name).toList(), deps);
    return new BuildAllPlan(List.copyOf(services), tag, java.util.Collections.unmodifiableMap(platforms),
        java.util.Collections.unmodifiableMap(args), List.copyOf(bases.values()), graph);
  }

  private static DockerfileException withService(Service s, DockerfileException e) {
    DockerfileException x = new DockerfileException("service " + s.name() + ": " + e.getMessage());
    x.initCause(e);
    return x;
  }

  /** The services, in the order they were given. */
  public List<Service> services() {
    return services;
  }

  /** The services in build order: each after those it builds on. */
  public List<Service> order() {
    return graph.order().stream().map(this::service).toList();
  }

  public Service service(String name) {
    return services.stream().filter(s -> s.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no service " + name));
  }

  /** The reference {@code service}'s result is tagged with. */
  public Reference output(Service service) {
    return service.output(tag);
  }

  /** The platforms {@code service} is built for. */
  public List<Platform> platforms(Service service) {
    return platforms.get(service.name());
  }

  /** The build arguments of {@code service}: its own, overridden by the command's. */
  public Map<String, String> args(Service service) {
    return args.get(service.name());
  }

  /** External images to prefetch, each reference and platform once, in the order first named. */
  public List<BaseImage> baseImages() {
    return baseImages;
  }

  /** The dependency graph between services. */
  public ServiceGraph graph() {
    return graph;
  }
}
