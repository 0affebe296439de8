package dev.ferry.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.testing.Peers;
import dev.ferry.testing.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Runs commands in unpacked runtime bundles with real runc, with a private state directory; close deletes them. */
final class RuncContainers implements AutoCloseable {
  private final Path runc;
  private final Path state;
  private final List<String> ids = new ArrayList<>();

  RuncContainers(Path tmp) throws Exception {
    this.runc = Peers.require("runc");
    this.state = Files.createDirectories(tmp.resolve("runc-state"));
  }

  /** Runs {@code args} as the bundle's process (no terminal), with extra environment entries. */
  Processes.Result run(Path bundle, Map<String, String> env, String... args) throws Exception {
    ObjectMapper json = new ObjectMapper();
    // every run starts from the bundle's original config, so one run's environment never leaks into the next
    Path original = bundle.resolve("config.json.orig");
    if (!Files.exists(original)) {
      Files.copy(bundle.resolve("config.json"), original);
    }
    ObjectNode spec = (ObjectNode) json.readTree(original.toFile());
    ObjectNode process = (ObjectNode) spec.get("process");
    process.put("terminal", false);
    process.putArray("args").addAll(List.of(args).stream().map(json.getNodeFactory()::textNode).toList());
    var envArray = process.withArray("env");
    env.forEach((k, v) -> envArray.add(k + "=" + v));
    json.writeValue(bundle.resolve("config.json").toFile(), spec);
    String id = "ferry-it-" + UUID.randomUUID().toString().substring(0, 8);
    ids.add(id);
    return Processes.run(
        List.of(runc.toString(), "--root", state.toString(), "run", "--bundle", bundle.toString(), id), null, Map.of(), 120);
  }

  Processes.Result run(Path bundle, String... args) throws Exception {
    return run(bundle, Map.of(), args);
  }

  @Override
  public void close() throws java.io.IOException {
    try {
      for (String id : ids) {
        Processes.run(runc.toString(), "--root", state.toString(), "delete", "-f", id);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
