package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.globalfunc.Catalog;
import dev.ferry.globalfunc.FunctionException;
import dev.ferry.globalfunc.FunctionKeys;
import dev.ferry.globalfunc.FunctionLibrary;
import dev.ferry.globalfunc.FunctionRecord;
import dev.ferry.globalfunc.FunctionRepository;
import dev.ferry.globalfunc.FunctionVersion;
import dev.ferry.globalfunc.Gateway;
import dev.ferry.globalfunc.Invoker;
import dev.ferry.globalfunc.Metrics;
import dev.ferry.globalfunc.PublishResult;
import dev.ferry.globalfunc.SearchHit;
import dev.ferry.globalfunc.Tokens;
import dev.ferry.globalfunc.WorkerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry func}: the GlobalFunc library of Python functions (catalog, calls, gateway). */
@Command(
    name = "func",
    description = {
      "GlobalFunc: a versioned, searchable library of Python functions kept in a git repository and served over HTTP.",
      "Functions are named PACKAGE.FUNCTION (Base.inverse_time_str) or by key SPACE.PACKAGE_BRANCH.FUNCTION."
    },
    subcommands = {
      FuncCommand.Scan.class,
      FuncCommand.Publish.class,
      FuncCommand.History.class,
      FuncCommand.Rollback.class,
      FuncCommand.Restore.class,
      FuncCommand.Init.class,
      FuncCommand.ListFunctions.class,
      FuncCommand.Show.class,
      FuncCommand.Branch.class,
      FuncCommand.Commit.class,
      FuncCommand.Search.class,
      FuncCommand.Call.class,
      FuncCommand.Serve.class,
      FuncCommand.Package.class,
      FuncCommand.Up.class,
      FuncCommand.Ps.class,
      FuncCommand.Down.class,
    })
