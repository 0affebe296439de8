package dev.ferry.build;

import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What to build: the context, the Dockerfile, names, platforms, args and switches of one {@code ferry build}.
 * Immutable; made with {@link #builder(Path)}.
 *
 * @param context the build context directory
 * @param dockerfile the Dockerfile (default {@code context/Dockerfile})
 * @param tags names to give the result, as typed (normalised when stored)
 * @param platforms platforms to build; several give an OCI index
 * @param buildArgs {@code --build-arg} values
 * @param target the {@code --target} stage
 * @param noCache whether cache lookups are skipped (results are still recorded)
 * @param hostNetwork whether {@code RUN} uses the host's network namespace
 * @param secrets {@code --secret id=...,src=...} files by id
 * @param compression layer compression
 * @param epoch {@code SOURCE_DATE_EPOCH}: file times are clamped to it and configs carry it as {@code created}
 * @param jobs how many stages (of any platform) may run at once; the result is the same for any value
 */
public record BuildRequest(
    Path context,
    Path dockerfile,
    List<String> tags,
    List<Platform> platforms,
    Map<String, String> buildArgs,
    Optional<String> target,
    boolean noCache,
    boolean hostNetwork,
    Map<String, Path> secrets,
    MediaType.Compression compression,
    Instant epoch,
    int jobs) {

  public BuildRequest {
    Objects.requireNonNull(context, "context");
    Objects.requireNonNull(dockerfile, "dockerfile");
    tags = List.copyOf(tags);
    platforms = List.copyOf(platforms);
    if (platforms.isEmpty()) {
      throw new IllegalArgumentException("a build needs at least one platform, got none");
    }
    buildArgs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(buildArgs));
    Objects.requireNonNull(target, "target");
    secrets = Map.copyOf(secrets);
    Objects.requireNonNull(compression, "compression");
    Objects.requireNonNull(epoch, "epoch");
    if (jobs < 1) {
      throw new IllegalArgumentException("jobs must be at least 1, got " + jobs);
    }
  }

  /** A builder for a build of {@code context} with its {@code Dockerfile}, for the host platform. */
  public static Builder builder(Path context) {
    return new Builder(context);
  }

  /** Collects a {@link BuildRequest}. Not thread-safe. */
  public static final class Builder {
    private final Path context;
    private Path dockerfile;
    private final List<String> tags = new ArrayList<>();
    private final List<Platform> platforms = new ArrayList<>();
    private final Map<String, String> buildArgs = new LinkedHashMap<>();
    private Optional<String> target = Optional.empty();
    private boolean noCache;
    private boolean hostNetwork;
    private final Map<String, Path> secrets = new LinkedHashMap<>();
    private MediaType.Compression compression = MediaType.Compression.GZIP;
    private Instant epoch = Instant.EPOCH;
    /** One stage per core: a stage is busy with compression, extraction or its RUN's own work. */
    private int jobs = Runtime.getRuntime().availableProcessors();

    private Builder(Path context) {
      this.context = Objects.requireNonNull(context, "context");
    }

    public Builder dockerfile(Path file) {
      this.dockerfile = file;
      return this;
    }

    public Builder tag(String ref) {
      tags.add(ref);
      return this;
    }

    public Builder platform(Platform p) {
      platforms.add(p);
      return this;
    }

    public Builder buildArg(String name, String value) {
      buildArgs.put(name, value);
      return this;
    }

    public Builder target(String stage) {
      this.target = Optional.of(stage);
      return this;
    }

    public Builder noCache(boolean noCache) {
      this.noCache = noCache;
      return this;
    }

    public Builder hostNetwork(boolean hostNetwork) {
      this.hostNetwork = hostNetwork;
      return this;
    }

    public Builder secret(String id, Path file) {
      secrets.put(id, file);
      return this;
    }

    public Builder compression(MediaType.Compression compression) {
      this.compression = compression;
      return this;
    }

    public Builder epoch(Instant epoch) {
      this.epoch = epoch;
      return this;
    }

    public Builder jobs(int jobs) {
      this.jobs = jobs;
      return this;
    }

    public BuildRequest build() {
      return new BuildRequest(
          context,
          dockerfile != null ? dockerfile : context.resolve("Dockerfile"),
          tags,
          platforms.isEmpty() ? List.of(Platform.host()) : platforms,
          buildArgs,
          target,
          noCache,
          hostNetwork,
          secrets,
          compression,
          epoch,
          jobs);
    }
  }
}
