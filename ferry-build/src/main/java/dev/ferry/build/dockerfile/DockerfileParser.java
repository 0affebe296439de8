package dev.ferry.build.dockerfile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses Dockerfile text into a {@link Dockerfile}, following the Dockerfile reference and BuildKit's parser: parser
 * directives, line continuations (comment and blank lines inside them skipped), here-documents, JSON or shell form,
 * case-insensitive keywords, instruction flags. Stateless and thread-safe; every error is a
 * {@link DockerfileException} with {@code file:line:column}.
 *
 * @see <a href="https://docs.docker.com/reference/dockerfile/">Dockerfile reference</a>
 */
public final class DockerfileParser {
  private static final Pattern DIRECTIVE = Pattern.compile("^#[ \\t]*([a-zA-Z][a-zA-Z0-9]*)[ \\t]*=[ \\t]*(.+?)[ \\t]*$");
  private static final Set<String> KNOWN_DIRECTIVES = Set.of("syntax", "escape", "check");
  private static final Pattern HEREDOC = Pattern.compile("^([0-9]*)<<(-?)([^<]*)$");
  private static final Pattern STAGE_NAME = Pattern.compile("[a-z][a-z0-9_.-]*");
  private static final List<String> KEYWORDS = List.of("ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE",
      "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME",
      "WORKDIR");
  /** Go's time.ParseDuration units; HEALTHCHECK durations are Go durations. */
  private static final Pattern DURATION_PART = Pattern.compile("([0-9]*\\.?[0-9]+)(ns|us|µs|ms|s|m|h)");

  private enum FlagKind {
    STRING,
    BOOL,
    LIST
  }

  private static final Map<String, Map<String, FlagKind>> FLAGS = Map.of(
      "FROM", Map.of("platform", FlagKind.STRING),
      "RUN", Map.of("mount", FlagKind.LIST, "network", FlagKind.STRING, "security", FlagKind.STRING),
      "COPY", Map.of("from", FlagKind.STRING, "chown", FlagKind.STRING, "chmod", FlagKind.STRING, "link",
          FlagKind.BOOL, "parents", FlagKind.BOOL, "exclude", FlagKind.LIST),
      "ADD", Map.of("chown", FlagKind.STRING, "chmod", FlagKind.STRING, "link", FlagKind.BOOL, "checksum",
          FlagKind.STRING, "keep-git-dir", FlagKind.BOOL, "exclude", FlagKind.LIST),
      "HEALTHCHECK", Map.of("interval", FlagKind.STRING, "timeout", FlagKind.STRING, "start-period",
          FlagKind.STRING, "start-interval", FlagKind.STRING, "retries", FlagKind.STRING));

  private DockerfileParser() {}

  /** Reads and parses a Dockerfile; locations name it by {@code path}'s file name. */
  public static Dockerfile parse(Path path) throws IOException, DockerfileException {
    return parse(String.valueOf(path.getFileName()), Files.readString(path, StandardCharsets.UTF_8));
  }

  /**
   * Parses Dockerfile text.
   *
   * @param file the name locations carry, e.g. {@code Dockerfile} or {@code build/app.Dockerfile}
   * @throws DockerfileException at the first problem: unknown instruction, bad flag, missing argument, unterminated
   *     here-document, duplicate stage name, instruction before {@code FROM}, no {@code FROM} at all
   */
  public static Dockerfile parse(String file, String text) throws DockerfileException {
    return new Run(file, text).parse();
  }

  /**
   * Parses one instruction that stands alone, such as an {@code ONBUILD} trigger stored in a base image's config.
   *
   * @param file the name its location carries
   */
  public static Instruction parseInstruction(String file, String text, char escape) throws DockerfileException {
    Run run = new Run(file, text);
    run.escape = escape;
    LogicalLine ll = new LogicalLine(file, 1, 1);
    ll.append(text.strip(), 1, 1);
    return run.instruction(ll, 0, List.of(), text, Location.at(file, 1, 1), false);
  }

