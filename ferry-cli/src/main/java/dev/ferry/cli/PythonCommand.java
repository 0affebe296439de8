package dev.ferry.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Platform;
import dev.ferry.oci.layer.LayerWriter;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import dev.ferry.python.ImagePython;
import dev.ferry.python.PythonTarget;
import dev.ferry.python.Tag;
import dev.ferry.python.Wheel;
import dev.ferry.python.WheelInstaller;
import dev.ferry.python.WheelUnpacker;
import dev.ferry.python.Lock;
import dev.ferry.python.SourceProtector;
import dev.ferry.python.SimpleIndexClient;
import dev.ferry.python.WheelhouseBuilder;
import java.util.ArrayList;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry python}: Python delivery without pip (wheels, tags, wheelhouses, installation, source protection). */
@Command(
    name = "python",
    description = "Python delivery without pip: wheelhouses from a lock, installation into image layers, protection.",
    subcommands = {
      PythonCommand.Tags.class,
      PythonCommand.InspectWheel.class,
      PythonCommand.Install.class,
      PythonCommand.WheelhouseCmd.class,
      PythonCommand.Protect.class,
    })
final class PythonCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  /** Options that describe a target without an image. */
  static final class TargetOptions {
    @Option(names = "--target", paramLabel = "NAME", description = "Target by name, e.g. cp311-manylinux_2_36_x86_64 or cp312-musllinux_1_2_aarch64.")
    String target;

    @Option(names = "--python", paramLabel = "3.N", description = "Python version (with --glibc or --musl, and --arch).")
    String python;

    @Option(names = "--glibc", paramLabel = "2.N", description = "glibc version of the target.")
    String glibc;

    @Option(names = "--musl", paramLabel = "1.N", description = "musl version of the target.")
    String musl;

    @Option(names = "--arch", paramLabel = "ARCH", description = "Wheel architecture: x86_64, aarch64, ... (default: this machine's).")
    String arch;

    /** The target these options describe; empty when none was given. */
    Optional<PythonTarget> target() {
      try {
        if (target != null) {
          if (python != null || glibc != null || musl != null || arch != null) {
            throw new UsageException("--target names the whole target; do not combine it with --python/--glibc/--musl/--arch");
          }
          return Optional.of(PythonTarget.parse(target));
        }
        if (python == null && glibc == null && musl == null) {
          return Optional.empty();
        }
        if (python == null || (glibc == null) == (musl == null)) {
          throw new UsageException("a target needs --python 3.N and exactly one of --glibc 2.N or --musl 1.N");
        }
        int[] v = PythonTarget.version("python", python);
        String a = arch != null ? arch : PythonTarget.wheelArch(Platform.host());
        return Optional.of(glibc != null ? PythonTarget.glibc(v[0], v[1], glibc, a) : PythonTarget.musl(v[0], v[1], musl, a));
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      }
    }
  }

  /** {@code ferry python tags}: the target of an image (or of options) and the tags it accepts, best first. */
  @Command(
      name = "tags",
      description = {
        "Print a target's name and the wheel tags it accepts, best first (PEP 425/600/656).",
        "With --image the target is detected from the image's files: its python3.N and its glibc (dpkg's libc6,"
            + " libc-2.N.so) or musl version."
      })
  static final class Tags extends BaseCommand {
    @Option(names = "--image", paramLabel = "REF", description = "Image in the store to detect the target from.")
    String image;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", description = "Platform of a multi-platform image (default: this machine's).")
    String platform;

    @picocli.CommandLine.ArgGroup(exclusive = false)
    TargetOptions targetOptions = new TargetOptions();

    @Override
    int execute() throws Exception {
      Optional<PythonTarget> given = targetOptions.target();
      if (image == null && given.isEmpty()) {
        throw new UsageException("give --image REF, or --target NAME, or --python and --glibc/--musl");
      }
      if (image != null && given.isPresent()) {
        throw new UsageException("--image detects the target; do not also give --target/--python");
      }
      PythonTarget target;
      ImagePython detected = null;
      if (image != null) {
        OciStore store = store();
        Images.Image img = Images.resolve(store, Images.require(store, image), platform(platform));
        detected = ImagePython.detect(store, img);
        target = detected.target();
      } else {
        target = given.get();
      }
      List<Tag> tags = target.supportedTags();
      if (json()) {
        ObjectNode o = Json.object();
        o.put("target", target.name());
        o.put("python", target.pythonVersion());
        o.put("libc", target.libc().name().toLowerCase(java.util.Locale.ROOT));
        o.put("libcVersion", target.libcMajor() + "." + target.libcMinor());
        o.put("arch", target.arch());
        if (detected != null) {
          o.put("interpreter", detected.layout().interpreter());
          o.put("purelib", detected.layout().purelib());
          o.put("scripts", detected.layout().scripts());
        }
        ArrayNode a = o.putArray("tags");
        tags.forEach(t -> a.add(t.toString()));
        out().println(Json.write(o));
        return 0;
      }
      info(target.name() + ": " + target + (detected == null ? "" : ", interpreter " + detected.layout().interpreter()
          + ", site " + detected.layout().purelib()) + "; " + tags.size() + " tags, best first");
      out().println(target.name());
      if (!quiet()) {
        tags.forEach(t -> out().println(t));
      }
      return 0;
    }
  }

  /** {@code ferry python inspect-wheel}: verify a wheel and print what it is. */
  @Command(
      name = "inspect-wheel",
      description = "Verify a wheel (zip, WHEEL, METADATA, every RECORD hash) and print its name, version, tags,"
          + " requirements and entry points.")
  static final class InspectWheel extends BaseCommand {
    @Parameters(paramLabel = "FILE", description = "The .whl file.")
    Path file;

    @Override
    int execute() throws Exception {
      try (Wheel w = Wheel.open(file)) {
        var md = w.metadata();
        Map<String, String> console = w.entryPoints("console_scripts");
        Map<String, String> gui = w.entryPoints("gui_scripts");
        if (json()) {
          ObjectNode o = Json.object();
          o.put("file", w.filename().filename());
          o.put("name", md.name());
          o.put("version", md.version());
          w.filename().build().ifPresent(b -> o.put("build", b));
          ArrayNode tags = o.putArray("tags");
          w.filename().tags().stream().map(Tag::toString).sorted().forEach(tags::add);
          o.put("wheelVersion", w.wheelFile().getOrDefault("Wheel-Version", ""));
          o.put("generator", w.wheelFile().getOrDefault("Generator", ""));
          o.put("rootIsPurelib", w.rootIsPurelib());
          md.requiresPython().ifPresent(r -> o.put("requiresPython", r));
          md.summary().ifPresent(s -> o.put("summary", s));
          ArrayNode req = o.putArray("requiresDist");
          md.requiresDist().forEach(req::add);
          ObjectNode eps = o.putObject("consoleScripts");
          console.forEach(eps::put);
          ObjectNode geps = o.putObject("guiScripts");
          gui.forEach(geps::put);
          o.put("files", w.record().size());
          out().println(Json.write(o));
          return 0;
        }
        out().println("name:           " + md.name());
        out().println("version:        " + md.version());
        out().println("tags:           " + String.join(" ", w.filename().tags().stream().map(Tag::toString).sorted().toList()));
        out().println("wheel-version:  " + w.wheelFile().getOrDefault("Wheel-Version", ""));
        out().println("generator:      " + w.wheelFile().getOrDefault("Generator", ""));
        out().println("root:           " + (w.rootIsPurelib() ? "purelib" : "platlib"));
        md.requiresPython().ifPresent(r -> out().println("requires-python: " + r));
        md.requiresDist().forEach(r -> out().println("requires:       " + r));
        console.forEach((k, v) -> out().println("console script: " + k + " = " + v));
        gui.forEach((k, v) -> out().println("gui script:     " + k + " = " + v));
        out().println("files:          " + w.record().size() + " (RECORD verified)");
      }
      return 0;
    }
  }

  /** {@code ferry python install}: a wheelhouse into an image, as one new layer. */
  @Command(
      name = "install",
      description = {
        "Install a wheelhouse into an image without pip, as one reproducible layer on top of it.",
        "The image's Python is detected from its files; the best wheel of every project in the wheelhouse is chosen"
            + " for it, verified (zip, RECORD hashes, paths) and spread as PEP 427 says, with console-script"
            + " launchers for the image's interpreter. A refused wheel leaves the store as it was."
      })
  static final class Install extends BaseCommand {
    @Option(names = "--image", required = true, paramLabel = "BASE", description = "Base image in the store (with Python).")
    String image;

    @Option(names = "--wheelhouse", required = true, paramLabel = "DIR", description = "Directory of wheels (or of per-target wheelhouses, as 'ferry python wheelhouse' writes).")
    Path wheelhouse;

    @Option(names = {"-t", "--tag"}, required = true, paramLabel = "REF", description = "Name of the new image.")
    String tag;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", description = "Platform of a multi-platform base (default: this machine's).")
    String platform;

    @Option(names = "--target", paramLabel = "NAME", description = "Override the detected target, e.g. cp311-manylinux_2_36_x86_64.")
    String target;

    @Option(names = "--compression", paramLabel = "gzip|zstd|none", description = "Layer compression (default: gzip).")
    MediaType.Compression compression = MediaType.Compression.GZIP;

    @Option(names = "--compile", description = "Also write bytecode (hash-based .pyc, reproducible), compiled by the image's own python under runc (root).")
    boolean compile;

    @Override
    int execute() throws Exception {
      Optional<PythonTarget> t;
      try {
        t = target == null ? Optional.empty() : Optional.of(PythonTarget.parse(target));
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      }
      OciStore store = store();
      WheelInstaller.Request r = new WheelInstaller.Request(Images.require(store, image), platform(platform), wheelhouse,
          Optional.of(tag), t, compression, LayerWriter.sourceDateEpoch(), compile);
      WheelInstaller.Result res = new WheelInstaller(store, this::info).install(r);
      if (json()) {
        ObjectNode o = Json.object();
        o.put("image", Images.storeName(tag));
        o.put("digest", res.image().digest().toString());
        o.put("layer", res.layer().digest().toString());
        o.put("layerSize", res.layer().size());
        o.put("target", res.target().name());
        ArrayNode a = o.putArray("installed");
        for (WheelUnpacker.Installed i : res.installed()) {
          ObjectNode w = a.addObject();
          w.put("project", i.project());
          w.put("version", i.version());
          w.put("wheel", i.wheel());
          ArrayNode s = w.putArray("scripts");
          i.scripts().forEach(s::add);
        }
        out().println(Json.write(o));
        return 0;
      }
      info("Stored " + Images.storeName(tag) + ": " + res.installed().size() + " wheels for " + res.target().name()
          + " in one layer of " + res.layer().size() + " bytes");
      out().println(res.image().digest());
      return 0;
    }
  }

  /** {@code ferry python wheelhouse}: a lock into one wheelhouse per target. */
  @Command(
      name = "wheelhouse",
      description = {
        "Make one wheelhouse per target from a pinned lock (requirements.txt with == pins and --hash=sha256:,"
            + " or PEP 751 pylock.toml), from simple indexes (PEP 691 JSON / PEP 503 HTML) and --find-links"
            + " directories.",
        "Every wheel is checked against the lock's hashes and kept as a blob in the store; OUT/TARGET/ holds the"
            + " wheels and wheelhouse.json. A package without a compatible wheel for a target is an error naming the"
            + " package, the target and the closest tags that exist. Credentials go in the index URL"
            + " (https://USER:PASSWORD@host/simple); they are never printed."
      })
  static final class WheelhouseCmd extends BaseCommand {
    @Parameters(paramLabel = "LOCK", description = "requirements.txt (pinned, hashed) or pylock.toml.")
    Path lock;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Output directory: one subdirectory per target.")
    Path output;

    @Option(names = "--target", paramLabel = "NAME", description = "Target, e.g. cp311-manylinux_2_36_x86_64 (repeatable).")
    List<String> targets = new ArrayList<>();

    @Option(names = "--image", paramLabel = "REF", description = "Image whose Python is a target (repeatable; detected from its files).")
    List<String> images = new ArrayList<>();

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", description = "With --image: the platforms of a multi-platform image to use (repeatable; default: all).")
    List<String> platforms = new ArrayList<>();

    @Option(names = {"-i", "--index-url"}, paramLabel = "URL", description = "Simple index (repeatable, searched in order).")
    List<String> indexes = new ArrayList<>();

    @Option(names = {"-f", "--find-links"}, paramLabel = "DIR", description = "Directory of wheels (repeatable).")
    List<Path> findLinks = new ArrayList<>();

    @Option(names = {"-t", "--tag"}, paramLabel = "REF", description = "Also name the wheelhouses in the store (an index of OCI artifacts, one per target).")
    String tag;

    @Override
    int execute() throws Exception {
      if (indexes.isEmpty() && findLinks.isEmpty()) {
        throw new UsageException("no package source: give --index-url URL and/or --find-links DIR");
      }
      for (Path d : findLinks) {
        if (!java.nio.file.Files.isDirectory(d)) {
          throw new UsageException("--find-links " + d + " is not a directory");
        }
      }
      OciStore store = store();
      List<PythonTarget> ts = new ArrayList<>();
      try {
        for (String t : targets) {
          ts.add(PythonTarget.parse(t));
        }
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      }
      for (String ref : images) {
        var top = Images.require(store, ref);
        for (Images.Image img : Images.resolveAll(store, top)) {
          if (!platforms.isEmpty() && platforms.stream().map(Platform::parse).noneMatch(p -> p.matches(img.platform()))) {
            continue;
          }
          PythonTarget t = ImagePython.detect(store, img).target();
          if (!ts.contains(t)) {
            ts.add(t);
          }
        }
      }
      if (ts.isEmpty()) {
        throw new UsageException("no target: give --target NAME or --image REF");
      }
      SimpleIndexClient sources;
      try {
        sources = new SimpleIndexClient(indexes, findLinks);
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      }
      Lock l = Lock.read(lock);
      info("lock " + lock.getFileName() + ": " + l.packages().size() + " packages; targets: "
          + String.join(", ", ts.stream().map(PythonTarget::name).toList()));
      WheelhouseBuilder.Result res = new WheelhouseBuilder(store, this::info)
          .build(new WheelhouseBuilder.Request(l, ts, sources, output, Optional.ofNullable(tag)));
      if (json()) {
        ObjectNode o = Json.object();
        res.stored().ifPresent(d -> o.put("digest", d.digest().toString()));
        ObjectNode targetsNode = o.putObject("targets");
        res.wheels().forEach((name, ws) -> {
          ObjectNode t = targetsNode.putObject(name);
          t.put("directory", res.directories().get(name).toString());
          ArrayNode a = t.putArray("wheels");
          for (WheelhouseBuilder.Chosen c : ws) {
            ObjectNode w = a.addObject();
            w.put("project", c.project());
            w.put("version", c.version());
            w.put("file", c.filename());
            w.put("sha256", c.sha256());
          }
        });
        out().println(Json.write(o));
        return 0;
      }
      res.directories().values().forEach(d -> out().println(d));
      return 0;
    }
  }

  /** {@code ferry python protect}: encrypt Python source for delivery, with a loader and entry-script stubs. */
  @Command(
      name = "protect",
      description = {
        "Encrypt Python modules for delivery: AES-256-GCM under a per-build data key, wrapped with RSA-OAEP for the"
            + " customer's public key. OUT gets NAME.pye files, _ferry_loader.py (decrypts in memory at import time:"
            + " no plaintext or .pyc on disk) and plaintext stubs for top-level modules, top-level packages and"
            + " --entry scripts, so 'python main.py', 'import x' and 'python -m x' work.",
        "At run time the private key comes from FERRY_PROTECT_KEY (PEM), FERRY_PROTECT_KEY_FILE or"
            + " /run/secrets/ferry-protect-key; the image needs python3-cryptography. See docs/python.md for what this"
            + " does and does not protect against."
      })
  static final class Protect extends BaseCommand {
    @Parameters(paramLabel = "SRC", description = "Source tree (the directory that goes on sys.path).")
    Path source;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", description = "New directory for the protected tree.")
    Path output;

    @Option(names = "--key", required = true, paramLabel = "PUBLIC.pem", description = "The customer's RSA public key (PEM, >= 2048 bits).")
    Path key;

    @Option(names = "--include", paramLabel = "GLOB", description = "Modules to encrypt, relative to SRC (repeatable; default: **.py).")
    List<String> include = new ArrayList<>();

    @Option(names = "--exclude", paramLabel = "GLOB", description = "Modules to leave in plain text (repeatable).")
    List<String> exclude = new ArrayList<>();

    @Option(names = "--entry", paramLabel = "PATH", description = "A script run directly by path below the top level (repeatable; top-level .py files get a stub anyway).")
    List<String> entries = new ArrayList<>();

    @Override
    int execute() throws Exception {
      var k = SourceProtector.readPublicKey(key);
      SourceProtector.Result r = new SourceProtector().protect(
          new SourceProtector.Request(source, output, k, include, exclude, entries));
      if (json()) {
        ObjectNode o = Json.object();
        o.put("output", output.toString());
        o.put("keyId", r.keyId());
        ArrayNode e = o.putArray("encrypted");
        r.encrypted().forEach(e::add);
        ArrayNode s = o.putArray("stubs");
        r.stubs().forEach(s::add);
        ArrayNode c = o.putArray("copied");
        r.copied().forEach(c::add);
        out().println(Json.write(o));
        return 0;
      }
      info("Protected " + r.encrypted().size() + " modules (" + r.stubs().size() + " with a plaintext stub), copied "
          + r.copied().size() + " other files, for key " + r.keyId());
      out().println(output);
      return 0;
    }
  }
}
