package dev.ferry.bundle.crypt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * JSON Web Encryption (RFC 7516) of a small payload for RSA recipients: key management {@code RSA-OAEP} (RFC 7518
 * §4.3; SHA-1 and MGF1-SHA-1), content encryption {@code A256GCM}; general JSON serialization on output, general or
 * flattened on input (go-jose, which skopeo uses, writes the flattened form for one recipient). Stateless.
 */
final class Jwe {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64URL_DEC = Base64.getUrlDecoder();

  private Jwe() {}

  /** Encrypts {@code payload} for every key in {@code recipients}. */
  static byte[] encrypt(byte[] payload, List<PublicKey> recipients) throws GeneralSecurityException {
    byte[] cek = new byte[32];
    RANDOM.nextBytes(cek);
    byte[] iv = new byte[12];
    RANDOM.nextBytes(iv);
    String protectedHeader = B64URL.encodeToString("{\"enc\":\"A256GCM\"}".getBytes(StandardCharsets.UTF_8));
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(128, iv));
    gcm.updateAAD(protectedHeader.getBytes(StandardCharsets.US_ASCII));
    byte[] sealed = gcm.doFinal(payload);
    int ct = sealed.length - 16;
    ObjectNode o = JSON.createObjectNode();
    o.put("protected", protectedHeader);
    ArrayNode rs = o.putArray("recipients");
    for (PublicKey k : recipients) {
      Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPWithSHA-1AndMGF1Padding");
      rsa.init(Cipher.ENCRYPT_MODE, k);
      ObjectNode r = rs.addObject();
      r.putObject("header").put("alg", "RSA-OAEP");
      r.put("encrypted_key", B64URL.encodeToString(rsa.doFinal(cek)));
    }
    o.put("iv", B64URL.encodeToString(iv));
    o.put("ciphertext", B64URL.encodeToString(java.util.Arrays.copyOf(sealed, ct)));
    o.put("tag", B64URL.encodeToString(java.util.Arrays.copyOfRange(sealed, ct, sealed.length)));
    return o.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Decrypts a JWE with {@code key}, trying each recipient.
   *
   * @throws IOException when no recipient can be opened with the key, or the JWE is malformed
   */
  static byte[] decrypt(byte[] jwe, PrivateKey key) throws IOException {
    JsonNode o = JSON.readTree(jwe);
    String protectedHeader = o.path("protected").asText("");
    JsonNode prot = protectedHeader.isEmpty() ? JSON.createObjectNode() : JSON.readTree(B64URL_DEC.decode(protectedHeader));
    List<JsonNode[]> recipients = new ArrayList<>();
    if (o.has("recipients")) {
      o.get("recipients").forEach(r -> recipients.add(new JsonNode[] {r.path("header"), r.path("encrypted_key")}));
    } else {
      recipients.add(new JsonNode[] {o.path("header"), o.path("encrypted_key")});
    }
    String enc = header(prot, o.path("unprotected"), null, "enc");
    if (!"A256GCM".equals(enc)) {
      throw new IOException("JWE content encryption '" + enc + "' is not supported (A256GCM is)");
    }
    byte[] aad = (protectedHeader + (o.has("aad") ? "." + o.get("aad").asText() : "")).getBytes(StandardCharsets.US_ASCII);
    byte[] iv = B64URL_DEC.decode(o.path("iv").asText());
    byte[] ct = B64URL_DEC.decode(o.path("ciphertext").asText());
    byte[] tag = B64URL_DEC.decode(o.path("tag").asText());
    List<String> tried = new ArrayList<>();
    for (JsonNode[] r : recipients) {
      String alg = header(prot, o.path("unprotected"), r[0], "alg");
      if (!"RSA-OAEP".equals(alg) && !"RSA-OAEP-256".equals(alg)) {
        tried.add(alg);
        continue;
      }
      try {
        Cipher rsa = Cipher.getInstance(alg.equals("RSA-OAEP") ? "RSA/ECB/OAEPWithSHA-1AndMGF1Padding" : "RSA/ECB/OAEPWithSHA-256AndMGF1Padding");
        if (alg.equals("RSA-OAEP-256")) {
          rsa.init(Cipher.DECRYPT_MODE, key, new javax.crypto.spec.OAEPParameterSpec("SHA-256", "MGF1",
              java.security.spec.MGF1ParameterSpec.SHA256, javax.crypto.spec.PSource.PSpecified.DEFAULT));
        } else {
          rsa.init(Cipher.DECRYPT_MODE, key);
        }
        byte[] cek = rsa.doFinal(B64URL_DEC.decode(r[1].asText()));
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(128, iv));
        gcm.updateAAD(aad);
        gcm.update(ct);
        return gcm.doFinal(tag);
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        tried.add(alg + " (not for this key)");
      }
    }
    throw new IOException("no recipient of the layer's JWE can be opened with the given key (recipients: " + String.join(", ", tried) + ")");
  }

  private static String header(JsonNode prot, JsonNode unprot, JsonNode recipient, String name) {
    for (JsonNode h : new JsonNode[] {recipient, unprot, prot}) {
      if (h != null && h.hasNonNull(name)) {
        return h.get(name).asText();
      }
    }
    return "";
  }
}