  /** State of one parse. */
  private static final class Run {
    final String file;
    final String[] lines;
    final List<String> warnings = new ArrayList<>();
    char escape = '\\';

    Run(String file, String text) {
      this.file = file;
      String t = text.startsWith("\uFEFF") ? text.substring(1) : text;
      String[] ls = t.split("\n", -1);
      for (int i = 0; i < ls.length; i++) {
        if (ls[i].endsWith("\r")) {
          ls[i] = ls[i].substring(0, ls[i].length() - 1);
        }
      }
      this.lines = ls;
    }

    Dockerfile parse() throws DockerfileException {
      List<Directive> directives = new ArrayList<>();
      int i = 0;
      for (; i < lines.length; i++) {
        Matcher m = DIRECTIVE.matcher(lines[i]);
        if (!m.matches()) {
          break;
        }
        String name = m.group(1).toLowerCase(Locale.ROOT);
        if (!KNOWN_DIRECTIVES.contains(name)) {
          break;
        }
        int line = i + 1;
        if (directives.stream().anyMatch(d -> d.name().equals(name))) {
          throw new DockerfileException("only one " + name + " parser directive can be used",
              Location.at(file, line, 1), lines[i]);
        }
        String value = m.group(2);
        if (name.equals("escape")) {
          if (!value.equals("\\") && !value.equals("`")) {
            throw new DockerfileException("invalid escape character '" + value + "': use \\ or `",
                Location.at(file, line, lines[i].indexOf(value, lines[i].indexOf('=')) + 1), lines[i]);
          }
          escape = value.charAt(0);
        }
        directives.add(new Directive(name, value, line));
      }

      List<Arg> globalArgs = new ArrayList<>();
      List<Stage> stages = new ArrayList<>();
      Map<String, Instruction.From> stageNames = new HashMap<>();
      Instruction.From from = null;
      List<Instruction> current = new ArrayList<>();
      Pattern continuation = Pattern.compile(Pattern.quote(String.valueOf(escape)) + "[ \\t]*$");
      boolean any = false;

      while (i < lines.length) {
        String raw = lines[i];
        String stripped = raw.stripLeading();
        if (stripped.isEmpty() || stripped.startsWith("#")) {
          i++;
          continue;
        }
        int firstLine = i + 1;
        LogicalLine ll = new LogicalLine(file, firstLine, raw.length() - stripped.length() + 1);
        String segment = stripped;
        int segmentLine = i;
        int segmentColumn = raw.length() - stripped.length() + 1;
        int lastLine = i;
        while (true) {
          Matcher c = continuation.matcher(segment);
          boolean continues = c.find();
          ll.append(continues ? segment.substring(0, c.start()) : segment, segmentLine + 1, segmentColumn);
          lastLine = segmentLine;
          i = segmentLine + 1;
          if (!continues) {
            break;
          }
          // The next line that is not a comment or blank continues this one; BuildKit skips both.
          int j = i;
          while (j < lines.length) {
            String next = lines[j];
            if (next.stripLeading().startsWith("#")) {
              j++;
              continue;
            }
            if (next.isBlank()) {
              warnings.add(file + ":" + (j + 1) + ": empty continuation line (BuildKit will make this an error)");
              j++;
              continue;
            }
            break;
          }
          if (j >= lines.length) {
            i = j;
            break;
          }
          segment = lines[j];
          segmentLine = j;
          segmentColumn = 1;
        }
        any = true;

        String s = ll.text().stripTrailing();
        int kwEnd = 0;
        while (kwEnd < s.length() && !Character.isWhitespace(s.charAt(kwEnd))) {
          kwEnd++;
        }
        String keyword = s.substring(0, kwEnd).toUpperCase(Locale.ROOT);

        List<Heredoc> heredocs = new ArrayList<>();
        if (Set.of("RUN", "COPY", "ADD").contains(keyword) && s.contains("<<")) {
          for (HeredocStart h : heredocStarts(s, kwEnd)) {
            StringBuilder body = new StringBuilder();
            boolean terminated = false;
            while (i < lines.length) {
              String bodyLine = lines[i++];
              String candidate = h.chomp ? stripTabs(bodyLine) : bodyLine;
              if (candidate.equals(h.name)) {
                terminated = true;
                break;
              }
              body.append(candidate).append('\n');
            }
            if (!terminated) {
              throw new DockerfileException("unterminated heredoc <<" + (h.chomp ? "-" : "") + h.name
                  + " started at line " + firstLine + ": no line with just " + h.name + " follows",
                  ll.location(h.start, h.end), lines[firstLine - 1]);
            }
            lastLine = i - 1;
            heredocs.add(new Heredoc(h.name, body.toString(), h.expand, h.chomp, h.fd));
          }
        }

        String text = String.join("\n", java.util.Arrays.asList(lines).subList(firstLine - 1, lastLine + 1));
        int endColumn = Math.max(1, lines[lastLine].stripTrailing().length());
        Location whole = new Location(file, firstLine, ll.at(0).column(), lastLine + 1, endColumn);
        Instruction in = instruction(ll, 0, heredocs, text, whole, false);

        if (in instanceof Instruction.From f) {
          if (from != null) {
            stages.add(new Stage(stages.size(), from.name(), from, current, from.location().line()));
          }
          if (f.name().isPresent()) {
            Instruction.From earlier = stageNames.putIfAbsent(f.name().get(), f);
            if (earlier != null) {
              throw new DockerfileException("duplicate stage name '" + f.name().get() + "', first used at line "
                  + earlier.location().line(), f.location(), f.text());
            }
          }
          from = f;
          current = new ArrayList<>();
        } else if (from == null) {
          if (in instanceof Instruction.ArgInstruction a) {
            globalArgs.addAll(a.args());
          } else {
            throw new DockerfileException(in.keyword() + " before the first FROM: only ARG may come before FROM",
                in.location(), in.text());
          }
        } else {
          current.add(in);
        }
      }
      if (!any) {
        throw new DockerfileException("the Dockerfile is empty: it needs at least a FROM instruction",
            Location.at(file, 1, 1), null);
      }
      if (from == null) {
        throw new DockerfileException("the Dockerfile has no FROM instruction: a build needs at least one stage",
            Location.at(file, 1, 1), null);
      }
      stages.add(new Stage(stages.size(), from.name(), from, current, from.location().line()));
      return new Dockerfile(file, directives, globalArgs, stages, escape, warnings);
    }

