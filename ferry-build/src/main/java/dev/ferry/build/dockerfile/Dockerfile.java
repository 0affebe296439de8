package dev.ferry.build.dockerfile;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed Dockerfile: parser directives, the {@code ARG}s before the first {@code FROM}, and the stages. Immutable.
 * {@link DockerfileParser} makes one.
 *
 * @param file the name it was parsed under (used in every {@link Location})
 * @param directives the parser directives at the top
 * @param globalArgs the {@code ARG}s before the first {@code FROM}, in order
 * @param stages the stages in order, at least one
 * @param escape the escape character ({@code \} or {@code `})
 * @param warnings things BuildKit accepts but warns about (empty continuation lines, {@code MAINTAINER}, legacy
 *     {@code ENV k v}), each starting with {@code file:line:}
 */
public record Dockerfile(
    String file, List<Directive> directives, List<Arg> globalArgs, List<Stage> stages, char escape, List<String> warnings) {

  public Dockerfile {
    Objects.requireNonNull(file, "file");
    directives = List.copyOf(directives);
    globalArgs = List.copyOf(globalArgs);
    stages = List.copyOf(stages);
    warnings = List.copyOf(warnings);
    if (stages.isEmpty()) {
      throw new IllegalArgumentException("a Dockerfile needs at least one stage: " + file);
    }
  }

  /** The value of a parser directive, e.g. {@code directive("syntax")}. */
  public Optional<String> directive(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return directives.stream().filter(d -> d.name().equals(n)).map(Directive::value).findFirst();
  }

  /** The stage named {@code name} (case-insensitive) or with that index. */
  public Optional<Stage> stage(String nameOrIndex) {
    String n = nameOrIndex.toLowerCase(Locale.ROOT);
    for (Stage s : stages) {
      if (s.name().isPresent() && s.name().get().equals(n)) {
        return Optional.of(s);
      }
    }
    if (n.matches("[0-9]{1,9}")) {
      int i = Integer.parseInt(n);
      if (i < stages.size()) {
        return Optional.of(stages.get(i));
      }
    }
    return Optional.empty();
  }
}