final class FuncCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /** -h/--help on {@code func} and, inherited, on every {@code func} verb (whose own --version means a version). */
  @Option(names = {"-h", "--help"}, usageHelp = true, scope = picocli.CommandLine.ScopeType.INHERIT, description = "Show this help message and exit.")
  boolean help;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (scan, publish, call, serve, …)");
  }

  /** Options of every {@code ferry func} verb. */
  static final class Options {
    @Option(names = "--repo", paramLabel = "DIR", description = "The function repository, a git work tree (default: the current directory).")
    Path repo = Path.of(".");

    @Option(
        names = "--catalog",
        paramLabel = "URL",
        description = "Catalog: a SQLite file (sqlite:PATH) or postgresql://USER@HOST:PORT/DB. Default: $FERRY_FUNC_CATALOG, else STORE/.ferry/globalfunc/catalog.db.")
    String catalog;

    @Option(names = "--space", paramLabel = "SPACE", description = "Space of the functions (default: ${DEFAULT-VALUE}).")
    String space = FunctionKeys.DEFAULT_SPACE;

    @Option(names = "--python", paramLabel = "PROGRAM", description = "Python interpreter for workers (default: $FERRY_PYTHON, else python3).")
    String python;

    WorkerSettings settings() {
      String p = python != null ? python : Optional.ofNullable(System.getenv("FERRY_PYTHON")).orElse("python3");
      return WorkerSettings.defaults().withPython(p);
    }
  }

  /** Plumbing shared by the verbs. */
  abstract static class FuncBase extends BaseCommand {
    @Mixin Options options = new Options();

    Catalog openCatalog() throws IOException {
      String url = options.catalog != null ? options.catalog : System.getenv("FERRY_FUNC_CATALOG");
      if (url == null || url.isBlank()) {
        url = global().storePath().resolve(".ferry/globalfunc/catalog.db").toString();
      }
      return Catalog.open(url);
    }

    FunctionRepository openRepo() throws IOException {
      return FunctionRepository.open(options.repo);
    }

    /** The key a name means on {@code branch} (empty: the repository's branch if there is one, else master). */
    String key(String name, String branch) throws IOException {
      return FunctionKeys.resolve(name, options.space, branch != null ? branch : defaultBranch());
    }

    String defaultBranch() throws IOException {
      if (Files.isDirectory(options.repo.resolve(".git"))) {
        try (FunctionRepository r = openRepo()) {
          return r.branch();
        }
      }
      return FunctionKeys.DEFAULT_BRANCH;
    }
  }

  static String version(String sha) {
    return sha == null || sha.isEmpty() ? "-" : sha.substring(0, 12);
  }

  @Command(name = "scan", description = "Record every function of the repository (current branch): code, sha256, md5, time, lines, signature, docstring.")
  static final class Scan extends FuncBase {
    @Override
    int execute() throws Exception {
      try (FunctionRepository repo = openRepo();
          Catalog catalog = openCatalog()) {
        List<FunctionLibrary.Scanned> result = FunctionLibrary.scan(repo, catalog, options.space, options.settings());
        if (json()) {
          ArrayNode a = Json.array();
          for (FunctionLibrary.Scanned s : result) {
            FunctionRecord f = s.function();
            a.addObject().put("key", f.key()).put("change", s.change().name().toLowerCase(Locale.ROOT)).put("sha256", f.sha256()).put("md5", f.md5())
                .put("modified", f.modified()).put("lines", f.lines()).put("signature", f.signature()).put("docstring", f.docstring()).put("error", f.error());
          }
          out().println(Json.write(a));
          return 0;
        }
        Table t = new Table("CHANGE", "KEY", "VERSION", "LINES", "SIGNATURE");
        int problems = 0;
        for (FunctionLibrary.Scanned s : result) {
          FunctionRecord f = s.function();
          t.add(s.change().name().toLowerCase(Locale.ROOT), f.key(), version(f.sha256()), Integer.toString(f.lines()), f.error().isEmpty() ? f.signature() : "ERROR: " + f.error());
          problems += f.error().isEmpty() ? 0 : 1;
        }
        if (!quiet()) {
          t.print(out());
        }
        info(result.size() + " functions scanned in " + repo.root() + " (branch " + repo.branch() + ") into " + catalog.location()
            + (problems > 0 ? "; " + problems + " do not load" : ""));
        return 0;
      }
    }
  }

  @Command(name = "publish", description = "Scan, then store each function's version (by content hash) and move its branch alias to it.")
  static final class Publish extends FuncBase {
    @Parameters(paramLabel = "NAME", arity = "0..*", description = "Functions (Base.f or keys) or packages (Base) to publish; default: all.")
    List<String> names = new ArrayList<>();

    @Override
    int execute() throws Exception {
      try (FunctionRepository repo = openRepo();
          Catalog catalog = openCatalog()) {
        List<PublishResult> published = FunctionLibrary.publish(repo, catalog, options.space, options.settings(), names);
        if (json()) {
          ArrayNode a = Json.array();
          published.forEach(p -> a.addObject().put("key", p.key()).put("version", p.sha256()).put("previous", p.previous()).put("changed", p.changed()));
          out().println(Json.write(a));
          return 0;
        }
        int moved = 0;
        for (PublishResult p : published) {
          if (p.changed()) {
            moved++;
            out().println(p.key() + " " + version(p.sha256()) + (p.previous().isEmpty() ? " (new)" : " (was " + version(p.previous()) + ")"));
          } else if (!quiet()) {
            out().println(p.key() + " " + version(p.sha256()) + " (unchanged)");
          }
        }
        info(moved + " of " + published.size() + " aliases moved in " + catalog.location());
        return 0;
      }
    }
  }

  @Command(name = "history", description = "Publications of a function, newest first; * marks the version its alias points at.")
  static final class History extends FuncBase {
    @Parameters(paramLabel = "NAME", description = "Base.f or a key.")
    String name;

    @Option(names = "--branch", description = "Branch of a short name (default: the repository's, else master).")
    String branch;

    @Override
    int execute() throws Exception {
      try (Catalog catalog = openCatalog()) {
        String key = key(name, branch);
        List<FunctionVersion> h = catalog.history(key);
        if (h.isEmpty()) {
          throw new IOException(key + " has never been published (ferry func publish)");
        }
        if (json()) {
          ArrayNode a = Json.array();
          h.forEach(v -> a.addObject().put("version", v.sha256()).put("published_at", v.publishedAt()).put("current", v.current()).put("lines", v.lines()).put("signature", v.signature()));
          out().println(Json.write(a));
          return 0;
        }
        Table t = new Table("", "VERSION", "PUBLISHED", "LINES", "SIGNATURE");
        h.forEach(v -> t.add(v.current() ? "*" : "", version(v.sha256()), v.publishedAt(), Integer.toString(v.lines()), v.signature()));
        t.print(out());
        return 0;
      }
    }
  }

  @Command(name = "rollback", description = "Point a function's alias at an earlier published version (or any published one).")
  static final class Rollback extends FuncBase {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", paramLabel = "VERSION", description = "A published version: at least 6 hex digits of its hash.")
    String version;

    @Option(names = "--branch")
    String branch;

    @Override
    int execute() throws Exception {
      try (Catalog catalog = openCatalog()) {
        PublishResult r = catalog.moveAlias(key(name, branch), version);
        out().println(r.key() + " " + version(r.sha256()) + (r.changed() ? " (was " + version(r.previous()) + ")" : " (unchanged)"));
        return 0;
      }
    }
  }

  @Command(name = "restore", description = "Write a function from the catalog back to DIR/PACKAGE/NAME.py and regenerate that package's __init__.py.")
  static final class Restore extends FuncBase {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--to", paramLabel = "DIR", required = true, description = "Directory to write the package folder into.")
    Path to;

    @Option(names = "--version", paramLabel = "HASH", description = "A published version (default: the alias; else the last scan).")
    String version;

    @Option(names = "--branch")
    String branch;

    @Override
    int execute() throws Exception {
      try (Catalog catalog = openCatalog()) {
        String key = key(name, branch);
        Optional<FunctionRecord> f = version != null ? catalog.version(key, version) : catalog.current(key).or(() -> head(catalog, key));
        FunctionRecord r = f.orElseThrow(() -> new IOException("no function " + key + (version != null ? " at version " + version : "") + " in " + catalog.location()));
        Path file = FunctionLibrary.restore(r, to);
        out().println(file);
        info("restored " + r.key() + " " + version(r.sha256()) + "; " + file.resolveSibling("__init__.py") + " regenerated");
        return 0;
      }
    }
  }

  static Optional<FunctionRecord> head(Catalog c, String key) {
    try {
      return c.head(key);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  @Command(name = "init", description = "Regenerate PACKAGE/__init__.py in the repository: 'from .f import f' for each function file.")
  static final class Init extends FuncBase {
    @Parameters(paramLabel = "PACKAGE", arity = "1..*")
    List<String> packages;

    @Override
    int execute() throws Exception {
      for (String p : packages) {
        if (!FunctionKeys.isIdentifier(p) || p.startsWith("_")) {
          throw new UsageException("a package is a folder name that is a Python identifier not starting with _, got '" + p + "'");
        }
        Path dir = options.repo.resolve(p);
        if (!Files.isDirectory(dir)) {
          throw new IOException("no package folder " + dir);
        }
        FunctionRepository.writeInit(dir);
        out().println(dir.resolve("__init__.py"));
      }
      return 0;
    }
  }

  @Command(name = "list", description = "Functions in the catalog (of a package), with their published version and signature.")
  static final class ListFunctions extends FuncBase {
    @Parameters(paramLabel = "PACKAGE", arity = "0..1")
    String pkg = "";

    @Option(names = "--branch", description = "Only this branch (default: all).")
    String branch = "";

    @Override
    int execute() throws Exception {
      try (Catalog catalog = openCatalog()) {
        List<FunctionRecord> fs = catalog.list(options.space, pkg, branch);
        if (json()) {
          ArrayNode a = Json.array();
          for (FunctionRecord f : fs) {
            a.addObject().put("key", f.key()).put("pack_func", f.packFunc()).put("branch", f.branch()).put("scanned", f.sha256())
                .put("published", catalog.current(f.key()).map(FunctionRecord::sha256).orElse(null)).put("signature", f.signature()).put("summary", f.summary());
          }
          out().println(Json.write(a));
          return 0;
        }
        if (quiet()) {
          fs.forEach(f -> out().println(f.key()));
          return 0;
        }
        Table t = new Table("FUNCTION", "BRANCH", "PUBLISHED", "SIGNATURE", "SUMMARY");
        for (FunctionRecord f : fs) {
          String pub = catalog.current(f.key()).map(c -> version(c.sha256()) + (c.sha256().equals(f.sha256()) ? "" : " (scan differs)")).orElse("-");
          String sum = f.summary();
          t.add(f.packFunc(), f.branch(), pub, f.name() + f.signature(), sum.length() > 60 ? sum.substring(0, 57) + "..." : sum);
        }
        t.print(out());
        return 0;
      }
    }
  }

  @Command(name = "show", description = "A function's code, signature, docstring and versions (JSON with --json).")
  static final class Show extends FuncBase {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--version")
    String version;

    @Option(names = "--branch")
    String branch;

    @Override
    int execute() throws Exception {
      try (Catalog catalog = openCatalog()) {
        String key = key(name, branch);
        FunctionRecord f = (version != null ? catalog.version(key, version) : catalog.current(key).or(() -> head(catalog, key)))
            .orElseThrow(() -> new IOException("no function " + key + " in " + catalog.location()));
        if (json()) {
          ObjectNode o = Json.object().put("key", f.key()).put("version", f.sha256()).put("md5", f.md5()).put("modified", f.modified()).put("lines", f.lines())
              .put("signature", f.signature()).put("docstring", f.docstring()).put("error", f.error()).put("code", f.code());
          o.set("params", new ObjectMapper().readTree(f.params()));
          out().println(Json.write(o));
          return 0;
        }
        out().println("# " + f.key() + " @ " + f.sha256() + " (" + f.lines() + " lines, modified " + f.modified() + ")");
        out().println("# " + f.name() + f.signature());
        out().print(f.code());
        if (!f.code().endsWith("\n")) {
          out().println();
        }
        return 0;
      }
    }
  }

  @Command(name = "branch", description = "The repository's current branch.")
  static final class Branch extends FuncBase {
    @Override
    int execute() throws Exception {
      try (FunctionRepository repo = openRepo()) {
        out().println(repo.branch());
        return 0;
      }
    }
  }

  @Command(name = "commit", description = "Add every change, commit with the message and the time, and push to origin when there is one.")
  static final class Commit extends FuncBase {
    @Option(names = {"-m", "--message"}, required = true)
    String message;

    @Override
    int execute() throws Exception {
      try (FunctionRepository repo = openRepo()) {
        FunctionRepository.CommitResult r = repo.commit(message);
        out().println(r.commit());
        info("[" + repo.branch() + " " + r.commit().substring(0, 7) + "] " + r.message() + " (" + r.changedFiles() + " files)"
            + (r.pushedTo().isEmpty() ? "; no remote to push to" : "; pushed to " + r.pushedTo()));
        return 0;
      }
    }
  }

  @Command(name = "search", description = "Ranked full-text search over function names, docstrings and code.")
  static final class Search extends FuncBase {
    @Parameters(paramLabel = "TEXT", arity = "1..*")
    List<String> words;

    @Option(names = "--limit", description = "Most hits (default: ${DEFAULT-VALUE}).")
    int limit = 10;

    @Override
    int execute() throws Exception {
      if (limit < 1) {
        throw new UsageException("--limit must be at least 1, got " + limit);
      }
      try (Catalog catalog = openCatalog()) {
        List<SearchHit> hits = catalog.search(String.join(" ", words), limit);
        if (json()) {
          ArrayNode a = Json.array();
          hits.forEach(h -> a.addObject().put("key", h.key()).put("pack_func", h.packFunc()).put("signature", h.signature()).put("summary", h.summary()).put("version", h.sha256()).put("score", h.score()));
          out().println(Json.write(a));
          return 0;
        }
        Table t = new Table("KEY", "SIGNATURE", "SUMMARY");
        for (SearchHit h : hits) {
          String s = h.summary();
          t.add(h.key(), h.signature(), s.length() > 60 ? s.substring(0, 57) + "..." : s);
        }
        t.print(out());
        if (hits.isEmpty()) {
          info("no function matches '" + String.join(" ", words) + "'");
        }
        return 0;
      }
    }
  }

  /** Worker pool options of {@code call} and {@code serve}. */
  static final class PoolOptions {
    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Deadline of a call; then its worker is killed and replaced (default: ${DEFAULT-VALUE}).")
    double timeout = 60;

    @Option(names = "--memory", paramLabel = "SIZE", description = "Address-space limit per worker (RLIMIT_AS), e.g. 512M, 2G (default: none).")
    String memory;

    @Option(names = "--min-warm", description = "Workers started per function version before its first call (default: ${DEFAULT-VALUE}).")
    int minWarm = 0;

    @Option(names = "--max-workers", description = "Most workers per function version (default: ${DEFAULT-VALUE}).")
    int maxWorkers = 4;

    @Option(names = "--queue", description = "Calls that may wait per function version; more get 429 (default: ${DEFAULT-VALUE}).")
    int queue = 64;

    @Option(names = "--import-path", paramLabel = "DIR", description = "Directory on the workers' sys.path, so functions can import their siblings (e.g. the repository).")
    Path importPath;

    WorkerSettings apply(WorkerSettings s) {
      if (!(timeout > 0)) {
        throw new UsageException("--timeout must be positive, got " + timeout);
      }
      return s.withPool(minWarm, maxWorkers, queue)
          .withDeadline(Duration.ofNanos((long) (timeout * 1e9)))
          .withMemoryLimit(memory == null ? 0 : parseSize(memory))
          .withImportPath(Optional.ofNullable(importPath).map(p -> p.toAbsolutePath().normalize()));
    }
  }

  static long parseSize(String s) {
    var m = java.util.regex.Pattern.compile("(?i)(\\d+)([kmgt]?)(i?b)?").matcher(s.strip());
    if (!m.matches()) {
      throw new UsageException("a size is a number with an optional K, M, G or T suffix (512M, 2G), got '" + s + "'");
    }
    long n = Long.parseLong(m.group(1));
    int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      case "t" -> 40;
      default -> 0;
    };
    return n << shift;
  }

  @Command(
      name = "call",
      description = {
        "Call a published function in a local worker and print its result as JSON (what it prints goes to stderr).",
        "Example: ferry func call Base.inverse_time_str --kw time_str=\"2024-02-15 11:11:11\" --kw bias_hours=-8"
      })
  static final class Call extends FuncBase {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Parameters(paramLabel = "NAME", description = "Base.f or a key.")
    String name;

    @Option(names = "--kw", paramLabel = "NAME=VALUE", description = "A keyword argument; VALUE is JSON when it parses as JSON (numbers, true, lists, objects), else a string.")
    List<String> kw = new ArrayList<>();

    @Option(names = "--kwargs", paramLabel = "JSON", description = "All keyword arguments as one JSON object (--kw adds to it).")
    String kwargs;

    @Option(names = "--args", paramLabel = "JSON", description = "Positional arguments as a JSON array.")
    String args;

    @Option(names = "--version", paramLabel = "HASH", description = "Pin a published version (hash prefix).")
    String version;

    @Option(names = "--branch", description = "Branch alias to call (default: the repository's branch, else master).")
    String branch;

    @Mixin PoolOptions pool = new PoolOptions();

    @Override
    int execute() throws Exception {
      ObjectNode kws;
      try {
        JsonNode k = kwargs == null ? MAPPER.createObjectNode() : MAPPER.readTree(kwargs);
        if (!(k instanceof ObjectNode o)) {
          throw new UsageException("--kwargs must be a JSON object, got " + kwargs);
        }
        kws = o;
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new UsageException("--kwargs is not JSON: " + e.getOriginalMessage());
      }
      for (String item : kw) {
        int eq = item.indexOf('=');
        if (eq <= 0) {
          throw new UsageException("--kw takes NAME=VALUE, got '" + item + "'");
        }
        kws.set(item.substring(0, eq), jsonOrString(item.substring(eq + 1)));
      }
      if (args != null) {
        try {
          if (!MAPPER.readTree(args).isArray()) {
            throw new UsageException("--args must be a JSON array, got " + args);
          }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new UsageException("--args is not JSON: " + e.getOriginalMessage());
        }
      }
      String b = branch != null ? branch : defaultBranch();
      try (Catalog catalog = openCatalog();
          Invoker invoker = new Invoker(catalog, pool.apply(options.settings()), new Metrics(), options.space, b)) {
        FunctionRecord f = invoker.resolve(name, version, b);
        Invoker.Result r = invoker.call(f, args, MAPPER.writeValueAsString(kws));
        if (!r.stdout().isEmpty()) {
          err().print(r.stdout());
          err().flush();
        }
        if (json()) {
          out().println("{\"key\":" + MAPPER.writeValueAsString(r.key()) + ",\"version\":\"" + r.version() + "\",\"result\":" + r.resultJson() + ",\"stdout\":" + MAPPER.writeValueAsString(r.stdout()) + "}");
        } else {
          out().println(r.resultJson());
        }
        return 0;
      } catch (FunctionException e) {
        err().println("ferry: " + e.type() + " (" + e.phase().wire() + "): " + e.getMessage());
        Object sig = e.details().get("signature");
        if (sig != null) {
          err().println("signature: " + sig);
        }
        if (!e.traceback().isEmpty() && !quiet()) {
          err().print(e.traceback());
        }
        err().flush();
        return e.status() == 400 || e.status() == 404 ? 2 : 1;
      }
    }

    static JsonNode jsonOrString(String v) {
      try {
        JsonNode n = MAPPER.readTree(v);
        if (n != null && !n.isMissingNode()) {
          return n;
        }
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        // not JSON: a string
      }
      return MAPPER.getNodeFactory().textNode(v);
    }
  }

  @Command(
      name = "serve",
      description = {
        "Serve published functions over HTTP: POST /gfgo/ {\"pack_func\", \"kwargs\", \"args\"}, POST /v1/functions/NAME:invoke,",
        "GET /v1/functions, /v1/search?q=, /openapi.json, /metrics, /ui. Runs until interrupted."
      })
  static final class Serve extends FuncBase {
    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Address to listen on (default: ${DEFAULT-VALUE}; port 0 picks a free one).")
    String listen = "127.0.0.1:8000";

    @Option(names = "--branch", description = "Branch alias that short names call (default: the repository's branch, else master).")
    String branch;

    @Option(names = "--tokens", paramLabel = "FILE", description = "API tokens: lines 'SPACE TOKEN'; a space listed there needs 'Authorization: Bearer TOKEN'.")
    Path tokens;

    @Option(names = "--max-body", paramLabel = "SIZE", description = "Largest request body (default: 16M); larger ones get 413.")
    String maxBody = "16M";

    @Option(names = "--warm", paramLabel = "NAME", description = "Start the workers of these functions before serving (with --min-warm).")
    List<String> warm = new ArrayList<>();

    @Mixin PoolOptions pool = new PoolOptions();

    @Override
    int execute() throws Exception {
      var address = ServeCommand.Registry.parseListen(listen);
      Tokens t = tokens == null ? Tokens.none() : Tokens.read(tokens);
      String b = branch != null ? branch : defaultBranch();
      Catalog catalog = openCatalog();
      Invoker invoker = new Invoker(catalog, pool.apply(options.settings()), new Metrics(), options.space, b);
      for (String w : warm) {
        try {
          invoker.warm(invoker.resolve(w, null, b));
        } catch (FunctionException e) {
          catalog.close();
          throw new IOException("--warm " + w + ": " + e.getMessage());
        }
      }
      Gateway gateway = new Gateway(invoker, address, t, parseSize(maxBody));
      try {
        gateway.start();
      } catch (IOException e) {
        catalog.close();
        throw e;
      }
      CountDownLatch stop = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        gateway.close();
        try {
          catalog.close();
        } catch (IOException ignored) {
          // exiting anyway
        }
        stop.countDown();
      }, "ferry-func-stop"));
      info("Serving functions of " + options.space + " (branch " + b + ", catalog " + catalog.location() + ") on http://"
          + address.getHostString() + ":" + gateway.port() + "/ (POST /gfgo/, /ui, /metrics)");
      stop.await();
      return 0;
    }
  }

  @Command(
      name = "package",
      description = {
        "Build a worker image: a Python base image, the repository's functions at /workspace/GlobalFunc and the worker runtime,",
        "whose --serve mode answers POST /gfgo/. Functions that do not load are left out (and named)."
      })
  static final class Package extends FuncBase {
    @Option(names = "--version", required = true, paramLabel = "VERSION", description = "Version of the image (v101), part of instance names.")
    String version;

    @Option(names = {"-t", "--tag"}, required = true, paramLabel = "REF", description = "Name of the image (worker.globalfunc:v101).")
    String tag;

    @Option(names = "--base", paramLabel = "REF", description = "Base image in the store with python3 (default: ${DEFAULT-VALUE}; make it with 'ferry base debian --suite bookworm --packages python3 -t base/python3:bookworm').")
    String base = "base/python3:bookworm";

    @Override
    int execute() throws Exception {
      try (FunctionRepository repo = openRepo()) {
        var store = store();
        if (dev.ferry.oci.store.Images.find(store, base).isEmpty()) {
          throw new IOException("base image " + base + " is not in the store; make it with: ferry base debian --suite bookworm --packages python3 -t " + base);
        }
        var p = dev.ferry.globalfunc.WorkerImages.build(store, repo, base, version, tag, options.settings(), line -> info(line));
        p.skipped().forEach(s -> info("skipped " + s));
        info(p.functions().size() + " functions packaged into " + p.tag());
        out().println(p.digest());
        return 0;
      }
    }
  }

  static dev.ferry.globalfunc.Instances instances(BaseCommand c, int first, int last) {
    return new dev.ferry.globalfunc.Instances(c.global().storePath().resolve(".ferry/globalfunc/instances"), "runc", first, last);
  }

  /** Options of the instance verbs. */
  static final class PortRange {
    @Option(names = "--ports", paramLabel = "FIRST-LAST", description = "Port range to lease from (default: ${DEFAULT-VALUE}).")
    String ports = dev.ferry.globalfunc.Instances.FIRST_PORT + "-" + dev.ferry.globalfunc.Instances.LAST_PORT;

    int[] range() {
      var m = java.util.regex.Pattern.compile("(\\d+)-(\\d+)").matcher(ports);
      if (!m.matches()) {
        throw new UsageException("--ports is FIRST-LAST (26000-27000), got '" + ports + "'");
      }
      return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }
  }

  @Command(name = "up", description = "Run a worker image as an instance under runc, named HOST_VERSION_MEMG_GPUG_PORT, on a leased port.")
  static final class Up extends BaseCommand {
    @Option(names = "--image", required = true, paramLabel = "REF")
    String image;

    @Option(names = "--mem", required = true, paramLabel = "SIZE", description = "Memory limit (30G): the instance's address-space limit.")
    String mem;

    @Option(names = "--gpu", paramLabel = "GB", description = "GPU memory in gigabytes (0: no GPU); recorded in the name and the instance's environment.")
    int gpu = 0;

    @Option(names = "--version", paramLabel = "VERSION", description = "Version in the name (default: the image's label from ferry func package).")
    String version;

    @Option(names = "--host", paramLabel = "NAME", description = "Host part of the name (default: this machine's short host name).")
    String host;

    @Option(names = "--listen-host", paramLabel = "ADDR", description = "Address the instance listens on (default: ${DEFAULT-VALUE}).")
    String listenHost = "127.0.0.1";

    @Option(names = "--public-host", paramLabel = "NAME", description = "Host name clients use, for the URL shown (default: the listen address).")
    String publicHost;

    @Mixin PortRange ports = new PortRange();

    @Override
    int execute() throws Exception {
      int[] r = ports.range();
      var inst = instances(this, r[0], r[1]).up(store(), image, version, parseSize(mem), gpu,
          host != null ? host : dev.ferry.globalfunc.Instances.shortHostName(), listenHost, publicHost != null ? publicHost : listenHost);
      info("instance " + inst.name() + " serves " + inst.url() + "gfgo/");
      out().println(inst.name());
      return 0;
    }
  }

  @Command(name = "ps", description = "Worker instances: name, image, port, state.")
  static final class Ps extends BaseCommand {
    @Override
    int execute() throws Exception {
      var list = instances(this, dev.ferry.globalfunc.Instances.FIRST_PORT, dev.ferry.globalfunc.Instances.LAST_PORT).ps();
      if (json()) {
        ArrayNode a = Json.array();
        list.forEach(i -> a.addObject().put("name", i.name()).put("image", i.image()).put("version", i.version()).put("port", i.port()).put("url", i.url())
            .put("memory", i.memoryBytes()).put("gpu", i.gpuGigabytes()).put("created", i.created()).put("state", i.state()));
        out().println(Json.write(a));
        return 0;
      }
      Table t = new Table("NAME", "IMAGE", "PORT", "STATE", "URL", "CREATED");
      list.forEach(i -> t.add(i.name(), i.image(), Integer.toString(i.port()), i.state(), i.url(), i.created()));
      t.print(out());
      return 0;
    }
  }

  @Command(name = "down", description = "Stop and delete instances and release their ports.")
  static final class Down extends BaseCommand {
    @Parameters(paramLabel = "NAME", arity = "1..*")
    List<String> names;

    @Override
    int execute() throws Exception {
      var inst = instances(this, dev.ferry.globalfunc.Instances.FIRST_PORT, dev.ferry.globalfunc.Instances.LAST_PORT);
      for (String n : names) {
        inst.down(n);
        out().println(n);
      }
      return 0;
    }
  }
}