    record HeredocStart(String name, boolean chomp, boolean expand, int fd, int start, int end) {}

    List<HeredocStart> heredocStarts(String s, int from) throws DockerfileException {
      List<HeredocStart> out = new ArrayList<>();
      for (Words.Token t : Words.quoted(s, from, '\\')) {
        Matcher m = HEREDOC.matcher(t.value());
        if (!m.matches()) {
          continue;
        }
        String word = m.group(3);
        int quotes = word.length() - word.replace("'", "").replace("\"", "").length();
        String name;
        try {
          name = Expander.of(Map.of()).expand(word);
        } catch (DockerfileException e) {
          continue;
        }
        if (name.isEmpty()) {
          continue;
        }
        int fd = m.group(1).isEmpty() ? 0 : Integer.parseInt(m.group(1));
        out.add(new HeredocStart(name, m.group(2).equals("-"), quotes == 0, fd, t.start(), t.end()));
      }
      return out;
    }

    static String stripTabs(String line) {
      int k = 0;
      while (k < line.length() && line.charAt(k) == '\t') {
        k++;
      }
      return line.substring(k);
    }

    /** Parses the instruction starting at {@code start} of {@code ll} (an ONBUILD trigger starts after ONBUILD). */
    Instruction instruction(
        LogicalLine ll, int start, List<Heredoc> heredocs, String text, Location whole, boolean trigger)
        throws DockerfileException {
      String s = ll.text().stripTrailing();
      int kwEnd = start;
      while (kwEnd < s.length() && !Character.isWhitespace(s.charAt(kwEnd))) {
        kwEnd++;
      }
      String written = s.substring(start, kwEnd);
      String keyword = written.toUpperCase(Locale.ROOT);
      if (!KEYWORDS.contains(keyword)) {
        String hint = suggestion(keyword);
        throw new DockerfileException("unknown instruction " + written + (hint.isEmpty() ? "" : " (did you mean "
            + hint + "?)"), ll.location(start, kwEnd), text);
      }
      Location loc = trigger ? ll.location(start, s.length()) : whole;
      String itext = trigger ? s.substring(start) : text;
      Words.Flags parsedFlags = keyword.equals("ONBUILD") ? new Words.Flags(List.of(), kwEnd) : Words.flags(s, kwEnd);
      Map<String, List<Words.Flag>> flags = checkFlags(keyword, parsedFlags.flags(), ll, itext);
      int a = parsedFlags.argsStart();
      while (a < s.length() && Character.isWhitespace(s.charAt(a))) {
        a++;
      }
      String args = s.substring(a);
      P p = new P(ll, itext, keyword, a, start);
      return switch (keyword) {
        case "FROM" -> from(p, args, flags, loc, s);
        case "RUN" -> {
          if (args.isEmpty()) {
            throw p.error("RUN needs a command", start);
          }
          Optional<String> network = flag(flags, "network");
          if (network.isPresent() && !Set.of("none", "host", "default").contains(network.get())
              && !network.get().contains("$")) {
            throw p.errorAt("RUN --network expects none, host or default, got '" + network.get() + "'",
                flags.get("network").get(0));
          }
          Optional<String> security = flag(flags, "security");
          if (security.isPresent() && !Set.of("sandbox", "insecure").contains(security.get())) {
            throw p.errorAt("RUN --security expects sandbox or insecure, got '" + security.get() + "'",
                flags.get("security").get(0));
          }
          List<Mount> mounts = new ArrayList<>();
          for (Words.Flag f : flags.getOrDefault("mount", List.of())) {
            try {
              mounts.add(Mount.parse(f.value()));
            } catch (DockerfileException e) {
              throw p.errorAt(e.problem(), f);
            }
          }
          yield new Instruction.Run(loc, itext, command(p, args), mounts, network, security, heredocs);
        }
        case "COPY", "ADD" -> copy(p, args, flags, heredocs, loc);
        case "ENV", "LABEL" -> {
          List<KeyValue> pairs = new ArrayList<>();
          boolean legacy = nameValues(p, args, pairs);
          if (keyword.equals("ENV")) {
            yield new Instruction.Env(loc, itext, pairs, legacy);
          }
          yield new Instruction.Label(loc, itext, pairs);
        }
        case "ARG" -> {
          List<Words.Token> words = Words.quoted(s, a, escape);
          if (words.isEmpty()) {
            throw p.error("ARG needs a name: ARG NAME[=default]", start);
          }
          List<Arg> declared = new ArrayList<>();
          for (Words.Token w : words) {
            int eq = w.value().indexOf('=');
            String name = eq < 0 ? w.value() : w.value().substring(0, eq);
            if (name.isEmpty()) {
              throw p.error("ARG names can not be blank: " + w.value(), w.start());
            }
            declared.add(new Arg(name, eq < 0 ? Optional.empty() : Optional.of(w.value().substring(eq + 1)),
                ll.location(w.start(), w.end())));
          }
          yield new Instruction.ArgInstruction(loc, itext, declared);
        }
        case "EXPOSE" -> {
          List<String> ports = Words.whitespace(args, 0).stream().map(Words.Token::value).toList();
          if (ports.isEmpty()) {
            throw p.error("EXPOSE needs at least one port", start);
          }
          yield new Instruction.Expose(loc, itext, ports);
        }
        case "USER" -> new Instruction.User(loc, itext, single(p, args, "a user name or uid[:gid]", start));
        case "WORKDIR" -> new Instruction.Workdir(loc, itext, single(p, args, "a path", start));
        case "STOPSIGNAL" -> new Instruction.StopSignal(loc, itext, single(p, args, "a signal", start));
        case "MAINTAINER" -> {
          warnings.add(loc + ": MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors=...");
          yield new Instruction.Maintainer(loc, itext, single(p, args, "a name", start));
        }
        case "VOLUME" -> {
          List<String> paths = list(p, args);
          if (paths.isEmpty() || paths.stream().anyMatch(String::isBlank)) {
            throw p.error("VOLUME needs at least one path, and no path may be empty", start);
          }
          yield new Instruction.Volume(loc, itext, paths);
        }
        case "SHELL" -> {
          Words.JsonResult json = Words.jsonArray(args);
          if (json.kind() != Words.JsonKind.STRINGS) {
            throw p.error("SHELL needs a JSON array of strings, e.g. SHELL [\"/bin/bash\", \"-c\"]", a);
          }
          if (json.values().isEmpty()) {
            throw p.error("SHELL needs at least the executable", a);
          }
          yield new Instruction.Shell(loc, itext, json.values());
        }
        case "CMD" -> new Instruction.Cmd(loc, itext, nonEmpty(p, command(p, args), start));
        case "ENTRYPOINT" -> new Instruction.Entrypoint(loc, itext, nonEmpty(p, command(p, args), start));
        case "HEALTHCHECK" -> healthcheck(p, args, flags, loc);
        case "ONBUILD" -> {
          if (args.isEmpty()) {
            throw p.error("ONBUILD needs an instruction to run in builds that use this image", start);
          }
          if (trigger) {
            throw p.error("ONBUILD ONBUILD is not allowed", start);
          }
          int childEnd = a;
          while (childEnd < s.length() && !Character.isWhitespace(s.charAt(childEnd))) {
            childEnd++;
          }
          String child = s.substring(a, childEnd).toUpperCase(Locale.ROOT);
          if (child.equals("ONBUILD")) {
            throw p.error("ONBUILD ONBUILD is not allowed", a);
          }
          if (child.equals("FROM") || child.equals("MAINTAINER")) {
            throw p.error(child + " is not allowed as an ONBUILD trigger", a);
          }
          Instruction t = instruction(ll, a, List.of(), text, whole, true);
          yield new Instruction.OnBuild(loc, itext, t, s.substring(a));
        }
        default -> throw new IllegalStateException("keyword without a parser: " + keyword);
      };
    }

