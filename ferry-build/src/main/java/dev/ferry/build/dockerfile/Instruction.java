package dev.ferry.build.dockerfile;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One Dockerfile instruction, as written: a record per keyword, each with its {@link Location} (line and column
 * range) and original text (continuations, comments inside them and here-document bodies included). Immutable.
 *
 * <p>Values are raw: {@code $} references, quotes and escapes are still in them. {@link #expand} returns the
 * instruction with them processed, for the instructions the Dockerfile reference says expand; the others (
 * {@code RUN}, {@code CMD}, {@code ENTRYPOINT}, {@code SHELL}, {@code HEALTHCHECK}, {@code ONBUILD},
 * {@code MAINTAINER}) return themselves, except that {@code RUN} expands its {@code --mount} options.
 */
public sealed interface Instruction {

  /** Where the instruction is. */
  Location location();

  /** The instruction's original text, exactly as in the file. */
  String text();

  /** The upper-case keyword, e.g. {@code COPY}. */
  String keyword();

  /**
   * This instruction with variables substituted and quotes removed in the parts that expand.
   *
   * @throws DockerfileException at this instruction, for {@code ${X:?}} on an unset variable or a bad substitution
   */
  default Instruction expand(Expander expander) throws DockerfileException {
    return this;
  }

  private static String ex(Expander e, String word, Instruction at) throws DockerfileException {
    try {
      return e.expand(word);
    } catch (DockerfileException x) {
      throw x.at(at.location(), at.text());
    }
  }

  private static Optional<String> ex(Expander e, Optional<String> word, Instruction at) throws DockerfileException {
    return word.isPresent() ? Optional.of(ex(e, word.get(), at)) : word;
  }

  private static List<String> ex(Expander e, List<String> words, Instruction at) throws DockerfileException {
    List<String> out = new ArrayList<>(words.size());
    for (String w : words) {
      out.add(ex(e, w, at));
    }
    return out;
  }

  private static List<Heredoc> exHeredocs(Expander e, List<Heredoc> docs, Instruction at) throws DockerfileException {
    List<Heredoc> out = new ArrayList<>(docs.size());
    for (Heredoc h : docs) {
      if (!h.expand()) {
        out.add(h);
        continue;
      }
      try {
        out.add(new Heredoc(h.name(), e.expandHeredoc(h.content()), true, h.chomp(), h.fileDescriptor()));
      } catch (DockerfileException x) {
        throw x.at(at.location(), at.text());
      }
    }
    return out;
  }

  private static List<KeyValue> exPairs(Expander e, List<KeyValue> pairs, Instruction at) throws DockerfileException {
    List<KeyValue> out = new ArrayList<>(pairs.size());
    for (KeyValue kv : pairs) {
      out.add(new KeyValue(ex(e, kv.key(), at), ex(e, kv.value(), at)));
    }
    return out;
  }

  /**
   * {@code FROM [--platform=P] image [AS name]}.
   *
   * @param image the image text (a reference, a stage name or {@code scratch}), raw
   * @param platform the {@code --platform} value, raw
   * @param name the stage name in lower case
   */
  record From(Location location, String text, String image, Optional<String> platform, Optional<String> name)
      implements Instruction {
    public From {
      Objects.requireNonNull(image, "image");
      Objects.requireNonNull(platform, "platform");
      Objects.requireNonNull(name, "name");
    }

    @Override
    public String keyword() {
      return "FROM";
    }

    @Override
    public From expand(Expander e) throws DockerfileException {
      return new From(location, text, ex(e, image, this), ex(e, platform, this), name);
    }
  }

  /**
   * {@code RUN [--mount=...] [--network=none|host|default] [--security=...] command}.
   *
   * @param command the command; with heredocs, the shell-form line that names them
   * @param mounts the {@code --mount} options in order
   * @param network the {@code --network} value
   * @param security the {@code --security} value
   * @param heredocs here-documents in the order they appear
   */
  record Run(
      Location location,
      String text,
      Command command,
      List<Mount> mounts,
      Optional<String> network,
      Optional<String> security,
      List<Heredoc> heredocs)
      implements Instruction {
    public Run {
      Objects.requireNonNull(command, "command");
      mounts = List.copyOf(mounts);
      Objects.requireNonNull(network, "network");
      Objects.requireNonNull(security, "security");
      heredocs = List.copyOf(heredocs);
    }

    @Override
    public String keyword() {
      return "RUN";
    }

    /**
     * The command the shell runs, heredocs folded in as BuildKit does: {@code RUN <<EOF} alone runs the body as the
     * script (a body starting with {@code #!} is meant to be run as a file by its interpreter; the executor decides);
     * otherwise the bodies follow the command line, each ended by its delimiter, for the shell to read.
     */
    public Command effectiveCommand() {
      if (heredocs.isEmpty() || command.execForm()) {
        return command;
      }
      String line = command.commandLine().strip();
      if (heredocs.size() == 1 && line.matches("[0-9]*<<-?[\"']?" + java.util.regex.Pattern.quote(heredocs.get(0).name())
          + "[\"']?")) {
        return Command.shell(heredocs.get(0).content());
      }
      StringBuilder full = new StringBuilder(command.commandLine());
      for (Heredoc h : heredocs) {
        full.append('\n').append(h.content()).append(h.name());
      }
      return Command.shell(full.toString());
    }

    @Override
    public Run expand(Expander e) throws DockerfileException {
      List<Mount> expanded = new ArrayList<>(mounts.size());
      for (Mount m : mounts) {
        try {
          expanded.add(Mount.parse(e.expand(m.spec())));
        } catch (DockerfileException x) {
          throw x.at(location, text);
        }
      }
      return new Run(location, text, command, expanded, network, security, heredocs);
    }
  }

  /**
   * {@code COPY [--from=...] [--chown=...] [--chmod=...] [--link] [--parents] [--exclude=...] src... dest}.
   *
   * @param sources source paths or patterns, relative to the context (or the {@code from} stage or image)
   * @param heredocs inline sources ({@code COPY <<EOF /dest}), each a file named after its delimiter
   * @param destination the destination, raw
   * @param from the {@code --from} value: a stage name, a stage index or an image
   */
  record Copy(
      Location location,
      String text,
      List<String> sources,
      List<Heredoc> heredocs,
      String destination,
      Optional<String> from,
      Optional<String> chown,
      Optional<String> chmod,
      boolean link,
      boolean parents,
      List<String> excludes)
      implements Instruction {
    public Copy {
      sources = List.copyOf(sources);
      heredocs = List.copyOf(heredocs);
      Objects.requireNonNull(destination, "destination");
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(chown, "chown");
      Objects.requireNonNull(chmod, "chmod");
      excludes = List.copyOf(excludes);
    }

    @Override
    public String keyword() {
      return "COPY";
    }

    @Override
    public Copy expand(Expander e) throws DockerfileException {
      return new Copy(location, text, ex(e, sources, this), exHeredocs(e, heredocs, this), ex(e, destination, this),
          ex(e, from, this), ex(e, chown, this), ex(e, chmod, this), link, parents, ex(e, excludes, this));
    }
  }

  /**
   * {@code ADD [--chown=...] [--chmod=...] [--link] [--checksum=...] [--keep-git-dir] [--exclude=...] src... dest}:
   * like {@code COPY}, but a local tar archive source is extracted and a URL or git source is fetched.
   */
  record Add(
      Location location,
      String text,
      List<String> sources,
      List<Heredoc> heredocs,
      String destination,
      Optional<String> chown,
      Optional<String> chmod,
      boolean link,
      Optional<String> checksum,
      boolean keepGitDir,
      List<String> excludes)
      implements Instruction {
    public Add {
      sources = List.copyOf(sources);
      heredocs = List.copyOf(heredocs);
      Objects.requireNonNull(destination, "destination");
      Objects.requireNonNull(chown, "chown");
      Objects.requireNonNull(chmod, "chmod");
      Objects.requireNonNull(checksum, "checksum");
      excludes = List.copyOf(excludes);
    }

    @Override
    public String keyword() {
      return "ADD";
    }

    /** Whether a source is remote ({@code http://}, {@code https://}, a git URL) rather than a context path. */
    public static boolean isRemote(String source) {
      String s = source.toLowerCase(java.util.Locale.ROOT);
      return s.startsWith("http://") || s.startsWith("https://") || s.startsWith("git@") || s.startsWith("git://")
          || s.startsWith("ssh://");
    }

    @Override
    public Add expand(Expander e) throws DockerfileException {
      return new Add(location, text, ex(e, sources, this), exHeredocs(e, heredocs, this), ex(e, destination, this),
          ex(e, chown, this), ex(e, chmod, this), link, ex(e, checksum, this), keepGitDir, ex(e, excludes, this));
    }
  }

  /**
   * {@code ENV k=v ...} or the legacy {@code ENV k v} (the value is the rest of the line).
   *
   * @param legacy whether the legacy one-pair form was used
   */
  record Env(Location location, String text, List<KeyValue> pairs, boolean legacy) implements Instruction {
    public Env {
      pairs = List.copyOf(pairs);
    }

    @Override
    public String keyword() {
      return "ENV";
    }

    /** Every pair is expanded against the variables in scope before this instruction, as Docker does. */
    @Override
    public Env expand(Expander e) throws DockerfileException {
      return new Env(location, text, exPairs(e, pairs, this), legacy);
    }
  }

  /** {@code ARG name[=default] ...}. Its defaults expand when the build reaches it (see {@link StageEnvironment}). */
  record ArgInstruction(Location location, String text, List<Arg> args) implements Instruction {
    public ArgInstruction {
      args = List.copyOf(args);
    }

    @Override
    public String keyword() {
      return "ARG";
    }
  }

  /** {@code LABEL k=v ...} or the legacy {@code LABEL k v}. */
  record Label(Location location, String text, List<KeyValue> pairs) implements Instruction {
    public Label {
      pairs = List.copyOf(pairs);
    }

    @Override
    public String keyword() {
      return "LABEL";
    }

    @Override
    public Label expand(Expander e) throws DockerfileException {
      return new Label(location, text, exPairs(e, pairs, this));
    }
  }

  /** {@code EXPOSE port[/proto] ...}; after expansion a word may split into several. */
  record Expose(Location location, String text, List<String> ports) implements Instruction {
    public Expose {
      ports = List.copyOf(ports);
    }

    @Override
    public String keyword() {
      return "EXPOSE";
    }

    @Override
    public Expose expand(Expander e) throws DockerfileException {
      List<String> out = new ArrayList<>();
      for (String p : ports) {
        try {
          out.addAll(e.expandWords(p));
        } catch (DockerfileException x) {
          throw x.at(location, text);
        }
      }
      return new Expose(location, text, out);
    }
  }

  /** {@code USER user[:group]}. */
  record User(Location location, String text, String user) implements Instruction {
    public User {
      Objects.requireNonNull(user, "user");
    }

    @Override
    public String keyword() {
      return "USER";
    }

    @Override
    public User expand(Expander e) throws DockerfileException {
      return new User(location, text, ex(e, user, this));
    }
  }

  /** {@code WORKDIR path}. */
  record Workdir(Location location, String text, String path) implements Instruction {
    public Workdir {
      Objects.requireNonNull(path, "path");
    }

    @Override
    public String keyword() {
      return "WORKDIR";
    }

    @Override
    public Workdir expand(Expander e) throws DockerfileException {
      return new Workdir(location, text, ex(e, path, this));
    }
  }

  /** {@code VOLUME ["/a", "/b"]} or {@code VOLUME /a /b}. */
  record Volume(Location location, String text, List<String> paths) implements Instruction {
    public Volume {
      paths = List.copyOf(paths);
    }

    @Override
    public String keyword() {
      return "VOLUME";
    }

    @Override
    public Volume expand(Expander e) throws DockerfileException {
      return new Volume(location, text, ex(e, paths, this));
    }
  }

  /** {@code STOPSIGNAL signal}. */
  record StopSignal(Location location, String text, String signal) implements Instruction {
    public StopSignal {
      Objects.requireNonNull(signal, "signal");
    }

    @Override
    public String keyword() {
      return "STOPSIGNAL";
    }

    @Override
    public StopSignal expand(Expander e) throws DockerfileException {
      return new StopSignal(location, text, ex(e, signal, this));
    }
  }

  /**
   * {@code HEALTHCHECK NONE} (empty {@code command}) or {@code HEALTHCHECK [options] CMD command}. Absent options
   * inherit from the base image.
   */
  record Healthcheck(
      Location location,
      String text,
      Optional<Command> command,
      Optional<Duration> interval,
      Optional<Duration> timeout,
      Optional<Duration> startPeriod,
      Optional<Duration> startInterval,
      OptionalInt retries)
      implements Instruction {
    public Healthcheck {
      Objects.requireNonNull(command, "command");
      Objects.requireNonNull(interval, "interval");
      Objects.requireNonNull(timeout, "timeout");
      Objects.requireNonNull(startPeriod, "startPeriod");
      Objects.requireNonNull(startInterval, "startInterval");
      Objects.requireNonNull(retries, "retries");
    }

    @Override
    public String keyword() {
      return "HEALTHCHECK";
    }

    /** Whether this is {@code HEALTHCHECK NONE}, which disables a healthcheck inherited from the base image. */
    public boolean none() {
      return command.isEmpty();
    }
  }

  /** {@code SHELL ["executable", "param", ...]}. */
  record Shell(Location location, String text, List<String> shell) implements Instruction {
    public Shell {
      shell = List.copyOf(shell);
    }

    @Override
    public String keyword() {
      return "SHELL";
    }
  }

  /** {@code ENTRYPOINT}, exec or shell form. */
  record Entrypoint(Location location, String text, Command command) implements Instruction {
    public Entrypoint {
      Objects.requireNonNull(command, "command");
    }

    @Override
    public String keyword() {
      return "ENTRYPOINT";
    }
  }

  /** {@code CMD}, exec or shell form. */
  record Cmd(Location location, String text, Command command) implements Instruction {
    public Cmd {
      Objects.requireNonNull(command, "command");
    }

    @Override
    public String keyword() {
      return "CMD";
    }
  }

  /**
   * {@code ONBUILD instruction}: stored in the image config as {@code triggerText} and run by builds that use the
   * image as a base.
   *
   * @param trigger the parsed trigger instruction
   * @param triggerText its text as the image config stores it
   */
  record OnBuild(Location location, String text, Instruction trigger, String triggerText) implements Instruction {
    public OnBuild {
      Objects.requireNonNull(trigger, "trigger");
      Objects.requireNonNull(triggerText, "triggerText");
    }

    @Override
    public String keyword() {
      return "ONBUILD";
    }
  }

  /** {@code MAINTAINER name} (deprecated): sets the image author. */
  record Maintainer(Location location, String text, String author) implements Instruction {
    public Maintainer {
      Objects.requireNonNull(author, "author");
    }

    @Override
    public String keyword() {
      return "MAINTAINER";
    }
  }
}
