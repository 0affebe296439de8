package dev.ferry.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.ImageConfig;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry inspect}: what an image is, like {@code skopeo inspect}. */
@Command(name = "inspect", description = "Show an image's digest, platform, config and layers (JSON).")
final class InspectCommand extends BaseCommand {
  @Parameters(paramLabel = "REF", description = "Image name, digest or digest prefix.")
  String ref;

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", description = "Platform to show for a multi-platform image (default: this machine's).")
  String platform;

  @Option(names = "--raw", description = "Print the manifest (or index) exactly as stored.")
  boolean raw;

  @Option(names = "--config", description = "Print the image config exactly as stored.")
  boolean config;

  @Override
  int execute() throws Exception {
    var p = platform(platform);
    OciStore store = store();
    Descriptor top = Images.require(store, ref);
    if (raw) {
      out().println(new String(store.read(top.digest()), StandardCharsets.UTF_8));
      return 0;
    }
    Images.Image img = Images.resolve(store, top, p);
    if (config) {
      out().println(new String(img.config().bytes(), StandardCharsets.UTF_8));
      return 0;
    }
    ImageConfig c = img.config();
    ObjectNode o = Json.object();
    o.put("Name", top.refName().orElse(""));
    o.put("Digest", top.digest().toString());
    o.put("MediaType", top.mediaType());
    if (top.isIndex()) {
      o.put("ManifestDigest", img.manifestDescriptor().digest().toString());
      ArrayNode ps = o.putArray("Platforms");
      store.readIndex(top).platforms().forEach(x -> ps.add(x.toString()));
    }
    o.put("Platform", img.platform().toString());
    o.put("ImageID", img.manifest().config().digest().toString());
    o.put("Created", c.created().orElse(""));
    c.author().ifPresent(a -> o.put("Author", a));
    ObjectNode cfg = o.putObject("Config");
    strings(cfg.putArray("Env"), c.env());
    strings(cfg.putArray("Entrypoint"), c.entrypoint());
    strings(cfg.putArray("Cmd"), c.cmd());
    cfg.put("WorkingDir", c.workingDir().orElse(""));
    cfg.put("User", c.user().orElse(""));
    strings(cfg.putArray("ExposedPorts"), c.exposedPorts());
    ObjectNode labels = cfg.putObject("Labels");
    c.labels().forEach(labels::put);
    if (!c.onBuild().isEmpty()) {
      strings(cfg.putArray("OnBuild"), c.onBuild());
    }
    ArrayNode layers = o.putArray("Layers");
    for (Descriptor l : img.manifest().layers()) {
      ObjectNode lo = layers.addObject();
      lo.put("Digest", l.digest().toString());
      lo.put("Size", l.size());
      lo.put("MediaType", l.mediaType());
    }
    strings(o.putArray("DiffIDs"), c.diffIds().stream().map(Object::toString).toList());
    o.put("Size", img.manifest().contentSize());
    ObjectNode ann = o.putObject("Annotations");
    img.manifest().annotations().forEach(ann::put);
    out().println(Json.write(o));
    return 0;
  }

  private static void strings(ArrayNode a, java.util.List<String> values) {
    values.forEach(a::add);
  }
}