    /** What each instruction parser needs to report errors. */
    record P(LogicalLine ll, String text, String keyword, int argsStart, int start) {
      DockerfileException error(String problem, int offset) {
        return new DockerfileException(problem, ll.at(offset), text);
      }

      DockerfileException errorAt(String problem, Words.Flag f) {
        return new DockerfileException(problem, ll.location(f.start(), f.end()), text);
      }
    }

    Map<String, List<Words.Flag>> checkFlags(String keyword, List<Words.Flag> given, LogicalLine ll, String text)
        throws DockerfileException {
      Map<String, FlagKind> allowed = FLAGS.getOrDefault(keyword, Map.of());
      Map<String, List<Words.Flag>> out = new LinkedHashMap<>();
      for (Words.Flag f : given) {
        FlagKind kind = allowed.get(f.name());
        Location at = ll.location(f.start(), f.end());
        if (kind == null) {
          String known = allowed.isEmpty() ? keyword + " takes no flags"
              : keyword + " takes " + String.join(", ", allowed.keySet().stream().sorted().map(k -> "--" + k).toList());
          throw new DockerfileException("unknown flag --" + f.name() + ": " + known, at, text);
        }
        List<Words.Flag> seen = out.computeIfAbsent(f.name(), k -> new ArrayList<>());
        if (kind != FlagKind.LIST && !seen.isEmpty()) {
          throw new DockerfileException("duplicate flag --" + f.name(), at, text);
        }
        if (kind == FlagKind.BOOL) {
          String v = f.hasValue() ? f.value() : "true";
          if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
            throw new DockerfileException("--" + f.name() + " expects true or false, got '" + f.value() + "'", at,
                text);
          }
          seen.add(new Words.Flag(f.name(), v.toLowerCase(Locale.ROOT), true, f.start(), f.end()));
          continue;
        }
        if (!f.hasValue()) {
          throw new DockerfileException("--" + f.name() + " needs a value: --" + f.name() + "=...", at, text);
        }
        seen.add(f);
      }
      return out;
    }

