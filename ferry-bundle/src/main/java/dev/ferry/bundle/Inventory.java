package dev.ferry.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Index;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.Reference;
import dev.ferry.registry.client.RegistryClient;
import dev.ferry.registry.client.RemoteManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a customer registry already holds under a prefix: every repository, its tags and every blob its manifests
 * reach ({@code ferry inventory}), written as {@code inventory.json} with an optional detached signature
 * {@code inventory.json.sig}. A delta packed {@code --against} it leaves those blobs out. Immutable.
 *
 * @param registry the registry ({@code host[:port]})
 * @param prefix the path under it that was listed (may be empty)
 * @param repositories repository path (under the prefix) → blobs it holds
 */
public record Inventory(String registry, String prefix, Map<String, List<Digest>> repositories) {
  public Inventory {
    repositories = Map.copyOf(repositories);
  }

  /** The signature file beside {@code inventory}. */
  public static Path signatureOf(Path inventory) {
    return inventory.resolveSibling(inventory.getFileName() + ".sig");
  }

  /** Lists {@code registry/prefix} and writes the inventory (signed with {@code key} when given). */
  public static Inventory take(RegistryClient client, String registryAndPrefix) throws IOException {
    String rp = registryAndPrefix.endsWith("/") ? registryAndPrefix.substring(0, registryAndPrefix.length() - 1) : registryAndPrefix;
    int slash = rp.indexOf('/');
    String registry = slash < 0 ? rp : rp.substring(0, slash);
    String prefix = slash < 0 ? "" : rp.substring(slash + 1);
    Map<String, List<Digest>> repos = new TreeMap<>();
    for (String repo : client.catalog(registry)) {
      if (!prefix.isEmpty() && !repo.startsWith(prefix + "/")) {
        continue;
      }
      String rel = prefix.isEmpty() ? repo : repo.substring(prefix.length() + 1);
      TreeSet<Digest> blobs = new TreeSet<>();
      Reference base = Reference.parse(registry + "/" + repo + ":latest");
      for (String tag : client.tags(base)) {
        collect(client, base.withTag(tag), blobs);
      }
      repos.put(rel, List.copyOf(blobs));
    }
    return new Inventory(registry, prefix, repos);
  }

  private static void collect(RegistryClient client, Reference ref, TreeSet<Digest> blobs) throws IOException {
    RemoteManifest m = client.manifest(ref);
    Descriptor d = m.descriptor();
    if (!blobs.add(d.digest()) && !d.isIndex()) {
      return;
    }
    if (d.isIndex()) {
      for (Descriptor c : Index.parse(m.bytes(), Optional.of(d.mediaType())).manifests()) {
        if (!blobs.contains(c.digest())) {
          collect(client, Reference.parse(ref.name() + "@" + c.digest()), blobs);
        }
      }
    } else if (d.isManifest()) {
      Manifest man = Manifest.parse(m.bytes(), Optional.of(d.mediaType()));
      blobs.add(man.config().digest());
      man.layers().forEach(l -> blobs.add(l.digest()));
    }
  }

  /** Every blob with the repositories holding it. */
  public DeltaBase base(String source) {
    Map<Digest, List<String>> m = new LinkedHashMap<>();
    repositories.forEach((repo, ds) -> ds.forEach(d -> m.computeIfAbsent(d, x -> new ArrayList<>()).add(repo)));
    return new DeltaBase(source, m);
  }

  /** {@link #base(String)} naming the registry. */
  public DeltaBase base() {
    return base(registry + (prefix.isEmpty() ? "" : "/" + prefix));
  }

  /** Writes {@code file} and, with a key, {@code file.sig}. */
  public void write(Path file, Optional<PrivateKey> key) throws IOException {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("schemaVersion", 1).put("registry", registry).put("prefix", prefix);
    ObjectNode rs = o.putObject("repositories");
    repositories.forEach((repo, ds) -> {
      ArrayNode a = rs.putArray(repo);
      ds.forEach(d -> a.add(d.toString()));
    });
    byte[] bytes = Json.MAPPER.writeValueAsBytes(o);
    Files.write(file, bytes);
    if (key.isPresent()) {
      Files.write(signatureOf(file), Signatures.signatureFile(key.get(), Signatures.publicOf(key.get()), bytes));
    }
  }

  /** Reads {@code file}; with a key its signature must be there and verify. */
  public static Inventory read(Path file, Optional<PublicKey> key) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    if (key.isPresent()) {
      Path sig = signatureOf(file);
      if (!Files.exists(sig)) {
        throw new SignatureException(file + " is not signed (no " + sig.getFileName() + " beside it)");
      }
      Signatures.check(key.get(), bytes, Files.readAllBytes(sig), file.toString());
    }
    try {
      JsonNode o = Json.MAPPER.readTree(bytes);
      if (o.path("schemaVersion").asInt() != 1) {
        throw new BundleException(file + " is not a Ferry inventory (schemaVersion 1)");
      }
      Map<String, List<Digest>> repos = new TreeMap<>();
      var it = o.path("repositories").fields();
      while (it.hasNext()) {
        var e = it.next();
        List<Digest> ds = new ArrayList<>();
        e.getValue().forEach(d -> ds.add(Digest.parse(d.asText())));
        repos.put(e.getKey(), ds);
      }
      return new Inventory(o.path("registry").asText(), o.path("prefix").asText(""), repos);
    } catch (IOException | IllegalArgumentException e) {
      throw new BundleException(file + " is not a valid inventory: " + e.getMessage(), e);
    }
  }

  /** Blobs in all repositories. */
  public int blobCount() {
    return (int) repositories.values().stream().flatMap(List::stream).distinct().count();
  }
}
