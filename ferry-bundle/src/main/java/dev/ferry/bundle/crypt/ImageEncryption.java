package dev.ferry.bundle.crypt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.DigestMismatchException;
import dev.ferry.oci.Index;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts or decrypts every layer of an image (an index: every platform) in a store, writing new manifests (and a
 * new index) beside the old; configs, and so diff IDs and image IDs, do not change. Layers stream through the
 * cipher into the store, never into memory. Stateless.
 *
 * @see <a href="https://github.com/containers/ocicrypt">ocicrypt</a> for the format this follows
 */
public final class ImageEncryption {
  /** Annotation holding the base64 JWE(s) of the layer key, comma-separated. */
  public static final String KEYS_JWE = "org.opencontainers.image.enc.keys.jwe";
  /** Annotation holding the base64 public options: cipher and HMAC. */
  public static final String PUBOPTS = "org.opencontainers.image.enc.pubopts";
  static final String SUFFIX = "+encrypted";
  private static final String CIPHER = "AES_256_CTR_HMAC_SHA256";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int BUFFER = 1 << 20;

  private ImageEncryption() {}

  /** Whether a descriptor is an encrypted layer. */
  public static boolean isEncrypted(Descriptor d) {
    return d.mediaType().endsWith(SUFFIX) && d.annotations().containsKey(KEYS_JWE);
  }

  /** {@code top} with every layer encrypted for {@code recipients}; already encrypted layers stay as they are. */
  public static Descriptor encrypt(OciStore store, Descriptor top, List<PublicKey> recipients) throws IOException {
    if (recipients.isEmpty()) {
      throw new IllegalArgumentException("encryption needs at least one recipient key");
    }
    return rewrite(store, top, l -> isEncrypted(l) || !isLayer(l) ? l : encryptLayer(store, l, recipients));
  }

  /** {@code top} with every encrypted layer decrypted with {@code key}. */
  public static Descriptor decrypt(OciStore store, Descriptor top, PrivateKey key) throws IOException {
    return rewrite(store, top, l -> isEncrypted(l) ? decryptLayer(store, l, key) : l);
  }

  private static boolean isLayer(Descriptor d) {
    return d.knownMediaType().map(t -> t.kind() == MediaType.Kind.LAYER).orElse(false);
  }

  @FunctionalInterface
  private interface LayerChange {
    Descriptor apply(Descriptor layer) throws IOException;
  }

  private static Descriptor rewrite(OciStore store, Descriptor top, LayerChange change) throws IOException {
    Descriptor plainTop = Descriptor.of(top.mediaType(), top.digest(), top.size());
    if (top.isIndex()) {
      Index index = store.readIndex(plainTop);
      List<Descriptor> entries = new ArrayList<>();
      for (Descriptor m : index.manifests()) {
        Descriptor changed = m.isManifest() || m.isIndex() ? rewrite(store, m, change) : m;
        Descriptor entry = Descriptor.of(changed.mediaType(), changed.digest(), changed.size()).withAnnotations(m.annotations());
        entries.add(m.platform().map(entry::withPlatform).orElse(entry));
      }
      return store.put(Index.of(index.mediaType(), entries, index.annotations()));
    }
    Manifest m = store.readManifest(plainTop);
    List<Descriptor> layers = new ArrayList<>();
    boolean any = false;
    for (Descriptor l : m.layers()) {
      Descriptor c = change.apply(l);
      any |= c != l;
      layers.add(c);
    }
    if (!any) {
      return plainTop;
    }
    // Encrypted layers need an OCI manifest: Docker's schema has no encrypted media types.
    MediaType type = m.mediaType().isDocker() ? MediaType.OCI_MANIFEST : m.mediaType();
    Descriptor config = m.config();
    if (m.mediaType().isDocker() && config.mediaType().equals(MediaType.DOCKER_CONFIG.value())) {
      config = config.withMediaType(MediaType.OCI_CONFIG.value());
    }
    return store.put(Manifest.of(type, config, layers, m.annotations(), m.subject(), m.artifactType()));
  }