    static Optional<String> flag(Map<String, List<Words.Flag>> flags, String name) {
      List<Words.Flag> f = flags.get(name);
      return f == null || f.isEmpty() ? Optional.empty() : Optional.of(f.get(0).value());
    }

    static boolean bool(Map<String, List<Words.Flag>> flags, String name) {
      return flag(flags, name).map("true"::equals).orElse(false);
    }

    static List<String> all(Map<String, List<Words.Flag>> flags, String name) {
      return flags.getOrDefault(name, List.of()).stream().map(Words.Flag::value).toList();
    }

    Instruction.From from(P p, String args, Map<String, List<Words.Flag>> flags, Location loc, String s)
        throws DockerfileException {
      List<Words.Token> words = Words.whitespace(s, p.argsStart());
      Optional<String> name = Optional.empty();
      if (words.size() == 3 && words.get(1).value().equalsIgnoreCase("AS")) {
        String n = words.get(2).value().toLowerCase(Locale.ROOT);
        if (!STAGE_NAME.matcher(n).matches()) {
          throw p.error("invalid stage name '" + words.get(2).value()
              + "': a name starts with a letter and has only letters, digits, '-', '_' and '.'", words.get(2).start());
        }
        name = Optional.of(n);
      } else if (words.size() != 1) {
        int at = words.isEmpty() ? p.argsStart() : words.size() > 1 ? words.get(1).start() : p.argsStart();
        throw p.error("FROM expects an image and optionally AS name: FROM [--platform=os/arch] image [AS name], got '"
            + args + "'", at);
      }
      Optional<String> platform = flag(flags, "platform");
      if (platform.isPresent() && !platform.get().contains("$")) {
        try {
          BuildOptions.parsePlatform(platform.get());
        } catch (IllegalArgumentException e) {
          throw p.errorAt("FROM --platform expects os/arch[/variant], got '" + platform.get() + "'",
              flags.get("platform").get(0));
        }
      }
      return new Instruction.From(loc, p.text(), words.get(0).value(), platform, name);
    }

