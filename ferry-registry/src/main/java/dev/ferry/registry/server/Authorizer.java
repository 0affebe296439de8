package dev.ferry.registry.server;

import dev.ferry.oci.Nullable;
import dev.ferry.registry.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides whether a request may do what it asks: no auth at all, Basic auth against htpasswd, or bearer tokens
 * from {@code /token}; {@link Acl} says which user may pull or push where. Thread-safe.
 */
final class Authorizer {
  static final String SERVICE = "ferry";

  private final @Nullable Htpasswd htpasswd;
  private final @Nullable Tokens tokens;
  private final Acl acl;

  Authorizer(@Nullable Htpasswd htpasswd, @Nullable Tokens tokens, Acl acl) {
    this.htpasswd = htpasswd;
    this.tokens = tokens;
    this.acl = acl;
  }

  boolean enabled() {
    return htpasswd != null || tokens != null;
  }

  boolean issuesTokens() {
    return tokens != null;
  }

  /** What a request needs: an action on a resource, or nothing but a login ({@code type} empty, for {@code /v2/}). */
  record Need(String type, String name, String action) {
    static Need login() {
      return new Need("", "", "");
    }

    static Need repository(String name, String action) {
      return new Need("repository", name, action);
    }

    static Need catalog() {
      return new Need("registry", "catalog", "*");
    }

    String scope() {
      return type + ":" + name + ":" + action;
    }
  }

  /**
   * Checks a request's {@code Authorization} header against {@code need}.
   *
   * @param realm the token endpoint's URL, for bearer challenges (asked for only when tokens are on)
   * @throws HttpError {@code UNAUTHORIZED} with a challenge, or {@code DENIED}
   */
  void check(@Nullable String authorization, Need need, java.util.function.Supplier<String> realm) {
    if (!enabled()) {
      return;
    }
    if (tokens != null) {
      String challenge =
          "Bearer realm=\"" + realm.get() + "\",service=\"" + SERVICE + "\"" + (need.type().isEmpty() ? "" : ",scope=\"" + need.scope() + "\"");
      if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
        throw unauthorized("authentication required", challenge);
      }
      Optional<Tokens.Claims> claims = tokens.verify(authorization.substring(7).strip());
      if (claims.isEmpty()) {
        throw unauthorized("the bearer token is invalid or expired", challenge);
      }
      if (!need.type().isEmpty() && !claims.get().allows(need.type(), need.name(), need.action())) {
        throw unauthorized(
            "the token does not grant " + need.scope(), challenge + ",error=\"insufficient_scope\"");
      }
      return;
    }
    String user = basicUser(authorization);
    String basic = "Basic realm=\"" + SERVICE + "\"";
    if (user == null) {
      throw unauthorized(authorization == null ? "authentication required" : "wrong user name or password", basic);
    }
    if (need.type().isEmpty()) {
      if (user.equals(Acl.ANONYMOUS)) {
        throw unauthorized("authentication required", basic);
      }
      return;
    }
    if (!allowed(user, need)) {
      if (user.equals(Acl.ANONYMOUS)) {
        throw unauthorized("authentication required to " + need.action() + " " + need.name(), basic);
      }
      throw new HttpError(ErrorCode.DENIED, "user " + user + " may not " + need.action() + " " + need.name());
    }
  }

  /** Whether {@code user} may do what {@code need} says (the catalog: any authenticated user). */
  boolean allowed(String user, Need need) {
    if (need.type().equals("registry")) {
      return !user.equals(Acl.ANONYMOUS) || !acl.actions(user, "*").isEmpty();
    }
    return acl.actions(user, need.name()).contains(need.action());
  }

  /**
   * The user a Basic header proves; {@link Acl#ANONYMOUS} without a header, or without htpasswd (nobody can prove a
   * name then); null when the credentials are wrong.
   */
  @Nullable String basicUser(@Nullable String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6) || htpasswd == null) {
      return Acl.ANONYMOUS;
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) {
      return null;
    }
    String user = decoded.substring(0, colon);
    return htpasswd.check(user, decoded.substring(colon + 1)) ? user : null;
  }

  /**
   * Serves {@code GET /token}: the scopes asked for, cut down to what the user may do. Without htpasswd everyone is
   * {@link Acl#ANONYMOUS}, who (without an ACL file) may do everything in token mode: the key alone then only
   * scopes and expires access, it does not identify anyone.
   *
   * @throws HttpError {@code UNAUTHORIZED} when the credentials are wrong
   */
  String issue(@Nullable String authorization, List<String> scopes) {
    Tokens t = java.util.Objects.requireNonNull(tokens, "tokens");
    String user = basicUser(authorization);
    if (user == null) {
      throw unauthorized("wrong user name or password", "Basic realm=\"" + SERVICE + "\"");
    }
    List<Tokens.Grant> granted = new ArrayList<>();
    for (String scope : scopes) {
      for (String one : scope.split(" ")) {
        Tokens.Grant.parse(one)
            .ifPresent(
                g -> {
                  Set<String> ok = new TreeSet<>();
                  for (String a : g.actions()) {
                    Need n = g.type().equals("registry") ? Need.catalog() : Need.repository(g.name(), a);
                    if ((g.type().equals("repository") || g.type().equals("registry")) && allowedForToken(user, n)) {
                      ok.add(a);
                    }
                  }
                  if (!ok.isEmpty()) {
                    granted.add(new Tokens.Grant(g.type(), g.name(), ok));
                  }
                });
      }
    }
    return t.issue(user, granted);
  }

  private boolean allowedForToken(String user, Need need) {
    if (htpasswd == null && user.equals(Acl.ANONYMOUS) && acl.equalsDefault()) {
      return true;
    }
    return allowed(user, need);
  }

  private static HttpError unauthorized(String message, String challenge) {
    return new HttpError(ErrorCode.UNAUTHORIZED, message).header("WWW-Authenticate", challenge);
  }
}