  private static Descriptor encryptLayer(OciStore store, Descriptor layer, List<PublicKey> recipients) throws IOException {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    byte[] nonce = new byte[16];
    RANDOM.nextBytes(nonce);
    Digest written;
    long size;
    byte[] hmac;
    try {
      Cipher ctr = Cipher.getInstance("AES/CTR/NoPadding");
      ctr.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(nonce));
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      try (OciStore.Session s = store.session(); InputStream in = store.open(layer); OciStore.BlobWriter w = store.newBlob()) {
        byte[] buf = new byte[BUFFER];
        for (int n; (n = in.read(buf)) > 0; ) {
          byte[] out = ctr.update(buf, 0, n);
          if (out != null) {
            mac.update(out);
            w.write(out);
          }
        }
        byte[] last = ctr.doFinal();
        mac.update(last);
        w.write(last);
        size = w.count();
        written = w.commit();
      }
      hmac = mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot encrypt layer " + layer.digest() + ": " + e.getMessage(), e);
    }
    ObjectNode priv = JSON.createObjectNode();
    priv.put("symkey", Base64.getEncoder().encodeToString(key));
    priv.put("digest", layer.digest().toString());
    priv.putObject("cipheroptions").put("nonce", Base64.getEncoder().encodeToString(nonce));
    ObjectNode pub = JSON.createObjectNode();
    pub.put("cipher", CIPHER);
    pub.put("hmac", Base64.getEncoder().encodeToString(hmac));
    pub.putObject("cipheroptions");
    String jwe;
    try {
      jwe = Base64.getEncoder().encodeToString(Jwe.encrypt(JSON.writeValueAsBytes(priv), recipients));
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot wrap the key of layer " + layer.digest() + ": " + e.getMessage(), e);
    }
    Map<String, String> annotations = new LinkedHashMap<>(layer.annotations());
    annotations.put(KEYS_JWE, jwe);
    annotations.put(PUBOPTS, Base64.getEncoder().encodeToString(JSON.writeValueAsBytes(pub)));
    return Descriptor.of(encryptedType(layer.mediaType()), written, size).withAnnotations(annotations);
  }

  private static String encryptedType(String plain) {
    // Docker layer types have no encrypted form; ocicrypt consumers expect the OCI ones.
    String oci = plain.equals(MediaType.DOCKER_LAYER_GZIP.value()) ? MediaType.OCI_LAYER_GZIP.value()
        : plain.equals(MediaType.DOCKER_LAYER_ZSTD.value()) ? MediaType.OCI_LAYER_ZSTD.value()
        : plain.equals(MediaType.DOCKER_LAYER.value()) ? MediaType.OCI_LAYER.value() : plain;
    return oci + SUFFIX;
  }

  private static Descriptor decryptLayer(OciStore store, Descriptor layer, PrivateKey key) throws IOException {
    JsonNode priv = null;
    IOException last = null;
    for (String one : layer.annotations().get(KEYS_JWE).split(",")) {
      try {
        priv = JSON.readTree(Jwe.decrypt(Base64.getDecoder().decode(one.trim()), key));
        break;
      } catch (IOException | IllegalArgumentException e) {
        last = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
      }
    }
    if (priv == null) {
      throw new IOException("layer " + layer.digest() + " cannot be decrypted with this key: " + (last == null ? "" : last.getMessage()), last);
    }
    JsonNode pub = JSON.readTree(Base64.getDecoder().decode(layer.annotations().getOrDefault(PUBOPTS, "")));
    if (!CIPHER.equals(pub.path("cipher").asText())) {
      throw new IOException("layer " + layer.digest() + " uses cipher '" + pub.path("cipher").asText() + "'; Ferry decrypts " + CIPHER);
    }
    byte[] symkey = Base64.getDecoder().decode(priv.path("symkey").asText());
    byte[] nonce = Base64.getDecoder().decode(priv.path("cipheroptions").path("nonce").asText());
    byte[] expectedHmac = Base64.getDecoder().decode(pub.path("hmac").asText());
    Digest plainDigest = Digest.parse(priv.path("digest").asText());
    try {
      Cipher ctr = Cipher.getInstance("AES/CTR/NoPadding");
      ctr.init(Cipher.DECRYPT_MODE, new SecretKeySpec(symkey, "AES"), new IvParameterSpec(nonce));
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(symkey, "HmacSHA256"));
      long size;
      try (OciStore.Session s = store.session(); InputStream in = store.open(layer); OciStore.BlobWriter w = store.newBlob()) {
        byte[] buf = new byte[BUFFER];
        for (int n; (n = in.read(buf)) > 0; ) {
          mac.update(buf, 0, n);
          byte[] out = ctr.update(buf, 0, n);
          if (out != null) {
            w.write(out);
          }
        }
        w.write(ctr.doFinal());
        if (!MessageDigest.isEqual(mac.doFinal(), expectedHmac)) {
          throw new IOException("layer " + layer.digest() + " fails its HMAC check: it was altered after encryption");
        }
        size = w.count();
        w.commit(plainDigest, size);
      } catch (DigestMismatchException e) {
        throw new IOException("layer " + layer.digest() + " decrypts to " + e.actual() + ", not the " + plainDigest + " its key names", e);
      }
      String type = layer.mediaType().substring(0, layer.mediaType().length() - SUFFIX.length());
      Map<String, String> annotations = new LinkedHashMap<>(layer.annotations());
      annotations.keySet().removeIf(k -> k.startsWith("org.opencontainers.image.enc."));
      return Descriptor.of(type, plainDigest, size).withAnnotations(annotations);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot decrypt layer " + layer.digest() + ": " + e.getMessage(), e);
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