    Instruction copy(P p, String args, Map<String, List<Words.Flag>> flags, List<Heredoc> heredocs, Location loc)
        throws DockerfileException {
      List<String> words = list(p, args);
      String keyword = p.keyword();
      if (words.size() < 2) {
        throw p.error(keyword + " needs at least a source and a destination: " + keyword + " <src>... <dest>",
            words.isEmpty() ? p.start() : p.argsStart());
      }
      List<String> sources = new ArrayList<>();
      List<Heredoc> inline = new ArrayList<>();
      int next = 0;
      for (String w : words.subList(0, words.size() - 1)) {
        if (next < heredocs.size() && HEREDOC.matcher(w).matches()) {
          inline.add(heredocs.get(next++));
        } else {
          sources.add(w);
        }
      }
      String dest = words.get(words.size() - 1);
      if (keyword.equals("COPY")) {
        return new Instruction.Copy(loc, p.text(), sources, inline, dest, flag(flags, "from"), flag(flags, "chown"),
            flag(flags, "chmod"), bool(flags, "link"), bool(flags, "parents"), all(flags, "exclude"));
      }
      return new Instruction.Add(loc, p.text(), sources, inline, dest, flag(flags, "chown"), flag(flags, "chmod"),
          bool(flags, "link"), flag(flags, "checksum"), bool(flags, "keep-git-dir"), all(flags, "exclude"));
    }

