package dev.ferry.registry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Bearer tokens of the registry token flow: JWTs signed with HS256 (HMAC-SHA256, JDK crypto) under a secret key
 * file, with Docker's claims ({@code iss}, {@code sub}, {@code aud}, {@code exp}, {@code nbf}, {@code iat},
 * {@code access: [{type, name, actions}]}). The server both issues and checks them, so a symmetric key is enough.
 * Thread-safe.
 *
 * @see <a href="https://distribution.github.io/distribution/spec/auth/jwt/">token authentication</a>
 */
final class Tokens {
  static final String ISSUER = "ferry";
  /** Tokens are short-lived; clients fetch a new one on 401. */
  static final Duration LIFETIME = Duration.ofMinutes(5);
  /** HS256 wants a key at least as long as its output. */
  private static final int MIN_KEY = 32;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  private final SecretKeySpec key;
  private final Clock clock;

  /** A granted scope: {@code repository:<name>:pull,push} or {@code registry:catalog:*}. */
  record Grant(String type, String name, Set<String> actions) {
    Grant {
      actions = Set.copyOf(actions);
    }

    /** Parses {@code type:name:actions}; the name may contain {@code :} only in its middle (registry ports). */
    static Optional<Grant> parse(String scope) {
      int first = scope.indexOf(':');
      int last = scope.lastIndexOf(':');
      if (first <= 0 || last <= first) {
        return Optional.empty();
      }
      Set<String> actions = new TreeSet<>(List.of(scope.substring(last + 1).split(",")));
      actions.remove("");
      return Optional.of(new Grant(scope.substring(0, first), scope.substring(first + 1, last), actions));
    }
  }

  /** What a valid token says. */
  record Claims(String subject, List<Grant> access) {
    boolean allows(String type, String name, String action) {
      return access.stream()
          .anyMatch(g -> g.type.equals(type) && g.name.equals(name) && (g.actions.contains(action) || g.actions.contains("*")));
    }
  }

  private Tokens(byte[] secret, Clock clock) {
    this.key = new SecretKeySpec(secret, "HmacSHA256");
    this.clock = clock;
  }

  /** Reads the secret from {@code file}: at least 32 bytes, e.g. {@code head -c 32 /dev/urandom > key}. */
  static Tokens load(Path file, Clock clock) throws IOException {
    byte[] secret = Files.readAllBytes(file);
    if (secret.length < MIN_KEY) {
      throw new IOException(
          "token key " + file + " has " + secret.length + " bytes; HS256 needs at least " + MIN_KEY + " (head -c 32 /dev/urandom > " + file + ")");
    }
    return new Tokens(secret, clock);
  }

  String issue(String subject, List<Grant> access) {
    long now = clock.instant().getEpochSecond();
    ObjectNode c = JSON.createObjectNode();
    c.put("iss", ISSUER);
    c.put("sub", subject);
    c.put("aud", ISSUER);
    c.put("iat", now);
    c.put("nbf", now - 5);
    c.put("exp", now + LIFETIME.toSeconds());
    ArrayNode a = c.putArray("access");
    for (Grant g : access) {
      ObjectNode o = a.addObject();
      o.put("type", g.type);
      o.put("name", g.name);
      ArrayNode acts = o.putArray("actions");
      new TreeSet<>(g.actions).forEach(acts::add);
    }
    try {
      String header = B64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
      String body = B64.encodeToString(JSON.writeValueAsBytes(c));
      String signed = header + "." + body;
      return signed + "." + B64.encodeToString(sign(signed));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write token claims", e);
    }
  }

  /** The claims of a token this server signed and that has not expired; empty otherwise. */
  Optional<Claims> verify(String token) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      return Optional.empty();
    }
    try {
      JsonNode header = JSON.readTree(B64D.decode(parts[0]));
      if (!"HS256".equals(header.path("alg").asText())) {
        return Optional.empty();
      }
      byte[] expected = sign(parts[0] + "." + parts[1]);
      if (!MessageDigest.isEqual(expected, B64D.decode(parts[2]))) {
        return Optional.empty();
      }
      JsonNode c = JSON.readTree(B64D.decode(parts[1]));
      long now = clock.instant().getEpochSecond();
      if (!ISSUER.equals(c.path("iss").asText()) || c.path("exp").asLong(0) < now || c.path("nbf").asLong(0) > now) {
        return Optional.empty();
      }
      List<Grant> access = new ArrayList<>();
      for (JsonNode g : c.path("access")) {
        Set<String> actions = new TreeSet<>();
        g.path("actions").forEach(x -> actions.add(x.asText()));
        access.add(new Grant(g.path("type").asText(), g.path("name").asText(), actions));
      }
      return Optional.of(new Claims(c.path("sub").asText(), access));
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private byte[] sign(String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac.doFinal(data.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
  }
}
