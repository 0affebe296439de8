package dev.ferry.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Reference;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;

/** {@code ferry images}: the named images in the store. */
@Command(name = "images", aliases = "ls", description = "List the named images in the store.")
final class ImagesCommand extends BaseCommand {

  @Override
  int execute() throws Exception {
    OciStore store = store();
    List<Descriptor> named =
        store.entries().stream()
            .filter(d -> d.refName().isPresent())
            .sorted(Comparator.comparing(d -> d.refName().orElseThrow()))
            .toList();
    Table t = new Table("REPOSITORY", "TAG", "DIGEST", "PLATFORMS", "CREATED", "SIZE");
    ArrayNode arr = Json.array();
    for (Descriptor d : named) {
      String name = d.refName().orElseThrow();
      String repo = name;
      String tag = "-";
      try {
        Reference r = Reference.parse(name);
        repo = r.familiarName();
        tag = r.tag().orElse("-");
      } catch (IllegalArgumentException e) {
        // A name another tool wrote that is not a reference (e.g. just a tag): show it as it is.
      }
      String platforms = "?";
      String created = "";
      long size = d.size();
      try {
        List<Images.Image> images = Images.resolveAll(store, d);
        platforms = images.stream().map(i -> i.platform().toString()).distinct().collect(Collectors.joining(","));
        size += images.stream().mapToLong(i -> i.manifestDescriptor().size() + i.manifest().contentSize()).sum();
        created = images.isEmpty() ? "" : images.get(0).config().created().orElse("");
      } catch (java.io.IOException | IllegalArgumentException e) {
        platforms = "(unreadable: run ferry fsck)";
      }
      t.add(repo, tag, d.digest().toString().substring(0, 19), platforms, created, Bytes.human(size));
      ObjectNode o = arr.addObject();
      o.put("name", name);
      o.put("digest", d.digest().toString());
      o.put("mediaType", d.mediaType());
      o.put("platforms", platforms);
      o.put("created", created);
      o.put("size", size);
    }
    if (json()) {
      out().println(Json.write(arr));
    } else if (quiet()) {
      named.forEach(d -> out().println(d.refName().orElseThrow()));
    } else {
      t.print(out());
    }
    return 0;
  }
}