    /** ENV and LABEL: {@code k=v ...}, or the legacy {@code k v} when the first word has no {@code =}. */
    boolean nameValues(P p, String args, List<KeyValue> out) throws DockerfileException {
      List<Words.Token> words = Words.quoted(args, 0, escape);
      if (words.isEmpty()) {
        throw p.error(p.keyword() + " needs at least one name=value pair", p.argsStart());
      }
      if (!words.get(0).value().contains("=")) {
        String[] parts = args.split("[ \\t\\r\\n\\f]+", 2);
        if (parts.length < 2) {
          throw p.error(p.keyword() + " " + parts[0] + " needs a value: " + p.keyword() + " name=value", p.argsStart());
        }
        warnings.add(p.ll().at(p.argsStart()) + ": legacy '" + p.keyword() + " key value' form; prefer "
            + p.keyword() + " key=value");
        out.add(new KeyValue(parts[0], parts[1]));
        return true;
      }
      for (Words.Token w : words) {
        int eq = w.value().indexOf('=');
        if (eq < 0) {
          throw p.error("can't find = in '" + w.value() + "': " + p.keyword() + " expects name=value",
              p.argsStart() + w.start());
        }
        if (eq == 0) {
          throw p.error(p.keyword() + " names can not be blank: '" + w.value() + "'", p.argsStart() + w.start());
        }
        out.add(new KeyValue(w.value().substring(0, eq), w.value().substring(eq + 1)));
      }
      return false;
    }

    static String single(P p, String args, String what, int start) throws DockerfileException {
      if (args.isBlank()) {
        throw p.error(p.keyword() + " needs " + what, start);
      }
      return args;
    }

    static Command nonEmpty(P p, Command c, int start) throws DockerfileException {
      if (!c.execForm() && c.commandLine().isBlank()) {
        throw p.error(p.keyword() + " needs a command (exec form [\"cmd\", \"arg\"] or shell form)", start);
      }
      return c;
    }

    /** JSON exec form when the text is a JSON array of strings; otherwise shell form, as Docker falls back. */
    static Command command(P p, String args) throws DockerfileException {
      if (args.startsWith("[")) {
        Words.JsonResult json = Words.jsonArray(args);
        if (json.kind() == Words.JsonKind.STRINGS) {
          return Command.exec(json.values());
        }
        if (json.kind() == Words.JsonKind.NOT_STRINGS) {
          throw p.error("a JSON array in " + p.keyword() + " must hold only strings", p.argsStart());
        }
      }
      return Command.shell(args);
    }

    /** A JSON array of strings, or whitespace-separated words (COPY, ADD, VOLUME). */
    static List<String> list(P p, String args) throws DockerfileException {
      if (args.startsWith("[")) {
        Words.JsonResult json = Words.jsonArray(args);
        if (json.kind() == Words.JsonKind.STRINGS) {
          return json.values();
        }
        if (json.kind() == Words.JsonKind.NOT_STRINGS) {
          throw p.error("a JSON array in " + p.keyword() + " must hold only strings", p.argsStart());
        }
      }
      return Words.whitespace(args, 0).stream().map(Words.Token::value).toList();
    }

