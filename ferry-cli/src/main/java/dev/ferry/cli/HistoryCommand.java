package dev.ferry.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.ImageConfig;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry history}: an image's layers with their size and the step that made them, like docker history. */
@Command(name = "history", description = "Show the history of an image: each step, its layer and size, newest first.")
final class HistoryCommand extends BaseCommand {
  @Parameters(paramLabel = "REF", description = "Image name or digest.")
  String ref;

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", description = "Platform of a multi-platform image.")
  String platform;

  @Option(names = "--no-trunc", description = "Do not truncate the CREATED BY column.")
  boolean noTrunc;

  @Override
  int execute() throws Exception {
    OciStore store = store();
    Images.Image img = Images.resolve(store, Images.require(store, ref), platform(platform));
    List<Descriptor> layers = img.manifest().layers();
    List<ImageConfig.History> history = img.config().history();
    record Row(String layer, String created, String createdBy, long size, String comment) {}
    List<Row> rows = new ArrayList<>();
    int li = 0;
    for (ImageConfig.History h : history) {
      String layer = "<missing>";
      long size = 0;
      if (!h.emptyLayer() && li < layers.size()) {
        Descriptor l = layers.get(li++);
        layer = l.digest().toString();
        size = l.size();
      }
      rows.add(new Row(layer, h.created().orElse(""), h.createdBy().orElse(""), size, h.comment().orElse("")));
    }
    // Layers with no history entry (images made by tools that write none) still show up.
    while (li < layers.size()) {
      Descriptor l = layers.get(li++);
      rows.add(new Row(l.digest().toString(), "", "", l.size(), ""));
    }
    Collections.reverse(rows);
    if (json()) {
      ArrayNode arr = Json.array();
      for (Row r : rows) {
        ObjectNode o = arr.addObject();
        o.put("layer", r.layer());
        o.put("created", r.created());
        o.put("createdBy", r.createdBy());
        o.put("size", r.size());
        o.put("comment", r.comment());
      }
      out().println(Json.write(arr));
      return 0;
    }
    Table t = new Table("LAYER", "CREATED", "CREATED BY", "SIZE", "COMMENT");
    for (Row r : rows) {
      String by = r.createdBy().replace('\n', ' ');
      if (!noTrunc && by.length() > 60) {
        by = by.substring(0, 57) + "...";
      }
      String layer = r.layer().startsWith("sha256:") && !noTrunc ? r.layer().substring(7, 19) : r.layer();
      t.add(layer, r.created(), by, Bytes.human(r.size()), r.comment());
    }
    t.print(out());
    return 0;
  }
}