    Instruction healthcheck(P p, String args, Map<String, List<Words.Flag>> flags, Location loc)
        throws DockerfileException {
      List<Words.Token> words = Words.whitespace(args, 0);
      String type = words.isEmpty() ? "" : words.get(0).value().toUpperCase(Locale.ROOT);
      if (type.equals("NONE")) {
        if (words.size() > 1) {
          throw p.error("HEALTHCHECK NONE takes no arguments", p.argsStart() + words.get(1).start());
        }
        if (!flags.isEmpty()) {
          throw p.errorAt("HEALTHCHECK NONE takes no options", flags.values().iterator().next().get(0));
        }
        return new Instruction.Healthcheck(loc, p.text(), Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), OptionalInt.empty());
      }
      if (!type.equals("CMD")) {
        throw p.error("HEALTHCHECK expects NONE or CMD, got '" + (words.isEmpty() ? "" : words.get(0).value())
            + "'", p.argsStart());
      }
      String rest = args.substring(words.get(0).end()).strip();
      P cmd = new P(p.ll(), p.text(), "HEALTHCHECK CMD", p.argsStart() + words.get(0).end(), p.start());
      Command command = nonEmpty(cmd, command(cmd, rest), p.argsStart());
      OptionalInt retries = OptionalInt.empty();
      if (flags.containsKey("retries")) {
        Words.Flag f = flags.get("retries").get(0);
        try {
          int r = Integer.parseInt(f.value());
          if (r < 0) {
            throw p.errorAt("HEALTHCHECK --retries cannot be negative, got " + r, f);
          }
          retries = OptionalInt.of(r);
        } catch (NumberFormatException e) {
          throw p.errorAt("HEALTHCHECK --retries expects a whole number, got '" + f.value() + "'", f);
        }
      }
      return new Instruction.Healthcheck(loc, p.text(), Optional.of(command), duration(p, flags, "interval"),
          duration(p, flags, "timeout"), duration(p, flags, "start-period"), duration(p, flags, "start-interval"),
          retries);
    }

    static Optional<Duration> duration(P p, Map<String, List<Words.Flag>> flags, String name)
        throws DockerfileException {
      if (!flags.containsKey(name)) {
        return Optional.empty();
      }
      Words.Flag f = flags.get(name).get(0);
      Duration d = parseGoDuration(f.value());
      if (d == null) {
        throw p.errorAt("HEALTHCHECK --" + name + " expects a duration such as 30s, 1m30s or 500ms, got '"
            + f.value() + "'", f);
      }
      // Docker refuses durations between 0 (inherit) and its 1ms minimum.
      if (!d.isZero() && d.compareTo(Duration.ofMillis(1)) < 0) {
        throw p.errorAt("HEALTHCHECK --" + name + " cannot be less than 1ms, got '" + f.value() + "'", f);
      }
      return Optional.of(d);
    }

    /** Go's {@code time.ParseDuration}, or null. */
    static Duration parseGoDuration(String s) {
      if (s.equals("0")) {
        return Duration.ZERO;
      }
      boolean negative = s.startsWith("-");
      String body = negative || s.startsWith("+") ? s.substring(1) : s;
      if (body.isEmpty()) {
        return null;
      }
      Matcher m = DURATION_PART.matcher(body);
      int pos = 0;
      double nanos = 0;
      while (pos < body.length()) {
        if (!m.find(pos) || m.start() != pos) {
          return null;
        }
        double n = Double.parseDouble(m.group(1));
        nanos += n * switch (m.group(2)) {
          case "ns" -> 1d;
          case "us", "µs" -> 1e3;
          case "ms" -> 1e6;
          case "s" -> 1e9;
          case "m" -> 60e9;
          default -> 3600e9;
        };
        pos = m.end();
      }
      Duration d = Duration.ofNanos(Math.round(nanos));
      return negative ? d.negated() : d;
    }

    static String suggestion(String keyword) {
      String best = "";
      int bestDistance = 3;
      for (String k : KEYWORDS) {
        int d = distance(keyword, k);
        if (d < bestDistance) {
          bestDistance = d;
          best = k;
        }
      }
      return best;
    }

    /** Damerau-Levenshtein (optimal string alignment) distance, so FORM is one step from FROM. */
    static int distance(String a, String b) {
      int[][] d = new int[a.length() + 1][b.length() + 1];
      for (int i = 0; i <= a.length(); i++) {
        d[i][0] = i;
      }
      for (int j = 0; j <= b.length(); j++) {
        d[0][j] = j;
      }
      for (int i = 1; i <= a.length(); i++) {
        for (int j = 1; j <= b.length(); j++) {
          int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
          d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
          if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
            d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
          }
        }
      }
      return d[a.length()][b.length()];
    }
  }
}
